"""A whole sourcing round on the bank: send, three bidders answer (a lower price with a claim,
an alternate package, a volume tier with a rewritten assessment), one returns the file as it
was sent and one never says it submitted; read back, award, feedback. Every figure of the award
and the feedback is recomputed from the rows it stands on."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import ROOT
from hypothesis import given, settings
from test_model import small_networks

import orchestra
from orchestra.cli import main
from orchestra.domain import Capability, Lock, Network, Partner, Policy, Role, Touchpoint
from orchestra.io import load, load_network
from orchestra.model import SolveSettings, plan
from orchestra.report.bids import write_bid_workbooks
from orchestra.sourcing import award, feedback, lot_price

BANK = ROOT / "inputs" / "bank.xlsx"
QUICK = SolveSettings(time_limit_s=20, workers=2)


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def _edit(path: Path, sheet: str, row: int, **values) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    header = [c.value for c in ws[1]]
    for name, value in values.items():
        if name not in header:  # a cheat: a column the bid does not have
            ws.protection.sheet = False
            header.append(name)
            ws.cell(row=1, column=len(header), value=name)
        ws.cell(row=row, column=header.index(name) + 1, value=value)
    wb.save(path)


def _rows(path: Path, sheet: str) -> list[dict]:
    ws = openpyxl.load_workbook(path)[sheet]
    header = [c.value for c in ws[1]]
    return [dict(zip(header, r, strict=False)) | {"_row": k}
            for k, r in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2)]


def _offer_row(path: Path, capability: str) -> int:
    return next(r["_row"] for r in _rows(path, "offers")
                if r["capability"] == capability and r["level"] is not None)


def _spare_row(path: Path, lot: str) -> int:
    return next(r["_row"] for r in _rows(path, "offers")
                if r["lot"] == lot and r["sourced_for_roles"] == "(alternate bid or tier)")


@pytest.fixture(scope="module")
def round_(tmp_path_factory):
    """The round, played once: outbox, inbox, the network read back, its plan."""
    root = tmp_path_factory.mktemp("round")
    outbox, inbox = root / "outbox", root / "inbox"
    result = run("bids", BANK, "-o", outbox)
    assert result.exit_code == 0, result.output
    for pid in ("P09", "P10", "P04", "P05", "P16"):
        shutil.copy(outbox / f"{pid}.xlsx", inbox / f"{pid}.xlsx") if inbox.exists() else (
            inbox.mkdir(), shutil.copy(outbox / f"{pid}.xlsx", inbox / f"{pid}.xlsx"))
    shutil.copy(outbox / "manifest.json", inbox / "manifest.json")
    # P09: a lower price for card production, and a reliability it claims above the assessment.
    bid = inbox / "P09.xlsx"
    _edit(bid, "offers", _offer_row(bid, "card_production"), unit_cost=1500)
    _edit(bid, "partner", 2, submitted="yes", claimed_reliability=0.9999)
    # P10: an alternate package B2 at a lower price, beside its offer.
    bid = inbox / "P10.xlsx"
    base = _rows(bid, "offers")[_offer_row(bid, "card_production") - 2]
    _edit(bid, "offers", _spare_row(bid, "card_production"), capability="card_production",
          level=base["level"], unit_cost=base["unit_cost"] - 200, bid_id="B2")
    _edit(bid, "partner", 2, submitted="yes")
    # P04: a volume tier for security operations (both its roles at half price), and its own
    # reliability and onboarding cost written onto its partner sheet (the buyer's assessment:
    # read without them). The tier row leaves level and effort blank: the offer's hold.
    bid = inbox / "P04.xlsx"
    base = _rows(bid, "offers")[_offer_row(bid, "security_ops") - 2]
    _edit(bid, "offers", _spare_row(bid, "security_ops"), capability="security_ops",
          unit_cost=base["unit_cost"] * 0.5, min_slots=2)
    _edit(bid, "partner", 2, submitted="yes", reliability=0.9995, onboarding_cost=0)
    # P05 filled a price but never said it submitted; P16 sent the file back untouched.
    bid = inbox / "P05.xlsx"
    _edit(bid, "offers", _offer_row(bid, "cloud_hosting"), unit_cost=1)
    loaded = load(BANK, inbox)
    network = loaded.network
    result = plan(network, orchestra.load_profile("balanced"), QUICK)
    return dataclasses.make_dataclass("Round", ["root", "outbox", "inbox", "loaded", "network",
                                                "plan"])(root, outbox, inbox, loaded, network,
                                                        result)


def test_the_outbox_holds_one_workbook_per_invited_partner_and_a_manifest(round_):
    network = load_network(BANK)
    sent = sorted(p.name for p in round_.outbox.glob("*.xlsx"))
    invited = {pid for lot in network.lots for pid in network.invited(lot)}
    assert sent == sorted(f"{pid}.xlsx" for pid in invited)
    assert not any(network.partner[pid].kind == "internal" for pid in invited)
    import json

    manifest = json.loads((round_.outbox / "manifest.json").read_text())
    assert sorted(f["file"] for f in manifest["files"]) == sent
    # P09 offers card production only today: it is invited to that lot and no other.
    assert {r["lot"] for r in _rows(round_.outbox / "P09.xlsx", "offers")} == {
        "card_production"}


def test_what_a_bidder_sees_is_the_round_not_the_buyers_files(round_, tmp_path):
    source = tmp_path / "bank.xlsx"
    wb = openpyxl.load_workbook(BANK)
    for key, value in (("round_title", "Card services 2027"), ("buyer", "Bank procurement"),
                       ("deadline", "2027-01-31"), ("contact", "tenders@bank.example")):
        wb["policy"].append([key, value])
    wb.save(source)
    assert run("bids", source, "-o", tmp_path / "out", "--partner", "P09").exit_code == 0
    book = openpyxl.load_workbook(tmp_path / "out" / "P09.xlsx")
    text = "\n".join(str(c.value) for ws in book.worksheets for row in ws.iter_rows()
                     for c in row if c.value is not None)
    for said in ("Card services 2027", "Bank procurement", "2027-01-31",
                 "tenders@bank.example"):
        assert said in text
    for hidden in ("bank.xlsx", "orchestra plan", "--bids", "onboarding_cost", "exit_cost"):
        assert hidden not in text
    header = book["offers"].oddHeader.right.text
    assert "Card services 2027" in header and "bank.xlsx" not in header


def test_unreturned_files_are_not_bids(round_):
    network = round_.network
    assert network.bidders == ("P04", "P09", "P10")
    assert network.not_returned == ("P05.xlsx: its submitted cell does not say yes",
                                    "P16.xlsx: the file as it was sent")
    before = load_network(BANK)
    assert network.offer("P05", "R06") == before.offer("P05", "R06")  # its price 1 unread


def test_a_rewritten_assessment_is_ignored_and_a_claim_only_shown(round_):
    network, before = round_.network, load_network(BANK)
    assert network.partner["P04"].reliability == before.partner["P04"].reliability
    assert network.partner["P04"].onboarding_cost == before.partner["P04"].onboarding_cost
    warned = [str(w) for w in round_.loaded.warnings if "buyer's assessment" in str(w)]
    assert len(warned) == 2 and all(w.startswith("[P04.xlsx]partner!") for w in warned)
    (claim,) = network.claims
    assert (claim.partner_id, claim.claimed, claim.assessed) == (
        "P09", 0.9999, before.partner["P09"].reliability)
    assert network.partner["P09"].reliability == before.partner["P09"].reliability


def test_alternate_packages_and_tiers_come_back(round_):
    network = round_.network
    assert {c.bid_id for c in network.capabilities if c.partner_id == "P10"} >= {"B2"}
    tiers = [c for c in network.capabilities if c.partner_id == "P04" and c.min_slots == 2]
    assert len(tiers) == 1 and tiers[0].capability == "security_ops"
    assert tiers[0].effort == network.offer("P04", "R15").effort


def test_the_award_is_recomputable_from_the_plan_and_the_bids(round_):
    network, result = round_.network, round_.plan
    before = load_network(BANK)
    today = orchestra.model.given.given_plan(before, result.profile, network.current)
    got = award(network, result)
    for lot in got.lots:
        roles = set(lot.lot.roles)
        mine = [a for a in result.assignments if a.role_id in roles]
        assert set(lot.winners) == {a.partner_id for a in mine}
        assert lot.price == pytest.approx(sum(a.cost for a in mine))
        prices = {pid: lot_price(network, pid, lot.lot).price for pid in network.bidders}
        whole = sorted((p, pid) for pid, p in prices.items() if p is not None)
        assert [(b.price, b.partner_id) for b in lot.bids] == whole
        losers = [(p, pid) for p, pid in whole if pid not in lot.winners]
        assert (lot.runner_up.partner_id if lot.runner_up else None) == (
            losers[0][1] if losers else None)
        held = [a for a in today.assignments if a.role_id in roles]
        if held and not lot.open_slots:
            assert lot.savings == pytest.approx(sum(a.cost for a in held) - lot.price)
    # Card production: P09's whole-lot bid (1,500 a unit) against P10's package B2.
    card = next(a for a in got.lots if a.lot.lot_id == "card_production")
    assert {b.partner_id for b in card.bids} == {"P09", "P10"}
    assert [b.partner_id for b in got.bidders] == ["P04", "P09", "P10"]
    for bidder in got.bidders:
        assert bidder.lots_won == tuple(a.lot.lot_id for a in got.lots
                                        if bidder.partner_id in a.winners)
    assert got.not_returned == round_.network.not_returned


def test_the_report_and_the_comparison_carry_the_award(round_):
    report = round_.root / "plan.xlsx"
    result = run("plan", BANK, "--bids", round_.inbox, "-o", report, "--time-limit", "20")
    assert result.exit_code == 0, result.output
    assert "award (per lot" in result.output and "card_production:" in result.output
    book = openpyxl.load_workbook(report)
    assert {"award", "bidders"} <= set(book.sheetnames)
    bidders = [r for r in _rows(report, "bidders")]
    assert [r["bid"] for r in bidders] == [
        "returned", "returned", "returned", "not returned: P05.xlsx: its submitted cell does "
        "not say yes", "not returned: P16.xlsx: the file as it was sent"]
    out = round_.root / "compare.xlsx"
    result = run("compare", BANK, "--bids", round_.inbox, "--sets-from-bids", "-o", out,
                 "--time-limit", "20")
    assert result.exit_code == 0, result.output
    assert "award" in openpyxl.load_workbook(out).sheetnames
    assert max(len(line) for line in result.stdout.splitlines()) <= 120


def test_feedback_names_no_one_else_and_its_prices_win(round_):
    out = round_.root / "feedback"
    result = run("feedback", BANK, "--bids", round_.inbox, "-o", out, "--time-limit", "20")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.glob("*.xlsx")) == ["P04.xlsx", "P09.xlsx", "P10.xlsx"]
    network = round_.network
    for path in out.glob("*.xlsx"):
        own = path.stem
        text = " ".join(str(c.value) for ws in openpyxl.load_workbook(path).worksheets
                        for row in ws.iter_rows() for c in row if c.value is not None)
        others = [p for p in network.partners if p.partner_id != own]
        assert not [p.partner_id for p in others if f"{p.partner_id} " in f"{text} "
                    or p.name in text]


def test_feedback_prices_are_the_threshold_at_which_the_bidder_wins():
    """A small round where the winner is known by hand: A holds both roles at 10 a unit; B
    bids 15 with a fee of 5. With B on both roles at a whole-lot price p, the plan costs p + 5
    against A's 20: B wins at 15 or less (7.50 a unit, 50 % below its bid), and re-solves at
    just below and just above the price say so."""
    net = _two_bidders(b_price=15.0, b_fee=5.0)
    profile = orchestra.load_profile("lowest_cost")
    base = plan(net, profile, QUICK)
    assert {a.partner_id for a in base.assignments} == {"A"}
    (mine,) = next(f for f in feedback(net, profile, base, QUICK) if f.partner_id == "B").lots
    assert mine.price == 30 and mine.rank == 2 and not mine.won
    assert mine.price_to_win == pytest.approx(15.0) and mine.cut == pytest.approx(0.5)
    for factor, wins in ((0.99, True), (1.01, False)):
        unit = 15.0 * (1 - mine.cut) * factor
        cheaper = _two_bidders(b_price=unit, b_fee=5.0)
        on = {a.partner_id for a in plan(cheaper, profile, QUICK).assignments}
        assert ("B" in on) is wins


def test_feedback_says_where_the_budget_binds_and_why_a_bidder_cannot_win():
    # Today A holds both roles (at 8 a unit) and the policy allows no change: against the other
    # bids B wins at a whole-lot price of 11 (A's 16 less B's fee); within the limit, never.
    net = _two_bidders(b_price=15.0, b_fee=5.0, a_price=8.0, max_changes=0)
    profile = orchestra.load_profile("lowest_cost")
    base = plan(net, profile, QUICK)
    (mine,) = next(f for f in feedback(net, profile, base, QUICK) if f.partner_id == "B").lots
    assert mine.price_to_win == pytest.approx(11.0)
    assert mine.note.startswith("against the other bids alone; within its limit on changed "
                                "contracts (0) you do not win at any price")
    # B's level is below what the roles need: it cannot win, and is told the level.
    low = _two_bidders(b_price=1.0, b_fee=0.0, b_level=1)
    base = plan(low, profile, QUICK)
    (mine,) = next(f for f in feedback(low, profile, base, QUICK) if f.partner_id == "B").lots
    assert mine.price_to_win is None
    assert mine.note == "R1 needs x at level 2; your offer is level 1"


def _two_bidders(b_price: float, b_fee: float, max_changes: int | None = None,
                 a_price: float = 10.0, b_level: int = 3) -> Network:
    partners = (Partner("A", "Alpha", "supplier", 4.0), Partner("B", "Beta", "supplier", 4.0,
                                                              fixed_cost=b_fee))
    return Network(
        partners=partners,
        capabilities=(Capability("A", "x", 3, a_price), Capability("B", "x", b_level, b_price)),
        touchpoints=(Touchpoint("T1", "T1", "utilization", "front"),),
        roles=(Role("R1", "R1", "T1", "x", 2, 1, 1.0, True),
               Role("R2", "R2", "T1", "x", 2, 1, 1.0, True)),
        policy=Policy(max_changes=max_changes),
        current=(Lock("R1", "A"), Lock("R2", "A")),
        bidders=("A", "B"),
    )


@settings(max_examples=15, deadline=None)
@given(net=small_networks())
def test_a_lot_price_to_win_is_where_the_plan_turns(net):
    """On small networks, every partner a bidder and every capability a lot: at its unit
    prices cut to 1% under the price to win, the bidder gets a slot of the lot; at 1% over, the
    plan does not give it every role of the lot it qualifies for."""
    net = dataclasses.replace(net, bidders=tuple(p.partner_id for p in net.partners),
                              policy=dataclasses.replace(net.policy, budget=None))
    profile = orchestra.load_profile("lowest_cost")
    base = plan(net, profile, QUICK)
    if base.status != "optimal":
        return
    for told in feedback(net, profile, base, QUICK):
        for lot in told.lots:
            if lot.price_to_win is None or lot.cut is None or not 0.02 < lot.cut < 0.98:
                continue
            roles = {r.role_id for r in lot.roles if r.qualifies}
            for factor, wins in ((0.99, True), (1.01, False)):
                cheaper = _priced(net, told.partner_id, lot.lot_id, (1 - lot.cut) * factor)
                on = {a.role_id for a in plan(cheaper, profile, QUICK).assignments
                      if a.partner_id == told.partner_id}
                assert (bool(on & roles) if wins else not roles <= on), (
                    told.partner_id, lot.lot_id, factor)


def _priced(net: Network, pid: str, capability: str, factor: float) -> Network:
    return dataclasses.replace(net, capabilities=tuple(
        dataclasses.replace(c, unit_cost=c.unit_cost * factor)
        if c.partner_id == pid and c.capability == capability else c
        for c in net.capabilities))


def _uno_python() -> str | None:
    """A Python that can drive LibreOffice (its ``uno`` module), if there is one."""
    for candidate in ("/usr/bin/python3", "/usr/lib/libreoffice/program/python",
                      "/Applications/LibreOffice.app/Contents/Resources/python"):
        if Path(candidate).exists() and subprocess.run(
                [candidate, "-c", "import uno"], capture_output=True, check=False,
                timeout=60).returncode == 0:
            return candidate
    return None


UNO_PYTHON = _uno_python() if shutil.which("soffice") else None


@pytest.mark.skipif(UNO_PYTHON is None, reason="LibreOffice with its Python bridge (uno) is not "
                    "installed: apt install libreoffice-calc python3-uno")
def test_a_bidder_adds_an_alternate_bid_in_libreoffice_under_the_sheets_protection(tmp_path):
    outbox, inbox = tmp_path / "outbox", tmp_path / "inbox"
    write_bid_workbooks(load_network(BANK), outbox, ["P10"])
    inbox.mkdir()
    offer = load_network(BANK).offer("P10", "R07")
    done = subprocess.run(
        [UNO_PYTHON, str(ROOT / "tests" / "uno_fill_bid.py"), str(outbox / "P10.xlsx"),
         str(inbox / "P10.xlsx"), "card_production", "card_production", str(offer.level),
         str(offer.unit_cost - 100), "B2"], capture_output=True, text=True, timeout=300,
        check=False)
    assert done.returncode == 0, done.stderr
    import json

    seen = json.loads(done.stdout.strip().splitlines()[-1])
    # The sheet is protected, its ids locked, and the blank row under the lot open to typing.
    assert seen["protected"] and seen["id_locked"] and not seen["submitted_locked"]
    assert seen["spare_locked"] == {"capability": False, "level": False, "unit_cost": False,
                                    "bid_id": False}
    network = load(BANK, inbox).network
    assert network.bidders == ("P10",)
    (alternate,) = [c for c in network.capabilities if c.partner_id == "P10" and c.bid_id]
    assert (alternate.bid_id, alternate.unit_cost, alternate.capability) == (
        "B2", offer.unit_cost - 100, "card_production")


def _with(tmp_path: Path, sheet: str, rows: list[list], header: list[str] | None = None
          ) -> Path:
    source = tmp_path / "bank.xlsx"
    wb = openpyxl.load_workbook(source if source.exists() else BANK)
    if sheet not in wb.sheetnames:
        wb.create_sheet(sheet).append(header)
    ws = wb[sheet]
    for row in rows:
        ws.append(row)
    wb.save(source)
    return source


def test_a_lots_sheet_groups_roles_and_names_who_is_invited(tmp_path):
    source = _with(tmp_path, "lots", [["CARDS", "Cards and mail", "R07;R19;R08;R20", "P09;P12"],
                                      ["HOSTING", "", "R10", "qualified"],
                                      ["ALL", "Marketing", "R02", "all"]],
                   ["lot_id", "name", "roles", "invited"])
    network = load_network(source)
    assert [(lot.lot_id, lot.roles) for lot in network.lots] == [
        ("CARDS", ("R07", "R19", "R08", "R20")), ("HOSTING", ("R10",)), ("ALL", ("R02",))]
    assert network.invited(network.lots[0]) == ("P09", "P12")
    assert network.invited(network.lots[1]) == ("P01", "P04", "P05")
    everyone = {p.partner_id for p in network.partners if p.kind != "internal"}
    assert set(network.invited(network.lots[2])) == everyone
    result = run("bids", source, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    rows = _rows(tmp_path / "out" / "P12.xlsx", "offers")
    assert {r["lot"] for r in rows} == {"CARDS", "ALL"}
    assert {r["capability"] for r in rows if r["lot"] == "CARDS"} >= {"card_production",
                                                                       "logistics"}


def test_a_lots_sheet_is_checked_cell_by_cell(tmp_path):
    source = _with(tmp_path, "lots", [["A", "", "R07;R99", "P09"], ["B", "", "R07", "P77"]],
                   ["lot_id", "name", "roles", "invited"])
    result = run("validate", source)
    assert result.exit_code == 2
    for said in ('lots!C2: unknown role_id(s) R99', "lots!C3: R07 is already in lot A",
                 'lots!D3: unknown partner_id "P77"'):
        assert said in result.output, result.output


def test_an_excluded_partner_gets_a_workbook_only_when_named(tmp_path):
    source = _with(tmp_path, "policy", [["exclude", "P10"]])
    assert run("bids", source, "-o", tmp_path / "all").exit_code == 0
    assert not (tmp_path / "all" / "P10.xlsx").exists()
    assert (tmp_path / "all" / "P09.xlsx").exists()
    assert run("bids", source, "-o", tmp_path / "named", "--partner", "P10").exit_code == 0
    assert (tmp_path / "named" / "P10.xlsx").exists()
    assert run("bids", source, "-o", tmp_path / "every", "--invite-all").exit_code == 0
    every = {p.stem for p in (tmp_path / "every").glob("*.xlsx")}
    network = load_network(source)
    assert every == {p.partner_id for p in network.partners
                     if p.kind != "internal" and p.partner_id != "P10"}


def test_a_bid_sheet_without_a_submitted_cell_is_not_read_and_says_why(tmp_path):
    write_bid_workbooks(load_network(BANK), tmp_path / "out", ["P09"])
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(tmp_path / "out" / "P09.xlsx", inbox / "P09.xlsx")
    wb = openpyxl.load_workbook(inbox / "P09.xlsx")
    ws = wb["partner"]
    ws.protection.sheet = False
    ws.delete_cols([c.value for c in ws[1]].index("submitted") + 1)
    wb.save(inbox / "P09.xlsx")
    network = load(BANK, inbox).network
    assert network.bidders == ()
    assert network.not_returned == (
        "P09.xlsx: it has no submitted cell (a bid sheet from before it had one)",)
