"""Comparisons that cannot mislead: every side-by-side table weighs what the plan weighs
(critical slots, then standards, then the rest), an infeasible row says why and shows no
figures, and every "dominated by" claim can be recomputed from the rows shown."""

from __future__ import annotations

import dataclasses
import json

from conftest import network
from hypothesis import given, settings
from hypothesis import strategies as st
from test_model import LOWEST, small_networks_with_standards

from orchestra.domain import CandidateSet, Lock, Policy, Standard
from orchestra.model import SolveSettings
from orchestra.model.given import given_plan
from orchestra.procurement import compare, dominators, set_result
from orchestra.report.plan_json import comparison_to_dict
from orchestra.score import score

FIELDS = ("critical_shortfalls", "standards_met", "horizon_cost", "filled_share",
          "expected_share", "cohesion", "single_points_of_failure")
BETTER = {"critical_shortfalls": -1, "standards_met": 1, "horizon_cost": -1, "filled_share": 1,
          "expected_share": 1, "cohesion": 1, "single_points_of_failure": -1}


def dominates(a: dict, b: dict) -> bool:
    """The documented rule, read off two JSON rows: a no worse on every field, better on one."""
    if a["infeasible"] or b["infeasible"]:
        return False
    diffs = [BETTER[f] * (a[f] - b[f]) for f in FIELDS]
    return all(d >= -1e-9 for d in diffs) and any(d > 1e-9 for d in diffs)


def desk():
    """T1: R (1 slot) within 2 h. A (1 h) costs 5; B (6 h) costs 1."""
    net = network([("A", 0, 5), ("B", 0, 5)], [("A", "call", 3, 5), ("B", "call", 3, 1)],
                  [("R", "call")], policy=Policy())
    hours = {"A": 1.0, "B": 6.0}
    return dataclasses.replace(
        net, partners=tuple(dataclasses.replace(p, response_hours=hours[p.partner_id])
                            for p in net.partners),
        standards=(Standard("T1", "response_hours", "lower", target=2.0),))


def test_a_plan_that_keeps_a_standard_is_not_dominated_by_a_cheaper_one_that_misses_it():
    net = desk()
    keeps = given_plan(net, LOWEST, [Lock("R", "A")])
    cheaper = given_plan(net, LOWEST, [Lock("R", "B")])
    rows = [set_result(net, "keeps", (), keeps, score(net, keeps)),
            set_result(net, "cheaper", (), cheaper, score(net, cheaper))]
    # Cheaper is better on cost only; keeps meets one more standard: neither dominates.
    assert [dominators(rows, r) for r in rows] == [(), ()]
    assert (rows[0].standards_met, rows[1].standards_met) == (1, 0)


@settings(max_examples=25, deadline=None)
@given(net=small_networks_with_standards(), data=st.data())
def test_every_dominated_by_claim_follows_the_rule(net, data):
    partners = [p.partner_id for p in net.partners]
    sets = []
    for k in range(data.draw(st.integers(1, 3), label="sets")):
        members = data.draw(st.lists(st.sampled_from(partners), min_size=1, unique=True))
        sets.append(CandidateSet(f"s{k}", tuple(members)))
    table = comparison_to_dict(compare(net, sets, LOWEST,
                                       SolveSettings(time_limit_s=10, workers=1)))
    rows = {r["set_id"]: r for r in table["sets"]}
    for row in table["sets"]:
        claimed = set(row["dominated_by"])
        truly = {other for other, o in rows.items() if other != row["set_id"]
                 and dominates(o, row)}
        assert claimed == truly
        if row["infeasible"]:
            assert row["total_cost"] is None and not claimed


def test_compare_json_names_the_rule_it_applies():
    net = desk()
    table = comparison_to_dict(compare(net, [CandidateSet("a", ("A",))], LOWEST,
                                       SolveSettings(time_limit_s=10, workers=1)))
    assert "standards met" in table["dominance_rule"]
    json.dumps(table)  # every figure serialisable
    [a] = [r for r in table["sets"] if r["set_id"] == "a"]
    assert (a["standards_met"], a["standards_total"], a["standards_missed"]) == (1, 1, [])


def test_a_frontier_point_no_plan_can_keep_says_why_and_shows_no_figures(tmp_path):
    from test_hostile import bank_with, run

    source = bank_with(tmp_path, {"max_changes": 3})
    result = run("frontier", source, "--budgets", "300000,700000", "--time-limit", "5",
                 "--deterministic", "--json")
    assert result.exit_code == 0, result.output
    low, high = json.loads(result.stdout)["points"]
    # Within 300,000 a plan must end more of today's contracts than max_changes allows.
    assert low["status"] == "infeasible" and "total_cost" not in low
    assert low["infeasible"].endswith("of today's 27 contracts; max_changes is 3")
    assert high["status"] == "optimal" and high["critical_open"] == 0
    assert high["standards_total"] == 4 and 0 <= high["standards_met"] <= 4


# --- stress says what happened -------------------------------------------------------------------

def test_a_backfill_changes_only_the_dropped_partners_slots():
    import orchestra
    from orchestra.procurement import stress

    net = orchestra.load_workbook(
        __import__("conftest").ROOT / "inputs" / "bank.xlsx")
    quick = SolveSettings(time_limit_s=10, deterministic=True)
    base = orchestra.plan(net, LOWEST, quick)
    for i in stress(net, LOWEST, base, score(net, base), top=3, settings=quick):
        gone = set(i.dropped)
        held = {(a.role_id, a.partner_id) for a in base.assignments if a.partner_id not in gone}
        after = {(a.role_id, a.partner_id) for a in i.plan.assignments}
        assert held <= after  # nothing else moved
        their_roles = {a.role_id for a in base.assignments if a.partner_id in gone}
        assert {r for r, _ in after - held} <= their_roles


def test_a_critical_backfill_is_covered_over_budget_and_said_so():
    from orchestra.procurement import stress

    # A holds the critical R at 1 within a budget of 5; without A only B (10) can take it.
    net = network([("A", 0, 5), ("B", 0, 5)], [("A", "call", 3, 1), ("B", "call", 3, 10)],
                  [("R", "call")], policy=Policy(budget=5))
    quick = SolveSettings(time_limit_s=10, workers=1)
    base = plan_of(net, quick)
    (drop,) = stress(net, LOWEST, base, score(net, base), partners=["A"], settings=quick)
    assert drop.critical_unfilled == 0 and drop.takeover == (("R", "B"),)
    assert drop.over_budget == 5.0 and drop.cost_increase == 9.0


def test_a_drop_out_no_plan_survives_says_why():
    from orchestra.domain import Lock as Pair
    from orchestra.procurement import stress

    # Today A holds R and C holds R2; max_changes 0 keeps both. Dropping A ends its contract.
    net = network([("A", 0, 5), ("B", 0, 5), ("C", 0, 5)],
                  [("A", "call", 3, 1), ("B", "call", 3, 2), ("C", "web", 3, 1)],
                  [("R", "call"), ("R2", "web")], policy=Policy(max_changes=0))
    net = dataclasses.replace(net, current=(Pair("R", "A"), Pair("R2", "C")))
    quick = SolveSettings(time_limit_s=10, workers=1)
    base = plan_of(net, quick)
    drops = stress(net, LOWEST, base, score(net, base), partners=["C", "A"], settings=quick)
    assert [d.infeasible for d in drops] == [
        "would end 1 of today's 2 contracts; max_changes is 0",
        "would end 1 of today's 2 contracts; max_changes is 0"]
    assert all(d.objective_change is None for d in drops)


def plan_of(net, settings):
    from orchestra.model import plan

    return plan(net, LOWEST, settings)


# --- scenarios side by side ----------------------------------------------------------------------

def test_the_bank_scenarios_side_by_side_keep_their_own_rules(tmp_path):
    from test_hostile import BANK, run

    out = tmp_path / "scenarios.xlsx"
    result = run("compare", BANK, "--scenarios", "--json", "--time-limit", "10",
                 "--deterministic", "-o", out)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    rows = {r["set_id"]: r for r in data["sets"]}
    assert list(rows) == ["tight_budget", "resilient", "few_changes", "no_budgetcall", "today"]
    assert rows["tight_budget"]["total_cost"] <= 470000
    assert rows["few_changes"]["contracts_changed"] <= 4
    assert "P16" not in rows["no_budgetcall"]["selected"]
    assert rows["today"]["contracts_changed"] == 0
    for row in rows.values():  # every claim recomputable from the rows shown
        assert set(row["dominated_by"]) == {o for o, r in rows.items()
                                            if o != row["set_id"] and dominates(r, row)}
    import openpyxl

    wb = openpyxl.load_workbook(out)
    assert {"comparison", "tight_budget", "today"} <= set(wb.sheetnames)
    header = [c.value for c in wb["few_changes"][1]]
    assert header[-2:] == ["today_partner_ids", "change"]


def test_one_scenario_by_name_and_unknown_ones_refused():
    from test_hostile import BANK, run

    result = run("compare", BANK, "--scenario", "Tight_Budget", "--json", "--time-limit", "5")
    assert result.exit_code == 0, result.output
    assert [r["set_id"] for r in json.loads(result.stdout)["sets"]] == ["tight_budget", "today"]
    result = run("compare", BANK, "--scenario", "nope")
    assert result.exit_code == 2 and "--scenario: unknown scenario(s) nope" in result.output


def test_a_scenario_sheet_is_checked_to_the_cell(tmp_path):
    from conftest import tiny_tables, write_xlsx
    from test_hostile import run

    tables = tiny_tables()
    tables["scenarios"] = [{"scenario": "today", "budget": 5},
                           {"scenario": "s2", "exclude": "A;Z9"},
                           {"scenario": "s3", "profile": "nosuchprofile"}]
    source = write_xlsx(tmp_path / "t.xlsx", tables)
    result = run("validate", source)
    assert result.exit_code == 2
    assert 'scenarios!A2: scenario name "today" is taken by a column' in result.output
    assert "scenarios!H3: unknown partner_id(s) Z9" in result.output
    tables["scenarios"] = tables["scenarios"][2:]
    result = run("compare", write_xlsx(tmp_path / "u.xlsx", tables), "--scenarios")
    assert result.exit_code == 2
    assert 'scenarios!A2: scenario s3: profile "nosuchprofile" not found' in result.output
