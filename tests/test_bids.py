"""Bid sheets out and back: a bid edited as a partner would and returned changes the plan;
a bid speaking for another partner is refused at its file and cell."""

from __future__ import annotations

import json
import shutil

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import ROOT

from orchestra.cli import main
from orchestra.errors import InputError
from orchestra.io import load, load_network
from orchestra.report.bids import write_bid_workbooks

BANK = ROOT / "inputs" / "bank.xlsx"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def _set(path, sheet, row, column, value):
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    header = [c.value for c in ws[1]]
    ws.cell(row=row, column=header.index(column) + 1, value=value)
    wb.save(path)


def _submit(path):
    _set(path, "partner", 2, "submitted", "yes")


def _spare_row(ws, lot):
    """The first blank row under ``lot`` on an offers sheet (for an alternate bid or tier)."""
    header = [c.value for c in ws[1]]
    for r, values in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
        if values[header.index("lot")] == lot and values[header.index("level")] is None \
                and values[header.index("sourced_for_roles")] == "(alternate bid or tier)":
            return r
    raise AssertionError(lot)


def _fill(ws, r, **values):
    header = [c.value for c in ws[1]]
    for name, value in values.items():
        ws.cell(row=r, column=header.index(name) + 1, value=value)


def _row_of(path, sheet, **match):
    ws = openpyxl.load_workbook(path)[sheet]
    header = [c.value for c in ws[1]]
    for r, values in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
        if all(values[header.index(k)] == v for k, v in match.items()):
            return r
    raise AssertionError(match)


def test_bid_sheets_carry_the_partner_and_what_is_sourced(tmp_path):
    network = load_network(BANK)
    written = write_bid_workbooks(network, tmp_path, ["P09"], blank=True)
    assert [p.name for p in written] == ["P09.xlsx", "new.xlsx"]
    wb = openpyxl.load_workbook(tmp_path / "P09.xlsx")
    assert wb.sheetnames == ["instructions", "partner", "offers"]
    assert wb["partner"]["A2"].value == "P09" and wb["partner"].protection.sheet
    offers = list(wb["offers"].iter_rows(values_only=True))
    header = offers[0]
    assert {"sourced_for_roles", "min_level_needed", "total_load_sourced"} <= set(header)
    # P09 offers card production today: it is invited to that lot only, its offer on it.
    ours = {(o.capability, o.level) for o in network.capabilities if o.partner_id == "P09"}
    rows = [dict(zip(header, r, strict=True)) for r in offers[1:]]
    assert {(r["capability"], r["level"]) for r in rows if r["level"]} == ours
    assert {r["lot"] for r in rows} == {"card_production"}
    # The blank bid of a new bidder has every lot, an invitation row for each capability.
    blank = list(openpyxl.load_workbook(tmp_path / "new.xlsx")["offers"].values)
    sourced = {role.capability for role in network.roles}
    assert {r[header.index("capability")] for r in blank[1:]} - {None} == sourced
    # Returned untouched, the files are the ones sent: no bid, each said so.
    loaded = load(BANK, tmp_path)
    assert loaded.network.partners == network.partners
    assert set(loaded.network.capabilities) == set(network.capabilities)
    assert loaded.network.not_returned == ("P09.xlsx: the file as it was sent",
                                           "new.xlsx: the file as it was sent")
    assert loaded.network.bidders == ()


def test_a_returned_bid_under_the_price_to_win_wins_the_role(tmp_path):
    """explain names a losing candidate's price to win; the candidate bids just under it for
    that role, the bid comes back, and the plan gives it the role."""
    network = load_network(BANK)
    cand = _losing_candidate(network)
    offer = network.offer(cand.partner_id, cand.role_id)
    write_bid_workbooks(network, tmp_path, [cand.partner_id])
    bid = tmp_path / f"{cand.partner_id}.xlsx"
    wb = openpyxl.load_workbook(bid)
    ws = wb["offers"]
    _fill(ws, _spare_row(ws, offer.capability), capability=offer.capability,
          level=offer.level, unit_cost=cand.price_to_win - 1, effort=offer.effort,
          role_id=cand.role_id)
    wb.save(bid)
    _submit(bid)
    result = run("plan", BANK, "--profile", "lowest_cost", "--time-limit", "20", "--json",
                 "--bids", tmp_path)
    assert result.exit_code == 0, result.output
    after = {(a["role_id"], a["partner_id"]) for a in json.loads(result.stdout)["assignments"]}
    assert (cand.role_id, cand.partner_id) in after


def test_a_bid_speaking_for_another_partner_is_refused_at_its_cell(tmp_path):
    write_bid_workbooks(load_network(BANK), tmp_path, ["P09"])
    bid = tmp_path / "P09.xlsx"
    row = _row_of(bid, "offers", capability="card_production")
    _set(bid, "offers", row, "partner_id", "P10")
    _submit(bid)
    with pytest.raises(InputError) as info:
        load(BANK, tmp_path)
    assert f'[P09.xlsx]offers!A{row}: an offer for partner "P10" in the bid of P09 ' \
           "(expected P09: a bid speaks for its own partner only)" in \
           [str(p) for p in info.value.problems]


def test_two_bids_for_one_partner_are_refused(tmp_path):
    write_bid_workbooks(load_network(BANK), tmp_path, ["P09"])
    _submit(tmp_path / "P09.xlsx")
    shutil.copy(tmp_path / "P09.xlsx", tmp_path / "P09-again.xlsx")
    with pytest.raises(InputError, match=r"\[P09.xlsx\]partner!A2: a second bid for P09"):
        load(BANK, tmp_path)


def test_a_bid_figure_out_of_range_is_located_in_the_bid(tmp_path):
    write_bid_workbooks(load_network(BANK), tmp_path, ["P09"])
    bid = tmp_path / "P09.xlsx"
    row = _row_of(bid, "offers", capability="card_production")
    _set(bid, "offers", row, "level", 9)
    _submit(bid)
    result = run("validate", BANK, "--bids", tmp_path)
    assert result.exit_code == 2
    assert f"[P09.xlsx]offers!C{row}: level got 9 (expected a whole number from 1 to 5)" \
        in result.output


def test_compare_sets_from_bids(tmp_path):
    write_bid_workbooks(load_network(BANK), tmp_path, ["P09", "P11"])
    _submit(tmp_path / "P09.xlsx")
    _submit(tmp_path / "P11.xlsx")
    result = run("compare", BANK, "--bids", tmp_path, "--sets-from-bids", "--time-limit", "10",
                 "--json")
    assert result.exit_code == 0, result.output
    sets = [r["set_id"] for r in json.loads(result.stdout)["sets"]]
    assert sets[:2] == ["P09", "P11"]


def _losing_candidate(network):
    import orchestra

    profile = orchestra.load_profile("lowest_cost")
    quick = orchestra.SolveSettings(time_limit_s=20)
    base = orchestra.plan(network, profile, quick)
    why = orchestra.explain(network, profile, base, with_rules=False, settings=quick)
    return next(c for c in why.candidates if c.status == "can_win" and c.exact
                and c.price_to_win >= 2)


def test_an_alternate_bid_returned_wins_its_role_and_the_report_names_it(tmp_path):
    """The losing candidate's winning price comes back as alternate bid B2 beside its
    unchanged offer: the plan accepts B2 for the role, and the report's assignments say so."""
    network = load_network(BANK)
    cand = _losing_candidate(network)
    offer = network.offer(cand.partner_id, cand.role_id)
    write_bid_workbooks(network, tmp_path / "bids", [cand.partner_id])
    bid = tmp_path / "bids" / f"{cand.partner_id}.xlsx"
    wb = openpyxl.load_workbook(bid)
    ws = wb["offers"]
    _fill(ws, _spare_row(ws, offer.capability), capability=offer.capability,
          level=offer.level, unit_cost=cand.price_to_win - 1, effort=offer.effort,
          role_id=offer.role_id or None, bid_id="B2")
    wb.save(bid)
    _submit(bid)
    report = tmp_path / "plan.xlsx"
    result = run("plan", BANK, "--profile", "lowest_cost", "--time-limit", "20", "--json",
                 "--bids", tmp_path / "bids", "-o", report)
    assert result.exit_code == 0, result.output
    slots = json.loads(result.stdout)["assignments"]
    won = [a for a in slots if (a["role_id"], a["partner_id"]) == (cand.role_id,
                                                                    cand.partner_id)]
    assert [a["bid_id"] for a in won] == ["B2"]
    sheet = openpyxl.load_workbook(report)["assignments"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2,
                                                                        values_only=True)]
    assert [r["bid_id"] for r in rows if (r["role_id"], r["partner_id"]) ==
            (cand.role_id, cand.partner_id)] == ["B2"]


def test_a_price_row_that_changes_more_than_the_price_is_refused_at_its_cell(tmp_path):
    write_bid_workbooks(load_network(BANK), tmp_path, ["P09"])
    bid = tmp_path / "P09.xlsx"
    first = _row_of(bid, "offers", capability="card_production")
    wb = openpyxl.load_workbook(bid)
    ws = wb["offers"]
    header = [c.value for c in ws[1]]
    level = ws.cell(row=first, column=header.index("level") + 1).value
    spare = _spare_row(ws, "card_production")
    _fill(ws, spare, level=level - 1, unit_cost=1, bid_id="B2")
    wb.save(bid)
    _submit(bid)
    result = run("validate", BANK, "--bids", tmp_path)
    assert result.exit_code == 2
    assert (f"[P09.xlsx]offers!C{spare}: level {level - 1} differs from {level} at "
            f"[P09.xlsx]offers!C{first}") in result.output, result.output


# --- who owns which figure -------------------------------------------------------------------

def _bid_of(tmp_path, pid="P09"):
    write_bid_workbooks(load_network(BANK), tmp_path, [pid])
    _submit(tmp_path / f"{pid}.xlsx")
    return tmp_path / f"{pid}.xlsx"


def test_a_bidder_cannot_rewrite_the_buyers_assessment(tmp_path):
    # The cheat: a reliability and onboarding cost of its own written onto its partner sheet.
    bid = _bid_of(tmp_path)
    wb = openpyxl.load_workbook(bid)
    ws = wb["partner"]
    ws.protection.sheet = False
    ws.cell(row=1, column=ws.max_column + 1, value="reliability")
    ws.cell(row=2, column=ws.max_column, value=0.9995)
    ws.cell(row=1, column=ws.max_column + 1, value="onboarding_cost")
    ws.cell(row=2, column=ws.max_column, value=0)
    wb.save(bid)
    assessed = load_network(BANK).partner["P09"]
    loaded = load(BANK, tmp_path)
    assert loaded.network.partner["P09"] == assessed  # read without the buyer's figures
    warned = [str(w) for w in loaded.warnings if "buyer's assessment" in str(w)]
    assert warned == [
        "[P09.xlsx]partner!H2: reliability is the buyer's assessment, not the bidder's: read "
        "without it; state a claim in claimed_reliability (expected a bid of offers, capacity, "
        "fee and claims)",
        "[P09.xlsx]partner!I2: onboarding_cost is the buyer's assessment, not the bidder's: "
        "read without it (expected a bid of offers, capacity, fee and claims)"]


@pytest.mark.parametrize("accept, planned", [("no", None), ("yes", 0.9995)])
def test_a_claim_is_shown_beside_the_assessment_and_planned_only_when_accepted(
        tmp_path, accept, planned):
    bid = _bid_of(tmp_path / "bids")
    _set(bid, "partner", 2, "claimed_reliability", 0.9995)
    source = tmp_path / "bank.xlsx"
    wb = openpyxl.load_workbook(BANK)
    wb["policy"].append(["accept_claims", accept])
    wb.save(source)
    assessed = load_network(BANK).partner["P09"].reliability
    network = load(source, tmp_path / "bids").network
    assert network.partner["P09"].reliability == (planned or assessed)
    (claim,) = network.claims
    assert (claim.partner_id, claim.metric, claim.claimed, claim.assessed) == (
        "P09", "reliability", 0.9995, assessed)
    result = run("validate", source, "--bids", tmp_path / "bids")
    assert f"[P09.xlsx]partner!F2: P09 reliability claimed 0.9995 (assessed {assessed:g})" in (
        result.output)


def test_a_new_bidder_joins_at_the_policys_onboarding_cost(tmp_path):
    write_bid_workbooks(load_network(BANK), tmp_path / "bids", blank=True, partners=["P09"])
    blank = tmp_path / "bids" / "new.xlsx"
    wb = openpyxl.load_workbook(blank)
    ws = wb["partner"]
    header = [c.value for c in ws[1]]
    for name, value in (("partner_id", "N1"), ("name", "Newco"), ("capacity", 5),
                        ("fixed_cost", 1000), ("submitted", "yes")):
        ws.cell(row=2, column=header.index(name) + 1, value=value)
    offers = wb["offers"]
    oh = [c.value for c in offers[1]]
    offers.cell(row=2, column=oh.index("partner_id") + 1, value="N1")
    offers.cell(row=2, column=oh.index("level") + 1, value=5)
    offers.cell(row=2, column=oh.index("unit_cost") + 1, value=10)
    wb.save(blank)
    loaded = load(BANK, tmp_path / "bids")
    assert loaded.network.partner["N1"].onboarding_cost == 0.0
    assert any("N1 is new to the network and the policy has no default_onboarding_cost" in
               str(w) for w in loaded.warnings)
    source = tmp_path / "bank.xlsx"
    wb = openpyxl.load_workbook(BANK)
    wb["policy"].append(["default_onboarding_cost", 15000])
    wb.save(source)
    assert load(source, tmp_path / "bids").network.partner["N1"].onboarding_cost == 15000
