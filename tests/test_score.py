"""Scores: each metric on a tiny network worked out by hand (in the comments), expected coverage
against brute force, the six gaps with both metric directions, and standbys on moments of truth."""

from __future__ import annotations

import dataclasses
import itertools

import networkx as nx
import pytest
from conftest import network

from orchestra.domain import Expectation, Lock, Relationship, Standard, Touchpoint
from orchestra.io.profiles import load_profile
from orchestra.model import SolveSettings, check_plan, plan
from orchestra.model.given import given_plan
from orchestra.score import score
from orchestra.score.cohesion import cohesion
from orchestra.score.coverage import coverage_graph, expected_filled
from orchestra.score.gaps import severity

LOWEST = load_profile("lowest_cost")
FAST = SolveSettings(time_limit_s=10, workers=2)


def team_network(ties):
    """Partners a..e (no roles needed for cohesion) and the given relationships."""
    net = network([(p, 0, 1) for p in "abcdhxyz"], [], [])
    return dataclasses.replace(net, relationships=tuple(Relationship(*t) for t in ties))


# --- cohesion ----------------------------------------------------------------------------------


def test_triangle_team():
    # Distances 1 - strength: a-b 0.2, b-c 0.4, a-c 0.6. Density (0.8+0.6+0.4)/3 pairs = 0.6.
    # MST: 0.2 + 0.4 = 0.6. Diameter: a-c is 0.6 direct or 0.2+0.4 via b: 0.6.
    # Strongest spanning ties 0.8 and 0.6, mean 0.7; one group, no friction: index 0.7.
    c = cohesion(team_network([("a", "b", 0.8), ("b", "c", 0.6), ("a", "c", 0.4)]), "abc")
    assert c.density == pytest.approx(0.6)
    assert (c.components, c.largest_share, c.isolated, c.brokers) == (1, 1.0, (), ())
    assert c.spanning_tree == pytest.approx(0.6) and c.diameter == pytest.approx(0.6)
    assert c.index == pytest.approx(0.7)


def test_split_team_has_infinite_distances():
    # a-b 0.6, c alone (its tie to x is outside the team). Density 0.6/3 = 0.2; two groups, the
    # largest 2/3 of the team; c isolated; index 2/3 * 0.6 = 0.4.
    c = cohesion(team_network([("a", "b", 0.6), ("c", "x", 0.9)]), "abc")
    assert c.density == pytest.approx(0.2)
    assert (c.components, c.isolated, c.split) == (2, ("c",), True)
    assert c.largest_share == pytest.approx(2 / 3)
    assert c.diameter is None and c.spanning_tree is None
    assert c.index == pytest.approx(0.4)


def test_star_has_its_hub_as_broker():
    # h tied to x, y, z at 0.5: leaving h splits the team. Diameter x-h-y = 0.5 + 0.5 = 1.0;
    # MST 3 * 0.5 = 1.5; density 1.5 / 6 pairs = 0.25; index 1 * 0.5 * 1 = 0.5.
    c = cohesion(team_network([("h", "x", 0.5), ("h", "y", 0.5), ("h", "z", 0.5)]), "hxyz")
    assert c.brokers == ("h",)
    assert c.diameter == pytest.approx(1.0) and c.spanning_tree == pytest.approx(1.5)
    assert c.density == pytest.approx(0.25) and c.index == pytest.approx(0.5)


def test_friction_pair_inside_the_team():
    # a-b 0.8, b-c 0.6 hold the team (mean 0.7); a-c is friction -0.5, a share 0.5/1.9 of the
    # team's relationship weight: index 0.7 * (1 - 0.5/1.9). Density counts positive ties only.
    c = cohesion(team_network([("a", "b", 0.8), ("b", "c", 0.6), ("a", "c", -0.5)]), "abc")
    assert c.friction_pairs == (("a", "c", -0.5),)
    assert c.friction_share == pytest.approx(0.5 / 1.9)
    assert c.index == pytest.approx(0.7 * (1 - 0.5 / 1.9))
    assert c.density == pytest.approx(1.4 / 3)
    assert c.brokers == ("b",)  # with friction not counted as a tie, a-b-c is a path


def test_team_of_one_and_empty_team():
    one = cohesion(team_network([]), "a")
    assert (one.index, one.diameter, one.spanning_tree, one.isolated) == (1.0, 0.0, 0, ())
    assert cohesion(team_network([]), "").team_size == 0


# --- coverage ----------------------------------------------------------------------------------


def coverage_network():
    # T1 (moment of truth): critical R1 needs x (1 slot); optional R2 needs y (2 slots).
    # A and B offer x; C offers y; B also offers z for R3 on T2.
    tps = (Touchpoint("T1", "T1", "utilization", "front", moment_of_truth=True, importance=2),
           Touchpoint("T2", "T2", "acquisition", "back"))
    return network([("A", 0, 2, 0.9), ("B", 0, 2, 0.8), ("C", 0, 5, 0.5)],
                   [("A", "x", 3, 1), ("B", "x", 3, 1), ("C", "y", 3, 1), ("B", "z", 3, 1)],
                   [("R1", "x", 1, 1, 1, True, "T1"), ("R2", "y", 1, 2, 1, False, "T1"),
                    ("R3", "z", 1, 1, 2, True, "T2")], touchpoints=tps)


def test_coverage_of_a_touchpoint_by_hand():
    net = coverage_network()
    given = given_plan(net, LOWEST, [Lock("R1", "A"), Lock("R2", "C")])
    t1, t2 = score(net, given).coverage
    # T1 needs 1 + 2 slots, 2 are filled; expected delivered 0.9 + 0.5 = 1.4 of 3.
    assert (t1.required, t1.filled, t1.partners) == (3, 2, ("A", "C"))
    assert t1.filled_share == pytest.approx(2 / 3) and t1.expected_share == pytest.approx(1.4 / 3)
    # B could take R1 over but is not in the team: A is a single point of failure. R2 is
    # optional, so C is not one.
    assert t1.single_points_of_failure == ("A",)
    assert (t2.filled, t2.filled_share, t2.single_points_of_failure) == (0, 0.0, ())


def test_a_selected_partner_with_spare_capacity_removes_the_single_point_of_failure():
    net = coverage_network()
    # B is in the team through R3 (load 2 of its capacity 2): no room to take R1 over.
    full = score(net, given_plan(net, LOWEST, [Lock("R1", "A"), Lock("R3", "B")]))
    assert full.coverage[0].single_points_of_failure == ("A",)
    roomy = dataclasses.replace(net, partners=tuple(
        dataclasses.replace(p, capacity=3) if p.partner_id == "B" else p for p in net.partners))
    spare = score(roomy, given_plan(roomy, LOWEST, [Lock("R1", "A"), Lock("R3", "B")]))
    assert spare.coverage[0].single_points_of_failure == ()


def test_coverage_groups_weigh_by_importance():
    net = coverage_network()
    scores = score(net, given_plan(net, LOWEST, [Lock("R1", "A"), Lock("R2", "C")]))
    # all: (2 * 2 filled + 1 * 0) / (2 * 3 + 1 * 1) = 4/7; front is T1 alone: 2/3; back T2: 0.
    assert scores.by_group["all"]["filled_share"] == pytest.approx(4 / 7)
    assert scores.by_group["front"]["filled_share"] == pytest.approx(2 / 3)
    assert scores.by_group["back"]["filled_share"] == 0
    assert scores.by_group["moments_of_truth"]["expected_share"] == pytest.approx(1.4 / 3)


@pytest.mark.parametrize("seed", range(6))
def test_expected_coverage_equals_brute_force_over_every_outcome(seed):
    from orchestra.generate import generate_tables
    from orchestra.io.loader import network_from_rows

    net = network_from_rows(generate_tables(9, 6, seed=seed))
    result = plan(net, load_profile("balanced"), FAST)
    graph = coverage_graph(net, result)
    team = sorted({a.partner_id for a in result.assignments})
    for tp in net.touchpoints:
        expected = 0.0
        for outcome in itertools.product((True, False), repeat=len(team)):
            delivered = dict(zip(team, outcome, strict=True))
            p = 1.0
            for pid in team:
                r = net.partner[pid].reliability
                p *= r if delivered[pid] else 1 - r
            slots = sum(1 for a in result.assignments
                        if net.role[a.role_id].touchpoint_id == tp.touchpoint_id
                        and delivered[a.partner_id])
            expected += p * slots
        assert expected_filled(net, graph, tp.touchpoint_id) == pytest.approx(expected)


# --- the six gaps ------------------------------------------------------------------------------


def gap_network():
    # One touchpoint served by A (reliability 0.9, 3 h) on R1 (load 1) and B (0.96, 5 h) on R2
    # (load 3).
    net = network([("A", 0, 5, 0.9), ("B", 0, 5, 0.96)], [("A", "x", 3, 1), ("B", "y", 3, 1)],
                  [("R1", "x", 1, 1, 1), ("R2", "y", 1, 1, 3)])
    partners = (dataclasses.replace(net.partners[0], response_hours=3.0),
                dataclasses.replace(net.partners[1], response_hours=5.0))
    standards = (
        Standard("T1", "on_time_rate", "higher", 0.99, 0.98, 0.995, 0.96),
        Standard("T1", "response_hours", "lower", 4, 8, 2, 6),
        Standard("T1", "empathy", "higher", 6, 5.5, 6.5, 5.8),
        Standard("T1", "delivery_days", "lower", 3, 5, 2, None),
    )
    expectations = (Expectation("T1", "empathy", 6.2, 5.9, 5.0),
                    Expectation("T1", "reliability", 6.0, None, 5.5))
    return dataclasses.replace(net, partners=partners, standards=standards,
                               expectations=expectations)


def gaps_of(scores):
    return {(g.gap, g.subject): (g.value, g.severity) for g in scores.gaps}


def test_six_gaps_with_known_signs_and_sizes():
    net = gap_network()
    gaps = gaps_of(score(net, given_plan(net, LOWEST, [Lock("R1", "A"), Lock("R2", "B")])))
    # on_time_rate, higher is better. Delivered: (1 * 0.9 + 3 * 0.96) / 4 = 0.945.
    # A share: severity against the room to perfect (1 - reference).
    assert gaps[("specification", "on_time_rate")] == (pytest.approx(0.01), "major")
    assert gaps[("delivery", "on_time_rate")] == (pytest.approx(0.035), "major")
    assert gaps[("communication", "on_time_rate")] == (pytest.approx(0.05), "major")
    assert gaps[("perception", "on_time_rate")] == (None, "no data")  # no perceived rate
    # response_hours, lower is better. Delivered: the slowest assigned partner, 5 h.
    assert gaps[("specification", "response_hours")] == (4, "major")  # target 8 vs expects 4
    assert gaps[("delivery", "response_hours")] == (-3, "none")  # 5 h within the 8 h target
    assert gaps[("communication", "response_hours")] == (3, "major")  # promised 2 h
    # A soft standard on the survey scale: perception compares it with customer_perceived.
    assert gaps[("specification", "empathy")] == (pytest.approx(0.5), "minor")  # 0.5/6 = 8 %
    assert gaps[("delivery", "empathy")] == (pytest.approx(-0.3), "none")  # measured 5.8
    assert gaps[("communication", "empathy")] == (pytest.approx(0.7), "major")  # 0.7/6.5
    assert gaps[("perception", "empathy")] == (pytest.approx(0.8), "major")  # 5.8 vs 5.0
    assert gaps[("knowledge", "empathy")] == (pytest.approx(0.3), "minor")  # 6.2 vs 5.9
    assert gaps[("satisfaction", "empathy")] == (pytest.approx(1.2), "major")  # 6.2 vs 5.0
    # Blank cells are "no data", never zero.
    assert gaps[("delivery", "delivery_days")] == (None, "no data")
    assert gaps[("knowledge", "reliability")] == (None, "no data")
    assert gaps[("satisfaction", "reliability")] == (pytest.approx(0.5), "minor")


def test_delivered_figures_follow_the_plan():
    net = gap_network()
    only_a = gaps_of(score(net, given_plan(net, LOWEST, [Lock("R1", "A")])))
    # Only A assigned, R2 open: an open slot delivers nothing, so on time is A's 0.9 x load 1
    # over the whole covered load of 4: 0.225, short of the 0.98 target by 0.755. The slowest
    # filled slot answers in 3 h, 5 h inside the 8 h target.
    assert only_a[("delivery", "on_time_rate")][0] == pytest.approx(0.755)
    assert only_a[("delivery", "response_hours")][0] == -5
    nobody = gaps_of(score(net, given_plan(net, LOWEST, [])))
    # Nothing filled delivers nothing on time (0 against 0.98); no response time at all.
    assert nobody[("delivery", "on_time_rate")] == (pytest.approx(0.98), "major")
    assert nobody[("delivery", "response_hours")] == (None, "no data")


def test_severity_thresholds():
    assert severity(None, 1) == "no data"
    assert severity(0, 1) == "none" and severity(-2, 1) == "none"
    assert severity(0.5, 5) == "minor" and severity(0.51, 5) == "major"  # 10 % of 5
    assert severity(0.001, 0.98, share=True) == "minor"  # 5 % of the 2 % room
    assert severity(0.004, 0.98, share=True) == "major"


# --- resilience in the model -------------------------------------------------------------------


def test_resilient_profile_selects_a_standby_for_a_moment_of_truth():
    # R1 on a moment of truth; A is cheap, B costs 50 to engage. Without protection the plan
    # is A alone and A is a single point of failure; the resilient profile also engages B as a
    # standby (idle, but ready to take R1 over).
    tps = (Touchpoint("T1", "T1", "utilization", "front", moment_of_truth=True),)
    net = network([("A", 0, 2), ("B", 50, 2)], [("A", "x", 3, 1), ("B", "x", 3, 1)],
                  [("R1", "x")], touchpoints=tps)
    cheap = plan(net, load_profile("balanced"), FAST)
    assert cheap.selected == ("A",)
    assert score(net, cheap).coverage[0].single_points_of_failure == ("A",)
    safe = plan(net, load_profile("resilient"), FAST)
    assert check_plan(net, safe) == []
    assert set(safe.selected) == {"A", "B"} and len(safe.assignments) == 1
    assert score(net, safe).coverage[0].single_points_of_failure == ()


def test_standby_needs_spare_capacity():
    # B qualifies but its capacity (1) is used by R2: it cannot stand by for R1 (load 1), so the
    # resilient plan must engage C too.
    tps = (Touchpoint("T1", "T1", "utilization", "front", moment_of_truth=True),
           Touchpoint("T2", "T2", "utilization", "back"))
    net = network([("A", 0, 2), ("B", 0, 1), ("C", 30, 2)],
                  [("A", "x", 3, 1), ("B", "x", 3, 1), ("B", "y", 3, 1), ("C", "x", 3, 5)],
                  [("R1", "x", 1, 1, 1, True, "T1"), ("R2", "y", 1, 1, 1, True, "T2")],
                  touchpoints=tps)
    safe = plan(net, load_profile("resilient"), FAST)
    assert ("R2", "B") in {(a.role_id, a.partner_id) for a in safe.assignments}
    assert "C" in safe.selected
    assert score(net, safe).coverage[0].single_points_of_failure == ()


def test_networkx_graph_is_built_from_the_plan():
    net = coverage_network()
    graph = coverage_graph(net, given_plan(net, LOWEST, [Lock("R1", "A")]))
    assert nx.has_path(graph, ("partner", "A"), ("touchpoint", "T1"))
    assert not graph.has_node(("partner", "B"))


def test_fixed_costs_shared_by_load_reconcile_with_the_total():
    """A (fixed 10) serves R1 (load 1, T1) and R2 (load 3, T2): T1 carries 2.5 of A's fixed cost,
    T2 7.5. B (fixed 4) is kept in without a slot. Slots: R1 1 x 2, R2 3 x 1. Total 10 + 4 + 5."""
    from orchestra.domain import Policy
    from orchestra.score.cost import UNALLOCATED, cost_by_partner, cost_by_touchpoint

    net = network([("A", 10, 9), ("B", 4, 9)], [("A", "x", 1, 2), ("A", "y", 1, 1)],
                  [("R1", "x", 1, 1, 1, True, "T1"), ("R2", "y", 1, 1, 3, True, "T2")],
                  touchpoints=(Touchpoint("T1", "one", "acquisition", "front"),
                               Touchpoint("T2", "two", "utilization", "back")),
                  policy=Policy(must_include=("B",)))
    result = given_plan(net, load_profile("lowest_cost"), [Lock("R1", "A"), Lock("R2", "A")])
    lines = {c.key: (c.slot_cost, c.fixed_cost) for c in cost_by_touchpoint(net, result)}
    assert lines == {"T1": (2, 2.5), "T2": (3, 7.5), UNALLOCATED: (0, 4)}
    assert sum(c.total for c in cost_by_touchpoint(net, result)) == result.total_cost == 19
    assert sum(c.total for c in cost_by_partner(net, result)) == 19
