"""compare and stress: shortfalls and the cheapest partners to close them, dominance, the
yardstick, drop-outs; the CLI and the comparison workbook."""

from __future__ import annotations

import json

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import ROOT, network

from orchestra.cli import main
from orchestra.domain import CandidateSet
from orchestra.io import load_network
from orchestra.io.profiles import load_profile
from orchestra.model import SolveSettings, check_plan, plan
from orchestra.procurement import YARDSTICK, compare, restricted, stress
from orchestra.score import score

FAST = SolveSettings(time_limit_s=10, workers=2)
LOWEST = load_profile("lowest_cost")
BANK = ROOT / "inputs" / "bank.xlsx"


def shop():
    # R1 needs x, R2 needs y, both critical. A has x (fixed 10, slot 1); B has y (fixed 40,
    # slot 10); C has y (fixed 20, slot 5); D has x but costs 100 and is never worth it.
    return network([("A", 10, 5), ("B", 40, 5), ("C", 20, 5), ("D", 100, 5)],
                   [("A", "x", 3, 1), ("B", "y", 3, 10), ("C", "y", 3, 5), ("D", "x", 3, 1)],
                   [("R1", "x"), ("R2", "y")])


def test_a_set_lacking_a_capability_shows_the_shortfall_and_the_cheapest_partner_to_close_it():
    sets = [CandidateSet("only_x", ("A",)), CandidateSet("pricey", ("A", "B")),
            CandidateSet("cheap", ("A", "C"))]
    result = compare(shop(), sets, LOWEST, FAST)
    only_x = result.row("only_x")
    assert only_x.critical_shortfalls == 1
    assert only_x.plan.critical_shortfalls[0].role_id == "R2"
    # Cheapest way to fill R2 beside A: C, 20 fixed + 5 for the slot.
    assert only_x.closing.added == ("C",) and only_x.closing.extra_cost == 25
    assert only_x.closing.closed == 1 and only_x.closing.still_open == ()
    assert result.row("cheap").closing is None
    # Yardstick: A + C = 10 + 1 + 20 + 5 = 36; pricey: 10 + 1 + 40 + 10 = 61.
    assert result.row(YARDSTICK).total_cost == 36 and result.row("pricey").total_cost == 61


def test_dominated_sets_name_what_dominates_them():
    sets = [CandidateSet("pricey", ("A", "B")), CandidateSet("cheap", ("A", "C")),
            CandidateSet("only_x", ("A",))]
    result = compare(shop(), sets, LOWEST, FAST)
    # Same coverage (all filled) and cohesion (no ties), but cheap costs less than pricey.
    assert set(result.row("pricey").dominated_by) == {"cheap", YARDSTICK}
    # cheap equals the yardstick: neither is better on anything, so neither dominates.
    assert result.row("cheap").dominated_by == ()
    # only_x is cheaper than everyone (11): not dominated, though it leaves R2 open.
    assert result.row("only_x").total_cost == 11 and result.row("only_x").dominated_by == ()


def test_the_yardstick_is_never_worse_than_any_set_on_the_objective():
    net = load_network(BANK)
    profile = load_profile("balanced")
    result = compare(net, net.sets, profile, SolveSettings(time_limit_s=20, workers=2))
    from orchestra.model.evaluate import objective_of
    from orchestra.procurement import TODAY

    best = result.row(YARDSTICK)
    assert best.plan.status == "optimal"
    for row in result.rows:
        if row.set_id == TODAY:  # today's network is given, not solved: priced by the evaluator
            objective = objective_of(net, profile, row.plan)
        else:
            assert row.plan.status == "optimal", row.set_id
            assert check_plan(restricted(net, row.members) if row.members else net,
                              row.plan) == []
            objective = row.plan.objective
        # Open critical slots rank first, then the weighted objective.
        assert (best.critical_shortfalls, best.plan.objective) <= (
            row.critical_shortfalls, objective + 1e-6), row.set_id


def test_dropping_a_single_point_of_failure_leaves_its_role_unfilled():
    net = shop()
    base = plan(net, LOWEST, FAST)
    assert set(base.selected) == {"A", "C"}
    impacts = stress(net, LOWEST, base, score(net, base), partners=["C", "A"], settings=FAST)
    by = {i.dropped: i for i in impacts}
    # Without C, B takes R2: 40 + 10 instead of 20 + 5.
    assert by[("C",)].cost_increase == 25 and by[("C",)].unfilled == ()
    # Without A, D takes R1: 100 + 1 instead of 10 + 1.
    assert by[("A",)].cost_increase == 90
    lone = network([("A", 0, 5), ("C", 0, 5)], [("A", "x", 3, 1), ("C", "y", 3, 1)],
                   [("R1", "x"), ("R2", "y")])
    base = plan(lone, LOWEST, FAST)
    [hurt] = stress(lone, LOWEST, base, score(lone, base), partners=["A"], settings=FAST)
    assert hurt.unfilled == ("R1",) and hurt.critical_unfilled == 1
    assert hurt.lost_coverage == (("T1", 0.5),)


def test_dropping_an_unused_candidate_changes_nothing():
    net = shop()
    base = plan(net, LOWEST, FAST)
    [same] = stress(net, LOWEST, base, score(net, base), partners=["D"], settings=FAST)
    assert same.cost_increase == 0 and same.unfilled == () and same.lost_coverage == ()


def test_stress_ranks_by_impact_and_drops_pairs():
    net = shop()
    base = plan(net, LOWEST, FAST)
    impacts = stress(net, LOWEST, base, score(net, base), pairs=True, settings=FAST)
    assert [i.dropped for i in impacts][:1] == [("A", "C")]  # both roles lose their partner
    keys = [i.severity_key for i in impacts]
    assert keys == sorted(keys, reverse=True)


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_compare_command_on_the_bank_sets(tmp_path):
    out = tmp_path / "comparison.xlsx"
    result = run("compare", BANK, "--json", "-o", out, "--time-limit", "10",
                 "--set", "two_vendors=P13,P15")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    ids = [s["set_id"] for s in data["sets"]]
    assert ids == ["incumbent", "cheap_bid", "strong_consortium", "two_vendors", "today",
                   YARDSTICK]
    for row in data["sets"]:
        assert {"set_id", "total_cost", "filled_share", "critical_shortfalls", "cohesion",
                "dominated_by"} <= row.keys()
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:2] == ["comparison", "chart"] and len(wb.sheetnames) == 2 + len(ids)
    header = [c.value for c in wb["comparison"][1]]
    assert header == ["metric", *ids]
    assert wb["chart"]._charts
    # The cheapest is marked only among the sets that leave the fewest critical slots open.
    sheet = wb["comparison"]
    [cost_row] = [row for row in sheet.iter_rows(min_row=2) if row[0].value == "total cost"]
    marked = [ids[k] for k, cell in enumerate(cost_row[1:]) if cell.fill.fgColor.rgb.endswith(
        "C9E7C9")]
    # two_vendors (P13, P15, and P24 forced in by its lock) cannot keep max_share 0.2: three
    # partners hold at most 60 % of the filled slots. Infeasible: a reason, no figures.
    [two] = [row for row in data["sets"] if row["set_id"] == "two_vendors"]
    assert two["status"] == "infeasible" and "max_share" in two["infeasible"]
    assert two["total_cost"] is None and two["dominated_by"] == []
    feasible = [row for row in data["sets"] if row["infeasible"] is None]
    critical = {row["set_id"]: row["critical_shortfalls"] for row in feasible}
    fewest = min(critical.values())
    assert marked and all(critical[s] == fewest for s in marked)
    cheapest_overall = min(feasible, key=lambda r: r["total_cost"])
    if cheapest_overall["critical_shortfalls"] > fewest:
        assert cheapest_overall["set_id"] not in marked


def test_compare_rejects_an_unknown_partner_in_a_set():
    result = run("compare", BANK, "--set", "bad=P01,P77")
    assert result.exit_code == 2 and "--set bad: unknown partner(s) P77" in result.output


def test_stress_command_json_and_workbook(tmp_path):
    out = tmp_path / "stress.xlsx"
    result = run("stress", BANK, "--top", "2", "--json", "--time-limit", "10",
                 "--drop-time-limit", "5", "-o", out)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data["drops"]) == 2 and data["base_total_cost"] > 0
    ws = openpyxl.load_workbook(out)["stress"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:5] == ("rank", "dropped", "critical_unfilled", "standards_lost",
                          "cost_increase") and len(rows) == 3
    # Worst first, as in the JSON: the first row names the first drop's partner.
    assert rows[1][1].startswith(data["drops"][0]["dropped"][0])


@pytest.mark.parametrize("value", ["nameonly", "=P1", "x="])
def test_compare_set_option_needs_a_name_and_partners(value):
    result = run("compare", BANK, "--set", value)
    assert result.exit_code == 2 and "expected NAME=P1,P2" in result.output


def test_parallel_solves_share_the_cores(monkeypatch):
    import os

    from orchestra.execution import parallel_settings

    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert parallel_settings(SolveSettings(), 3) == (3, SolveSettings(workers=2))
    assert parallel_settings(SolveSettings(), 20) == (8, SolveSettings(workers=1))
    assert parallel_settings(SolveSettings(), 1) == (1, SolveSettings(workers=8))
    fixed = SolveSettings(workers=4)
    assert parallel_settings(fixed, 20) == (8, fixed)


# --- honest diagnostics --------------------------------------------------------------------


def test_backfill_holds_the_rest_of_the_plan_and_names_who_takes_over():
    # R1 and R3 need x, R2 needs y. A: x (fixed 10, slot 1); B: y (40, 10); C: y (5, 1);
    # E: x and y (15; x 1, y 5). The plan: A on R1 and R3, C on R2 = 10 + 2 + 5 + 1 = 18
    # (E alone would be 15 + 1 + 1 + 5 = 22). Without C, a manager on the day keeps A and
    # re-fills R2 only: E, 10 + 2 + 15 + 5 = 32; a full re-plan moves all to E: 22.
    net = network([("A", 10, 5), ("B", 40, 5), ("C", 5, 5), ("E", 15, 5)],
                  [("A", "x", 3, 1), ("B", "y", 3, 10), ("C", "y", 3, 1), ("E", "y", 3, 5),
                   ("E", "x", 3, 1)],
                  [("R1", "x"), ("R2", "y"), ("R3", "x")])
    base = plan(net, LOWEST, FAST)
    assert {(a.role_id, a.partner_id) for a in base.assignments} == {
        ("R1", "A"), ("R2", "C"), ("R3", "A")}
    [held] = stress(net, LOWEST, base, score(net, base), partners=["C"], settings=FAST)
    assert {(a.role_id, a.partner_id) for a in held.plan.assignments} == {
        ("R1", "A"), ("R2", "E"), ("R3", "A")}
    assert held.takeover == (("R2", "E"),) and held.cost_increase == 14
    [free] = stress(net, LOWEST, base, score(net, base), partners=["C"], settings=FAST,
                    replan="all")
    assert set(free.plan.selected) == {"E"} and free.cost_increase == 4


def test_objective_changes_are_in_the_plans_own_units():
    """Dropping a partner the plan does not use changes nothing, not even the objective,
    although the re-plan's model is priced without that partner (another typical slot cost)."""
    net = load_network(BANK)
    profile = load_profile("balanced")
    base = plan(net, profile, SolveSettings(time_limit_s=10, seed=1))
    unused = next(p.partner_id for p in net.partners if p.partner_id not in base.selected)
    [same] = stress(net, profile, base, score(net, base), partners=[unused],
                    settings=SolveSettings(time_limit_s=5, seed=1))
    assert same.cost_increase == 0 and same.objective_change == pytest.approx(0, abs=1e-6)


def test_top_ranks_the_sole_source_of_a_critical_role_first():
    # A holds three optional slots (R2-R4); S alone offers z for the critical R1.
    net = network([("A", 0, 9), ("S", 0, 9), ("B", 0, 9)],
                  [("A", "x", 3, 1), ("B", "x", 3, 2), ("S", "z", 3, 1)],
                  [("R1", "z", 1, 1, 1, True), ("R2", "x", 1, 1, 1, False),
                   ("R3", "x", 1, 1, 1, False), ("R4", "x", 1, 1, 1, False)])
    base = plan(net, LOWEST, FAST)
    assert set(base.selected) == {"A", "S"}
    [first] = stress(net, LOWEST, base, score(net, base), top=1, settings=FAST)
    assert first.dropped == ("S",) and first.critical_unfilled == 1


def test_compare_stories_name_the_real_cause_of_slots_left_open():
    from orchestra.domain import Policy
    from orchestra.report.text import comparison_story

    # Only A in the set; closing R2 needs C (20 + 5) or B, but the budget of 30 leaves 19 after
    # A's 11: nobody fits, and the reason is the budget, not a missing partner.
    net = shop()
    net = network([("A", 10, 5), ("B", 40, 5), ("C", 20, 5), ("D", 100, 5)],
                  [("A", "x", 3, 1), ("B", "y", 3, 10), ("C", "y", 3, 5), ("D", "x", 3, 1)],
                  [("R1", "x"), ("R2", "y")], policy=Policy(budget=30))
    result = compare(net, [CandidateSet("only_x", ("A",))], LOWEST, FAST)
    story = " ".join(comparison_story(result, net))
    assert "1 stay open even then: budget (1)" in story
    assert "no partner in the network can fill" not in story


def test_ctrl_c_during_compare_keeps_and_writes_the_finished_results(tmp_path):
    import os
    import signal
    import threading

    # A network too large to prove in a few seconds: every solve runs until stopped.
    source = tmp_path / "medium.xlsx"
    assert run("generate", source, "--partners", "400", "--roles", "100", "--seed", "3"
               ).exit_code == 0
    ids = [f"P{k:05d}" for k in range(1, 401)]
    sets = [f"--set=s{k}=" + ",".join(ids[k * 50:(k + 1) * 50 + 150]) for k in range(4)]
    out = tmp_path / "comparison.xlsx"
    # Ctrl-C two seconds after the first solve starts, however busy the machine.
    import orchestra.procurement as procurement

    real_plan, timers = procurement.plan, []

    def plan_then_interrupt(*args, **kwargs):
        if not timers:
            timers.append(threading.Timer(2.0, lambda: os.kill(os.getpid(), signal.SIGINT)))
            timers[0].start()
        return real_plan(*args, **kwargs)

    procurement.plan = plan_then_interrupt
    try:
        result = run("compare", source, *sets, "--time-limit", "120", "-o", out)
    finally:
        procurement.plan = real_plan
        for timer in timers:
            timer.cancel()
    assert result.exit_code == 130, result.output
    assert "interrupted:" in result.output and "solves finished" in result.output
    header = [c.value for c in openpyxl.load_workbook(out)["comparison"][1]]
    assert YARDSTICK in header


def test_compare_has_todays_network_beside_the_yardstick():
    from orchestra.model.given import given_plan
    from orchestra.procurement import TODAY

    net = load_network(BANK)
    result = compare(net, [], LOWEST, FAST)
    assert [r.set_id for r in result.rows] == [TODAY, YARDSTICK]
    today = result.row(TODAY)
    assert today.plan.assignments == given_plan(net, LOWEST, net.current).assignments
    assert today.plan.transition_cost == 0 and today.members == tuple(sorted(net.incumbents))
    # Today's network leaves the vacant slots open; closing them is priced like a set's.
    assert today.critical_shortfalls == 2 and today.closing is not None
