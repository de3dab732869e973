"""Alternatives against brute force, the frontier's guarantees, profiles side by side."""

from __future__ import annotations

import dataclasses
import itertools
import json

import pytest
from click.testing import CliRunner
from conftest import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st
from test_model import LOWEST, brute_force, small_networks

from orchestra.cli import main
from orchestra.explanations import rank
from orchestra.io import load_network
from orchestra.io.profiles import load_profile
from orchestra.model import SolveSettings, check_plan, plan
from orchestra.model.evaluate import objective_of
from orchestra.tradeoffs import alternatives, frontier, parse_values

SETTINGS = SolveSettings(time_limit_s=20, workers=1)
BANK = ROOT / "inputs" / "bank.xlsx"


@settings(max_examples=120, deadline=None)
@given(net=small_networks(), distance=st.sampled_from([1, 2, 3]))
def test_each_alternative_is_the_brute_force_optimum_among_teams_far_enough(net, distance):
    base = plan(net, LOWEST, SETTINGS)
    if base.objective is None or base.status != "optimal":
        return
    found = alternatives(net, LOWEST, base, 3, distance, settings=SETTINGS)
    teams = [tuple(base.selected)]
    for alt in found:
        policy = dataclasses.replace(net.policy, other_than=tuple(teams),
                                     min_difference=distance)
        best = brute_force(dataclasses.replace(net, policy=policy))
        assert best is not None and alt.plan.status == "optimal"
        critical = sum(1 for s in alt.plan.shortfalls if s.critical)
        optional = sum(1 for s in alt.plan.shortfalls if not s.critical)
        assert (critical, optional, pytest.approx(alt.plan.total_cost)) == best
        assert check_plan(dataclasses.replace(net, policy=policy), alt.plan) == []
        teams.append(tuple(alt.plan.selected))
    # It stopped only where no team far enough keeps the plan's critical slots filled.
    if len(found) < 3:
        policy = dataclasses.replace(net.policy, other_than=tuple(teams),
                                     min_difference=distance)
        best = brute_force(dataclasses.replace(net, policy=policy))
        assert best is None or best[0] > rank(net, base)[0]
    # Never a team twice, and every two at least the distance apart.
    for a, b in itertools.combinations(teams, 2):
        assert len(set(a) ^ set(b)) >= distance


def test_alternatives_stop_within_the_share_asked():
    network = load_network(BANK)
    profile = load_profile("balanced")
    base = plan(network, profile, SETTINGS)
    loose = alternatives(network, profile, base, 3, settings=SETTINGS)
    assert len(loose) == 3
    worst = max(objective_of(network, profile, a.plan) for a in loose)
    share = (worst - base.objective) / base.objective
    tight = alternatives(network, profile, base, 3, within=share / 2, settings=SETTINGS)
    assert len(tight) < 3
    assert all(objective_of(network, profile, a.plan) <= base.objective * (1 + share / 2)
               for a in tight)


def test_the_bank_frontier_keeps_its_budgets_and_fills_more_as_they_grow():
    network = load_network(BANK)
    profile = load_profile("balanced")
    values = parse_values("380000:700000:9")
    points = frontier(network, profile, values, settings=SETTINGS)
    assert [p.value for p in points] == values
    for p in points:
        assert p.plan.total_cost <= p.value + 1e-6
    filled = [p.filled_share for p in points]
    assert filled == sorted(filled) and filled[0] < filled[-1]
    # A looser budget never ends worse on the model's ranks and objective.
    keys = [(*rank(network, p.plan), round(objective_of(network, profile, p.plan), 6))
            for p in points]
    assert keys == sorted(keys, reverse=True)


def test_parse_values():
    assert parse_values("1:3:3") == [1, 2, 3]
    assert parse_values("5, 7") == [5, 7]
    for bad in ("3:1:4", "1:2", "1:2:1", ""):
        with pytest.raises(ValueError):
            parse_values(bad)


def run(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_compare_profiles_sets_their_plans_side_by_side():
    result = run("compare", BANK, "--profiles", "balanced,lowest_cost", "--time-limit", "10",
                 "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [r["set_id"] for r in data["sets"]] == ["balanced", "lowest_cost"]
    common = set(data["sets"][0]["selected"]) & set(data["sets"][1]["selected"])
    for row in data["sets"]:
        assert set(row["differing_partners"]) == set(row["selected"]) - common


def test_plan_alternatives_json_and_report(tmp_path):
    import openpyxl

    out = tmp_path / "plan.xlsx"
    result = run("plan", BANK, "--time-limit", "10", "--alternatives", "2", "--json", "-o", out)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    alts = data["alternatives"]
    assert [a["rank"] for a in alts] == [1, 2]
    for a in alts:
        assert set(a["added"]) == set(a["selected"]) - set(data["selected"])
        assert set(a["removed"]) == set(data["selected"]) - set(a["selected"])
        assert len(a["added"]) + len(a["removed"]) >= 2
    header = [c.value for c in openpyxl.load_workbook(out)["alternatives"][1]]
    assert header == ["metric", "plan", "alternative 1", "alternative 2"]


def test_frontier_command_writes_its_points_and_chart(tmp_path):
    import openpyxl

    out = tmp_path / "frontier.xlsx"
    result = run("frontier", BANK, "--budgets", "400000,600000", "--time-limit", "10",
                 "--json", "-o", out)
    assert result.exit_code == 0, result.output
    points = json.loads(result.stdout)["points"]
    assert [p["budget"] for p in points] == [400000, 600000]
    assert all(p["total_cost"] <= p["budget"] for p in points)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["frontier", "chart"] and wb["chart"]._charts
    bad = run("frontier", BANK, "--budgets", "9:1:3")
    assert bad.exit_code == 2 and "TO must exceed FROM" in bad.output
