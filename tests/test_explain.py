"""Explanations against brute force on small networks (lowest_cost: the objective is the cost)."""

from __future__ import annotations

import dataclasses
import json

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import ROOT, network
from hypothesis import given, settings
from test_model import LOWEST, brute_force, small_networks

from orchestra.cli import main
from orchestra.domain import Lock, Policy
from orchestra.explanations import anatomy, explain, kept_off, on_role_at_no_cost
from orchestra.model import SolveSettings, plan
from orchestra.score.team import team_parts

SETTINGS = SolveSettings(time_limit_s=20, workers=1)


def _priced(net, role_id, pid, unit_cost):
    """``net`` with ``pid``'s offer for ``role_id`` at ``unit_cost`` (an offer for the role)."""
    offer = net.offer(pid, role_id)
    caps = tuple(c for c in net.capabilities
                 if not (c.partner_id == pid and c.role_id == role_id))
    return dataclasses.replace(net, capabilities=caps + (
        dataclasses.replace(offer, unit_cost=unit_cost, role_id=role_id),))


@settings(max_examples=40, deadline=None)
@given(net=small_networks())
def test_replace_cost_and_price_to_win_equal_brute_force(net):
    base = plan(net, LOWEST, SETTINGS)
    best = brute_force(net)
    if best is None or base.status != "optimal":
        return
    why = explain(net, LOWEST, base, every=True, with_rules=False, settings=SETTINGS)
    for slot in why.assignments:
        other = brute_force(kept_off(net, slot.role_id, slot.partner_id))
        if other is None or other[0] > best[0]:
            assert slot.status == "irreplaceable" and slot.replace_cost is None
        else:
            assert slot.exact
            assert slot.replace_cost_money == pytest.approx(other[2] - best[2])
            if other[:2] == best[:2]:
                assert slot.replace_cost == pytest.approx(other[2] - best[2])
    for cand in why.candidates:
        load = net.role[cand.role_id].load
        forced = brute_force(on_role_at_no_cost(net, cand.role_id, cand.partner_id))
        if forced is None:
            assert cand.status == "cannot_serve" and cand.price_to_win is None
        elif forced[:2] > best[:2]:
            assert cand.status == "cannot_win" and cand.price_to_win is None
        elif forced[:2] < best[:2]:  # at no cost it fills more: the budget's room is a floor
            assert cand.status == "can_win" and not cand.exact
            assert cand.price_to_win == pytest.approx((net.policy.budget - forced[2]) / load)
        else:
            price = (best[2] - forced[2]) / load
            assert cand.status == ("can_win" if price >= -1e-9 else "cannot_win")
            if cand.exact:
                assert cand.price_to_win == pytest.approx(price, abs=1e-9)
            else:  # the budget binds: a price at which it certainly wins
                assert net.policy.budget is not None and cand.price_to_win <= price + 1e-9


@settings(max_examples=25, deadline=None)
@given(net=small_networks())
def test_just_below_the_price_to_win_the_candidate_wins_and_just_above_it_loses(net):
    base = plan(net, LOWEST, SETTINGS)
    if base.status != "optimal":
        return
    why = explain(net, LOWEST, base, every=True, with_rules=False, settings=SETTINGS)
    for cand in why.candidates:
        if cand.status != "can_win" or not cand.exact:
            continue
        for price, wins in ((cand.price_to_win - 0.01, True), (cand.price_to_win + 0.01, False)):
            if price < 0:
                continue
            priced = _priced(net, cand.role_id, cand.partner_id, price)
            held = dataclasses.replace(priced, locks=(*priced.locks,
                                                      Lock(cand.role_id, cand.partner_id)))
            best, with_q = brute_force(priced), brute_force(held)
            assert (with_q is not None and with_q == pytest.approx(best)) is wins, \
                (price, best, with_q)


def _bank_like():
    """Two roles; B is cheaper for R1 but only A can do R2, and A's fixed cost is paid once."""
    return network(
        [("A", 10, 5), ("B", 0, 5), ("C", 0, 5)],
        [("A", "x", 2, 6, 1.0), ("B", "x", 2, 5, 1.0), ("A", "y", 2, 3, 1.0),
         ("C", "x", 1, 1, 1.0)],
        [("R1", "x", 2, 1, 1, True), ("R2", "y", 2, 1, 1, True)])


def test_a_slot_explained_by_hand():
    """A must serve R2 (10 + 3); R1 goes to B at 5 rather than A at 6 (C is below the level):
    18. Without B on R1, A takes it: 19, so B's replace cost is 1. A would win R1 at 5 a unit
    (18 - 13), 1/6 below its bid of 6. No one else offers y: A is irreplaceable on R2."""
    net = _bank_like()
    base = plan(net, LOWEST, SETTINGS)
    assert base.total_cost == pytest.approx(18)
    why = explain(net, LOWEST, base, every=True, settings=SETTINGS)
    r1 = next(s for s in why.assignments if s.role_id == "R1")
    assert (r1.partner_id, r1.next_best_partner_id, r1.replace_cost) == ("B", "A", 1)
    r2 = next(s for s in why.assignments if s.role_id == "R2")
    assert r2.status == "irreplaceable" and "no other partner offers y" in r2.reason
    a = next(c for c in why.candidates if (c.role_id, c.partner_id) == ("R1", "A"))
    assert (a.status, a.price_to_win, a.price_cut_share) == ("can_win", 5, pytest.approx(1 / 6))


def test_the_anatomy_adds_up_and_names_a_standby():
    net = _bank_like()
    net = dataclasses.replace(net, policy=Policy(must_include=("C",)))
    base = plan(net, LOWEST, SETTINGS)
    parts = anatomy(net, LOWEST, base)
    assert parts.total == pytest.approx(base.objective)
    assert sum(v for row in parts.by_touchpoint.values() for v in row.values()) == \
        pytest.approx(base.objective)
    assert sum(v for row in parts.by_partner.values() for v in row.values()) == \
        pytest.approx(base.objective)
    assert team_parts(net, base)["C"] == "kept in by the policy (must_include)"


def test_a_binding_rule_is_priced():
    """max_partners = 1 forces A onto both roles (6 + 3 + 10 = 19 against 18): relaxing it by
    one partner gains 1."""
    net = dataclasses.replace(_bank_like(), policy=Policy(max_partners=1))
    base = plan(net, LOWEST, SETTINGS)
    assert base.total_cost == pytest.approx(19)
    why = explain(net, LOWEST, base, settings=SETTINGS)
    rule = next(r for r in why.rules if r.rule == "max_partners")
    assert (rule.status, rule.objective_gain, rule.exact) == ("binds", pytest.approx(1), True)


# --- the command -------------------------------------------------------------------------------

BANK = str(ROOT / "inputs" / "bank.xlsx")


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_explain_json_covers_every_slot_and_candidate_with_exact_figures(tmp_path):
    out = tmp_path / "why.xlsx"
    result = run("explain", BANK, "--time-limit", "30", "--json", "-o", str(out))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    why = data["explanations"]
    slots = {(a["role_id"], a["partner_id"]) for a in data["assignments"]}
    assert {(a["role_id"], a["partner_id"]) for a in why["assignments"]} == slots
    assert data["status"] == "optimal"
    assert all(a["figure"] == "exact" for a in why["assignments"])
    for a in why["assignments"]:
        assert (a["replace_cost"] is None) == (a["status"] == "irreplaceable")
    for c in why["candidates"]:
        if c["status"] == "can_win" and c["price_to_win"] is None:
            # a slot whose contract runs past the horizon: no price weighs within it
            assert "after the horizon" in c["reason"]
        elif c["status"] == "can_win":
            assert 0 <= c["price_to_win"] <= c["unit_cost"] + 1e-6
            assert c["price_cut_share"] == pytest.approx(1 - c["price_to_win"] / c["unit_cost"],
                                                         abs=1e-5)
    assert {"requires", "budget", "lock"} <= {r["rule"] for r in why["rules"]}
    assert why["terms"]["total"] == pytest.approx(data["objective"])
    # The workbook holds the same rows.
    wb = openpyxl.load_workbook(out, read_only=True)
    assert wb.sheetnames == ["assignments", "candidates", "rules", "terms"]
    assert wb["assignments"].max_row - 1 == len(why["assignments"])
    assert wb["candidates"].max_row - 1 == len(why["candidates"])


def test_explain_one_role_in_words():
    result = run("explain", BANK, "--time-limit", "30", "--role", "R07")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("  R07 ")]
    # The slot's line, and (the bank's calendar) when its change takes effect.
    assert len(lines) == 2 and "Next best" in lines[0]
    assert "waits for its contract, from 2027-03-01" in lines[1]
    assert "ending it early (fee 15,000.00)" in lines[1]
    assert "what each rule costs" not in result.output  # rules only without filters


def test_explain_names_an_unknown_role():
    result = run("explain", BANK, "--role", "R99")
    assert result.exit_code == 2
    assert "--role R99" in result.output


def test_plan_explain_adds_the_why_sheet(tmp_path):
    out = tmp_path / "plan.xlsx"
    result = run("plan", BANK, "--time-limit", "30", "--explain", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "what a candidate would have to bid:" in result.output
    wb = openpyxl.load_workbook(out, read_only=True)
    assert "why" in wb.sheetnames
    values = [c for row in wb["why"].iter_rows(values_only=True) for c in row if c]
    assert "what a candidate would have to bid:" in values
    assert any(v.startswith("R17 Core ledger: P13 CoreSys Banking. Irreplaceable") for v in values)
    assert any(v.startswith("cost_weight 1:") for v in values)
