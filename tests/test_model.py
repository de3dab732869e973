"""The planning model: each rule alone on a tiny network with the outcome worked out by hand,
brute-force optimality on random small networks, shortfall reasons, limits and Ctrl-C."""

from __future__ import annotations

import csv
import dataclasses
import itertools
import os
import signal
import threading
from collections import Counter

import pytest
from conftest import ROOT, SHARED, network
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestra.domain import (
    Capability,
    Lock,
    Network,
    PlanRule,
    Policy,
    Relationship,
    Standard,
    Touchpoint,
)
from orchestra.io.profiles import load_profile
from orchestra.model import SolveSettings, check_plan, plan
from orchestra.score import score

FAST = SolveSettings(time_limit_s=10, workers=2)
LOWEST = load_profile("lowest_cost")
BALANCED = load_profile("balanced")


def solve(net: Network, profile=LOWEST):
    result = plan(net, profile, FAST)
    assert check_plan(net, result) == []
    return result


def pairs(result) -> set[tuple[str, str]]:
    return {(a.role_id, a.partner_id) for a in result.assignments}


# --- each rule alone ---------------------------------------------------------------------------


def test_cheapest_qualified_partner_fills_a_role():
    # A is cheaper (1 < 2) but has level 1 < min_level 2, so B (level 3, cost 2) must take it.
    net = network([("A", 0, 5), ("B", 0, 5)], [("A", "x", 1, 1), ("B", "x", 3, 2)],
                  [("R1", "x", 2)])
    result = solve(net)
    assert pairs(result) == {("R1", "B")} and result.total_cost == 2
    assert result.status == "optimal" and result.gap == 0


def test_one_partner_per_slot_and_at_most_one_slot_of_a_role():
    # Two slots: the two cheapest distinct partners, A (1) and B (2), never A twice: cost 3.
    net = network([("A", 0, 9), ("B", 0, 9), ("C", 0, 9)],
                  [("A", "x", 1, 1), ("B", "x", 1, 2), ("C", "x", 1, 3)], [("R1", "x", 1, 2)])
    result = solve(net)
    assert pairs(result) == {("R1", "A"), ("R1", "B")} and result.total_cost == 3
    assert sorted(a.slot for a in result.assignments) == [1, 2]


def test_capacity_counts_load_times_effort():
    # A (free) has capacity 2; each role has load 1, A's effort 1: A takes two roles, the third
    # goes to B: 1 + 1 + (10 fixed + 1) = 13.
    net = network([("A", 0, 2), ("B", 10, 5)], [("A", "x", 1, 1), ("B", "x", 1, 1)],
                  [("R1", "x"), ("R2", "x"), ("R3", "x")])
    result = solve(net)
    assert sum(a.partner_id == "A" for a in result.assignments) == 2
    assert result.total_cost == 13
    # With effort 0.5 A fits all three (1.5 <= 2): cost 3.
    net2 = network([("A", 0, 2), ("B", 10, 5)], [("A", "x", 1, 1, 0.5), ("B", "x", 1, 1)],
                   [("R1", "x"), ("R2", "x"), ("R3", "x")])
    assert solve(net2).total_cost == 3


def test_fixed_cost_pays_once_and_decides_the_team():
    # Two roles. A: fixed 10, slots cost 1 each -> 12. B and C: no fixed cost, 5 each -> 10.
    net = network([("A", 10, 9), ("B", 0, 9), ("C", 0, 9)],
                  [("A", "x", 1, 1), ("A", "y", 1, 1), ("B", "x", 1, 5), ("C", "y", 1, 5)],
                  [("R1", "x"), ("R2", "y")])
    result = solve(net)
    assert set(result.selected) == {"B", "C"} and result.total_cost == 10


def test_budget_leaves_an_optional_role_open_with_the_reason():
    # Critical R1 costs 5; optional R2 costs 4 more; budget 7 leaves R2 open (budget).
    net = network([("A", 0, 9)], [("A", "x", 1, 5), ("A", "y", 1, 4)],
                  [("R1", "x"), ("R2", "y", 1, 1, 1, False)], policy=Policy(budget=7))
    result = solve(net)
    assert pairs(result) == {("R1", "A")}
    [short] = result.shortfalls
    assert (short.role_id, short.critical, short.reason_code) == ("R2", False, "budget")
    assert "A would cost 4.00 with 2.00 of budget left" in short.reason


def test_max_partners():
    # x only from A, y only from B; max_partners 1 forces C, which offers both (cost 3 + 3).
    net = network([("A", 0, 9), ("B", 0, 9), ("C", 0, 9)],
                  [("A", "x", 1, 1), ("B", "y", 1, 1), ("C", "x", 1, 3), ("C", "y", 1, 3)],
                  [("R1", "x"), ("R2", "y")], policy=Policy(max_partners=1))
    result = solve(net)
    assert result.selected == ("C",) and result.total_cost == 6


def test_max_partners_shortfall_reason():
    net = network([("A", 0, 9), ("B", 0, 9)], [("A", "x", 1, 1), ("B", "y", 1, 1)],
                  [("R1", "x"), ("R2", "y")], policy=Policy(max_partners=1))
    result = solve(net)
    assert [s.reason_code for s in result.shortfalls] == ["max_partners"]
    assert result.critical_shortfalls


def test_must_include_selects_and_pays_for_an_idle_partner():
    net = network([("A", 0, 9), ("B", 7, 9)], [("A", "x", 1, 1), ("B", "x", 1, 2)],
                  [("R1", "x")], policy=Policy(must_include=("B",)))
    result = solve(net)
    # B must join (fixed 7); A is still the cheaper slot (1 vs 2): 7 + 1 = 8.
    assert set(result.selected) == {"A", "B"} and result.total_cost == 8


def test_exclude():
    net = network([("A", 0, 9), ("B", 0, 9)], [("A", "x", 1, 1), ("B", "x", 1, 2)],
                  [("R1", "x")], policy=Policy(exclude=("A",)))
    assert pairs(solve(net)) == {("R1", "B")}
    only_a = network([("A", 0, 9)], [("A", "x", 1, 1)], [("R1", "x")],
                     policy=Policy(exclude=("A",)))
    [short] = solve(only_a).shortfalls
    assert short.reason_code == "excluded" and "A is excluded by the policy" in short.reason


def test_locks_hold_even_when_dearer():
    net = network([("A", 0, 9), ("B", 0, 9)], [("A", "x", 1, 1), ("B", "x", 1, 5)],
                  [("R1", "x")], locks=[Lock("R1", "B")])
    result = solve(net)
    assert pairs(result) == {("R1", "B")} and result.assignments[0].locked


def test_forbidden_pairs_never_join_together():
    # A does x, B does y, cheapest; their strength -0.8 is below -0.5, so y goes to C (cost 4).
    net = network([("A", 0, 9), ("B", 0, 9), ("C", 0, 9)],
                  [("A", "x", 1, 1), ("B", "y", 1, 1), ("C", "y", 1, 4)],
                  [("R1", "x"), ("R2", "y")], policy=Policy(forbid_below_strength=-0.5),
                  relationships=[Relationship("A", "B", -0.8)])
    result = solve(net)
    assert set(result.selected) == {"A", "C"} and result.total_cost == 5


def test_conflict_shortfall_reason():
    net = network([("A", 0, 9), ("B", 0, 9)], [("A", "x", 1, 1), ("B", "y", 1, 1)],
                  [("R1", "x"), ("R2", "y", 1, 1, 1, False)],
                  policy=Policy(forbid_below_strength=-0.5),
                  relationships=[Relationship("A", "B", -0.8)])
    [short] = solve(net).shortfalls
    assert short.reason_code == "conflict" and "B may not join with A" in short.reason


def test_redundancy_spreads_a_touchpoint_over_two_partners():
    # A is cheapest for both roles of T1; with min 2 partners per touchpoint, one goes to B.
    net = network([("A", 0, 9), ("B", 0, 9)], [("A", "x", 1, 1), ("A", "y", 1, 1),
                                               ("B", "x", 1, 3), ("B", "y", 1, 2)],
                  [("R1", "x"), ("R2", "y")], policy=Policy(min_partners_per_touchpoint=2))
    result = solve(net)
    assert pairs(result) == {("R1", "A"), ("R2", "B")} and result.total_cost == 3


def test_redundancy_that_cannot_be_met_is_a_shortfall():
    net = network([("A", 0, 9)], [("A", "x", 1, 1), ("A", "y", 1, 1)],
                  [("R1", "x"), ("R2", "y")], policy=Policy(min_partners_per_touchpoint=2))
    result = solve(net)
    [short] = result.shortfalls
    assert short.reason_code == "redundancy" and short.touchpoint_id == "T1"
    assert len(result.assignments) == 2  # the roles are still filled


def test_no_capability_and_below_level_reasons():
    net = network([("A", 0, 9)], [("A", "x", 2, 1)],
                  [("R1", "x", 4), ("R2", "z")])
    result = solve(net)
    reasons = {s.role_id: (s.reason_code, s.reason) for s in result.shortfalls}
    assert reasons["R1"] == ("below_level", "no partner has x at level 4 or above "
                                            "(best offered: level 2)")
    assert reasons["R2"] == ("no_capability", "no partner offers z")


def test_capacity_shortfall_reason():
    net = network([("A", 0, 1)], [("A", "x", 1, 1), ("A", "y", 1, 1)],
                  [("R1", "x"), ("R2", "y", 1, 1, 1, False)])
    [short] = solve(net).shortfalls
    assert short.reason_code == "capacity" and "A has 0 capacity left, needs 1" in short.reason


def test_lowest_cost_fills_optional_slots_before_saving_money():
    net = network([("A", 0, 9)], [("A", "x", 1, 100)], [("R1", "x", 1, 1, 1, False)])
    assert pairs(solve(net)) == {("R1", "A")}


def test_balanced_prefers_reliable_partner_at_equal_cost():
    net = network([("A", 0, 9, 0.7), ("B", 0, 9, 0.99)], [("A", "x", 1, 5), ("B", "x", 1, 5)],
                  [("R1", "x")])
    assert pairs(solve(net, BALANCED)) == {("R1", "B")}


def test_cohesion_prefers_the_pair_with_joint_history():
    # Same costs; B and C have a strong tie, A and C none: cohesion picks B.
    net = network([("A", 0, 9), ("B", 0, 9), ("C", 0, 9)],
                  [("A", "x", 1, 5), ("B", "x", 1, 5), ("C", "y", 1, 5)],
                  [("R1", "x"), ("R2", "y")], relationships=[Relationship("B", "C", 0.9)])
    result = solve(net, load_profile("cohesive"))
    assert set(result.selected) == {"B", "C"}
    assert result.terms["cohesion"] < 0


def test_policy_weights_override_the_profile_and_are_recorded():
    net = network([("A", 0, 9)], [("A", "x", 1, 1)], [("R1", "x")],
                  policy=Policy(weights={"cohesion_weight": 0.9}, min_partners_per_touchpoint=1))
    result = solve(net, load_profile("resilient"))
    assert result.profile.cohesion_weight == 0.9
    assert result.rules.min_partners_per_touchpoint == 1  # the policy beats the profile's 2


# --- brute force on random small networks ------------------------------------------------------


def brute_force(net: Network, extra=None) -> tuple[int, int, float]:
    """(open critical, open optional, cost) of the lexicographically best plan, by enumeration
    (locks held, barred pairs left out, teams too close to ``other_than`` refused); ``extra``
    (the plan's pairs -> money) adds a priced term to the cost."""
    policy = net.policy
    options = []
    for role in net.roles:
        quals = [c for c in net.qualified(role) if c.partner_id not in policy.exclude
                 and (role.role_id, c.partner_id) not in policy.barred]
        choices = [combo for k in range(min(role.slots, len(quals)) + 1)
                   for combo in itertools.combinations(quals, k)]
        options.append(choices)
    best = None
    for combo in itertools.product(*options):
        used: dict[str, float] = {}
        cost = 0.0
        team = set(policy.must_include)
        open_critical = open_optional = 0
        for role, chosen in zip(net.roles, combo, strict=True):
            for c in chosen:
                used[c.partner_id] = used.get(c.partner_id, 0) + role.load * c.effort
                cost += role.load * c.unit_cost
                team.add(c.partner_id)
            gap = role.slots - len(chosen)
            if role.critical:
                open_critical += gap
            else:
                open_optional += gap
        if any(used[p] > net.partner[p].capacity + 1e-9 for p in used):
            continue
        if any(lk.partner_id not in {c.partner_id for c in chosen}
               for role, chosen in zip(net.roles, combo, strict=True)
               for lk in net.locks if lk.role_id == role.role_id):
            continue
        if net.priced_in_bids:
            cost = priced_slots_cost(net, [(role.role_id, c.partner_id)
                                           for role, chosen in zip(net.roles, combo, strict=True)
                                           for c in chosen])
            if cost is None:  # no accepted bids price every slot
                continue
        cost += sum(net.partner[p].fixed_cost for p in team)
        if policy.budget is not None and cost > policy.budget + 1e-9:
            continue
        if policy.max_partners is not None and len(team) > policy.max_partners:
            continue
        if any(len(team ^ set(other)) < policy.min_difference for other in policy.other_than):
            continue
        if policy.forbid_below_strength is not None and any(
                r.strength < policy.forbid_below_strength and {r.partner_a, r.partner_b} <= team
                for r in net.relationships):
            continue
        kept = {(role.role_id, c.partner_id) for role, chosen in zip(net.roles, combo,
                                                                      strict=True)
                for c in chosen}
        if not keeps_plan_rules(net, kept, team):
            continue
        ended = sum(1 for c in net.current if (c.role_id, c.partner_id) not in kept)
        if policy.max_changes is not None and ended > policy.max_changes:
            continue
        missed = missed_standards(net, kept)
        incumbents = {c.partner_id for c in net.current}
        transition = (sum(net.partner[p].onboarding_cost for p in team - incumbents)
                      + sum(net.partner[p].exit_cost for p in incumbents - team)
                      ) if net.current else 0.0  # no today's network, no transition
        cost += transition / (policy.horizon_periods or 1)
        if extra is not None:
            cost += extra(kept)
        key = (open_critical, missed, open_optional, round(cost, 6))
        if best is None or key < best:
            best = key
    return None if best is None else (best[0], best[2], best[3]) if not net.standards else best


def priced_slots_cost(net: Network, pairs: list[tuple[str, str]]) -> float | None:
    """The cheapest cost of the slots ``pairs`` fill: every way of accepting at most one
    alternate bid per partner, each slot at its cheapest price open under it (a tier's when the
    partner takes its min_slots of the capability); None when no way prices every slot."""
    partners = sorted({p for _, p in pairs})
    bids = [["", *sorted({row.bid_id for r, q in pairs if q == p for row in net.prices(p, r)
                          if row.bid_id})] for p in partners]
    taken = Counter((p, net.role[r].capability) for r, p in pairs)
    best = None
    for choice in itertools.product(*bids):
        accepted = dict(zip(partners, choice, strict=True))
        total = 0.0
        for r, p in pairs:
            prices = [row.unit_cost for row in net.prices(p, r)
                      if row.bid_id in ("", accepted[p])
                      and row.min_slots <= taken[(p, net.role[r].capability)]]
            if not prices:
                break
            total += net.role[r].load * min(prices)
        else:
            best = total if best is None else min(best, total)
    return best


def missed_standards(net: Network, pairs: set[tuple[str, str]]) -> float:
    """Hard standards a plan misses, weighted by importance, counted from the pairs alone over
    the roles each covers (its ``roles``, else all of its touchpoint's), an open covered slot
    delivering nothing: a known response time above the target or a covered slot open; the
    covered slots' reliability x load, filled ones only, below target x the covered load."""
    if net.policy.meet_standards is False:
        return 0.0
    total = 0.0
    for st_ in net.standards:
        if st_.target is None:
            continue
        roles = {r.role_id: r for r in net.roles if r.touchpoint_id == st_.touchpoint_id
                 and (not st_.roles or r.role_id in st_.roles)}
        if not roles:
            continue
        mine = [(r, p) for r, p in pairs if r in roles]
        if st_.metric == "response_hours" and st_.direction == "lower":
            miss = (any((net.response_of(p, r) or 0) > st_.target for r, p in mine)
                    or len(mine) < sum(r.slots for r in roles.values()))
        elif st_.metric == "on_time_rate" and st_.direction == "higher":
            load = sum(r.slots * r.load for r in roles.values())
            rate = sum(roles[r].load * net.reliability_of(p, r) for r, p in mine)
            miss = rate < st_.target * load - 1e-9
        else:
            continue
        total += net.touchpoint[st_.touchpoint_id].importance if miss else 0
    return total


def keeps_plan_rules(net: Network, pairs: set[tuple[str, str]], team: set[str]) -> bool:
    """The rules sheet, checked on a brute-force candidate plan."""
    for rule in net.rules:
        serving = {p for r, p in pairs if r in rule.roles}
        if rule.rule == "same_partner" and len(serving) > 1:
            return False
        if rule.rule == "single_source" and len(serving) > rule.limit:
            return False
        if rule.rule == "requires" and rule.partners[0] in team and not set(
                rule.partners[1:]) <= team:
            return False
        if rule.rule == "max_share":
            for pid in rule.partners or team:
                if sum(1 for _, p in pairs if p == pid) > rule.limit * len(pairs) + 1e-9:
                    return False
    return True


@st.composite
def small_networks(draw):
    n_partners = draw(st.integers(1, 6))
    ids = [f"P{i}" for i in range(n_partners)]
    partners = [(p, draw(st.sampled_from([0, 0, 2, 5, 9])), draw(st.sampled_from([1, 2, 3, 5])))
                for p in ids]
    offers = []
    for p in ids:
        for cap in draw(st.lists(st.sampled_from(["x", "y", "z"]), max_size=3, unique=True)):
            offers.append((p, cap, draw(st.integers(1, 3)), draw(st.integers(0, 6)),
                           draw(st.sampled_from([0.5, 1.0, 1.5]))))
    roles = [(f"R{i}", draw(st.sampled_from(["x", "y", "z"])), draw(st.integers(1, 3)),
              draw(st.integers(1, 2)), draw(st.sampled_from([1, 2])), draw(st.booleans()))
             for i in range(draw(st.integers(1, 4)))]
    relationships = []
    for a, b in itertools.combinations(ids, 2):
        if draw(st.integers(0, 4)) == 0:
            relationships.append(Relationship(a, b, draw(st.sampled_from([-0.9, -0.2, 0.5]))))
    policy = Policy(
        budget=draw(st.sampled_from([None, None, 8, 15])),
        max_partners=draw(st.sampled_from([None, None, 1, 2])),
        exclude=tuple(draw(st.lists(st.sampled_from(ids), max_size=1))),
        forbid_below_strength=draw(st.sampled_from([None, -0.5])),
    )
    return network(partners, offers, roles, policy=policy, relationships=relationships)


@settings(max_examples=60, deadline=None)
@given(net=small_networks())
def test_lowest_cost_equals_brute_force_and_passes_the_checker(net):
    result = plan(net, LOWEST, SolveSettings(time_limit_s=20, workers=2))
    assert check_plan(net, result) == []
    assert result.status == "optimal"
    critical = sum(1 for s in result.shortfalls if s.critical)
    optional = sum(1 for s in result.shortfalls if not s.critical)
    assert (critical, optional, pytest.approx(result.total_cost)) == brute_force(net)


def assert_brute_force_optimum(net: Network, result) -> bool:
    """The plan is the brute-force optimum (open critical slots, open optional slots, then cost
    with one-off costs spread over the horizon) and keeps every rule; or neither has a plan.
    Returns whether there was one."""
    best = brute_force(net)
    if best is None:
        assert result.status == "no solution"
        return False
    assert check_plan(net, result) == []
    assert result.status == "optimal"
    critical = sum(1 for s in result.shortfalls if s.critical)
    optional = sum(1 for s in result.shortfalls if not s.critical)
    spread = net.policy.horizon_periods or 1
    assert (critical, optional,
            pytest.approx(result.total_cost + result.transition_cost / spread)) == best
    return True


@st.composite
def small_networks_with_today(draw):
    """Small networks with today's network: a few qualified pairs held today, one-off costs of
    joining and leaving, a limit on changes and a horizon."""
    net = draw(small_networks())
    pairs = [(r.role_id, c.partner_id) for r in net.roles for c in net.qualified(r)]
    current, held = [], {}
    for role_id, pid in draw(st.lists(st.sampled_from(pairs), max_size=4, unique=True)
                             if pairs else st.just([])):
        if held.get(role_id, 0) < net.role[role_id].slots:
            held[role_id] = held.get(role_id, 0) + 1
            current.append(Lock(role_id, pid))
    partners = tuple(dataclasses.replace(p, onboarding_cost=draw(st.sampled_from([0, 3, 10])),
                                         exit_cost=draw(st.sampled_from([0, 4, 12])))
                     for p in net.partners)
    policy = dataclasses.replace(net.policy,
                                 max_changes=draw(st.sampled_from([None, 0, 1, 2])),
                                 horizon_periods=draw(st.sampled_from([None, 1, 2, 4])))
    return dataclasses.replace(net, partners=partners, current=tuple(current), policy=policy)


@settings(max_examples=60, deadline=None)
@given(net=small_networks_with_today())
def test_plans_from_todays_network_equal_brute_force(net):
    """Onboarding and exit costs (spread over the horizon) and max_changes: the plan is the
    brute-force optimum, or there is none when no plan keeps enough of today's network."""
    result = plan(net, LOWEST, SolveSettings(time_limit_s=20, workers=2))
    if assert_brute_force_optimum(net, result):
        assert result.objective == pytest.approx(brute_force(net)[2])


@st.composite
def small_networks_with_rules(draw):
    """Small networks with a rules sheet: one rule of each kind drawn, on roles of one slot
    for same_partner."""
    net = draw(small_networks())
    roles = [r.role_id for r in net.roles]
    single = [r.role_id for r in net.roles if r.slots == 1]
    ids = [p.partner_id for p in net.partners]
    rules = []
    if len(single) >= 2 and draw(st.booleans()):
        rules.append(PlanRule("same_partner", tuple(draw(st.lists(
            st.sampled_from(single), min_size=2, max_size=3, unique=True)))))
    if draw(st.booleans()):
        rules.append(PlanRule("single_source", tuple(draw(st.lists(
            st.sampled_from(roles), min_size=1, max_size=3, unique=True))),
            limit=draw(st.sampled_from([1, 2]))))
    if len(ids) >= 2 and draw(st.booleans()):
        rules.append(PlanRule("requires", partners=tuple(draw(st.lists(
            st.sampled_from(ids), min_size=2, max_size=2, unique=True)))))
    if draw(st.booleans()):
        rules.append(PlanRule("max_share", partners=tuple(draw(st.lists(
            st.sampled_from(ids), max_size=2, unique=True))),
            limit=draw(st.sampled_from([0.34, 0.5, 0.75]))))
    # A few offers made for one role: another price and level for the same capability.
    extra = []
    for role in draw(st.lists(st.sampled_from(net.roles), max_size=2, unique=True)):
        pid = draw(st.sampled_from(ids))
        if net.offer(pid, role) is None or net.offer(pid, role).role_id == "":
            extra.append(Capability(pid, role.capability, draw(st.integers(1, 3)),
                                    draw(st.integers(0, 6)), role_id=role.role_id))
    return dataclasses.replace(net, rules=tuple(rules), capabilities=net.capabilities
                               + tuple(extra))


@settings(max_examples=80, deadline=None)
@given(net=small_networks_with_rules())
def test_rules_sheet_plans_equal_brute_force(net):
    """same_partner, single_source, requires and max_share (lowest_cost): the plan is the
    brute-force optimum and keeps every rule; a rule that blocks a slot leaves it open."""
    assert_brute_force_optimum(net, plan(net, LOWEST, SolveSettings(time_limit_s=20, workers=2)))


@st.composite
def small_networks_with_standards(draw):
    """Small networks on two touchpoints with hard standards on response time and on-time rate
    (response hours and reliability per partner, some per offer)."""
    net = draw(small_networks())
    touchpoints = (Touchpoint("T1", "T1", "utilization", "front", importance=1.0),
                   Touchpoint("T2", "T2", "utilization", "front", importance=2.0))
    roles = tuple(dataclasses.replace(r, touchpoint_id=draw(st.sampled_from(["T1", "T2"])))
                  for r in net.roles)
    partners = tuple(dataclasses.replace(
        p, response_hours=draw(st.sampled_from([None, 0.5, 2.0, 6.0, 12.0])),
        reliability=draw(st.sampled_from([0.7, 0.85, 0.95, 1.0]))) for p in net.partners)
    offers = tuple(dataclasses.replace(
        c, response_hours=draw(st.sampled_from([None, None, 1.0, 8.0])),
        reliability=draw(st.sampled_from([None, None, 0.8, 0.99]))) for c in net.capabilities)
    standards = []
    for tid in ("T1", "T2"):
        own = [r.role_id for r in roles if r.touchpoint_id == tid]

        def covered(own=own) -> tuple[str, ...]:  # blank (every role), or some of them
            return tuple(r for r in own if draw(st.booleans())) if draw(st.booleans()) else ()

        if draw(st.booleans()):
            standards.append(Standard(tid, "response_hours", "lower",
                                      target=draw(st.sampled_from([1.0, 4.0, 8.0])),
                                      roles=covered()))
        if draw(st.booleans()):
            standards.append(Standard(tid, "on_time_rate", "higher",
                                      target=draw(st.sampled_from([0.8, 0.9, 0.97])),
                                      roles=covered()))
    policy = dataclasses.replace(net.policy, meet_standards=draw(st.sampled_from([None, False])))
    return dataclasses.replace(net, touchpoints=touchpoints, roles=roles, partners=partners,
                               capabilities=offers, standards=tuple(standards), policy=policy)


@settings(max_examples=80, deadline=None)
@given(net=small_networks_with_standards())
def test_hard_standards_plans_equal_brute_force(net):
    """Open critical slots first, then missed standards (weighted by importance), then open
    optional slots, then cost (lowest_cost): the plan is the brute-force optimum."""
    result = plan(net, LOWEST, SolveSettings(time_limit_s=20, workers=2))
    best = brute_force(net)
    assert check_plan(net, result) == []
    assert result.status == "optimal"
    critical = sum(1 for s in result.shortfalls if s.critical)
    optional = sum(1 for s in result.shortfalls if not s.critical)
    missed = missed_standards(net, pairs(result))
    if net.standards:
        assert (critical, pytest.approx(missed), optional,
                pytest.approx(result.total_cost)) == best
    else:
        assert (critical, optional, pytest.approx(result.total_cost)) == best


@settings(max_examples=30, deadline=None)
@given(net=small_networks())
def test_narrow_first_search_still_finds_the_brute_force_optimum(net):
    # Large networks search a narrowed model (the best-priced candidates per role) first, then
    # the full model from its plan. Forced on for small networks, with one candidate kept per
    # role, the full stage must still reach and prove the true optimum.
    import orchestra.model.solve as solve_module

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(solve_module, "NARROW_FIRST_PAIRS", 1)
        patch.setattr(solve_module, "NARROW_CANDIDATES", 1)
        result = plan(net, LOWEST, SolveSettings(time_limit_s=20, workers=2))
    assert check_plan(net, result) == []
    assert result.status == "optimal" and result.bound == result.objective
    critical = sum(1 for s in result.shortfalls if s.critical)
    optional = sum(1 for s in result.shortfalls if not s.critical)
    assert (critical, optional, pytest.approx(result.total_cost)) == brute_force(net)


def test_full_search_still_runs_when_the_narrow_one_finds_nothing(monkeypatch):
    import orchestra.model.solve as solve_module

    # The narrow search comes back without a plan's objective (as when its time runs out before
    # any solution): the full model must still search, from the greedy start (no warm start).
    real = solve_module._plan_data
    calls = []

    def narrow_finds_nothing(data, settings, on_progress, warm_start, started, stop=None,
                             trusted=False):
        result = real(data, settings, on_progress, warm_start, started, stop, trusted)
        calls.append((data.keep_best, warm_start))
        return dataclasses.replace(result, objective=None) if data.keep_best else result

    monkeypatch.setattr(solve_module, "NARROW_FIRST_PAIRS", 1)
    monkeypatch.setattr(solve_module, "_plan_data", narrow_finds_nothing)
    net = network([("A", 0, 5), ("B", 0, 5)], [("A", "x", 3, 1), ("B", "x", 3, 2)],
                  [("R1", "x")])
    result = plan(net, LOWEST, FAST)
    assert calls == [(solve_module.NARROW_CANDIDATES, None), (None, None)]
    assert result.status == "optimal" and pairs(result) == {("R1", "A")}
    assert result.settings["time_limit_s"] == FAST.time_limit_s


def test_narrow_model_keeps_the_best_priced_candidates_and_every_lock():
    from orchestra.domain import Rules
    from orchestra.model.data import ModelData

    # Per unit of load: A 5 + 0 fixed; B 1 + 100 fixed over capacity 10 = 11 per unit; C 3;
    # D 9, but locked. Keeping 2: A and C, plus the lock D.
    net = network([("A", 0, 10), ("B", 100, 10), ("C", 0, 10), ("D", 0, 10)],
                  [("A", "x", 3, 5), ("B", "x", 3, 1), ("C", "x", 3, 3), ("D", "x", 3, 9)],
                  [("R1", "x", 1, 2)], locks=[Lock("R1", "D")])
    data = ModelData(net, Rules.of(net, LOWEST), keep_best=2)
    assert [c.offer.partner_id for c in data.candidates["R1"]] == ["C", "A", "D"]
    full = ModelData(net, Rules.of(net, LOWEST))
    assert data.money_scale == full.money_scale
    assert data.typical_slot_cost == full.typical_slot_cost


@settings(max_examples=25, deadline=None)
@given(net=small_networks())
def test_every_profile_returns_a_plan_that_keeps_every_rule(net):
    for name in ("balanced", "resilient", "cohesive"):
        assert check_plan(net, plan(net, load_profile(name), FAST)) == []


# --- limits, interruption, determinism ---------------------------------------------------------


@pytest.fixture(scope="module")
def medium_network():
    from orchestra.generate import generate_tables
    from orchestra.io.loader import network_from_rows

    return network_from_rows(generate_tables(400, 100, seed=3))


def test_time_limit_returns_the_best_plan_so_far(medium_network):
    result = plan(medium_network, BALANCED, SolveSettings(time_limit_s=1.5, workers=2))
    assert result.status in ("optimal", "feasible")
    assert result.stopped_by.startswith(("time limit", "proven optimal"))
    assert check_plan(medium_network, result) == []


def test_a_limit_too_short_for_the_solver_still_returns_the_greedy_plan(medium_network):
    result = plan(medium_network, BALANCED, SolveSettings(time_limit_s=0, workers=2))
    assert result.status == "feasible"
    assert result.stopped_by == "time limit: greedy start plan"
    assert result.objective is None and result.bound is None
    assert len(result.assignments) > 0
    assert check_plan(medium_network, result) == []


def test_ctrl_c_returns_the_best_plan_so_far(medium_network):
    timer = threading.Timer(2.0, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    try:
        result = plan(medium_network, load_profile("cohesive"),
                      SolveSettings(time_limit_s=120, workers=2))
    finally:
        timer.cancel()
    assert result.stopped_by.startswith("interrupted")
    assert result.status == "feasible" and result.assignments
    assert check_plan(medium_network, result) == []


def test_deterministic_runs_give_identical_plans():
    net = network([(f"P{i}", i % 3, 3) for i in range(8)],
                  [(f"P{i}", c, 1 + i % 3, 1 + (i * 7 + j) % 5) for i in range(8)
                   for j, c in enumerate("xyz")],
                  [(f"R{i}", "xyz"[i % 3], 1, 1 + i % 2) for i in range(6)])
    settings_ = SolveSettings(time_limit_s=5, seed=7, deterministic=True)
    first, second = plan(net, BALANCED, settings_), plan(net, BALANCED, settings_)
    assert first.assignments == second.assignments and first.objective == second.objective


# --- OR-Library generalized assignment: exact optima ------------------------------------------

GAP_DIR = SHARED / "benchmarks" / "gap"


@pytest.mark.skipif(not GAP_DIR.exists(), reason="../shared/benchmarks/gap is not present "
                    "(a user's checkout has no shared/ folder)")
@pytest.mark.parametrize("file", ["gap1.txt", "gap5.txt", "gap9.txt"])
def test_or_library_gap_minimum_costs(file):
    from orchestra.io.orlib import read_gap_file

    with open(GAP_DIR / "optimal_values.csv", newline="") as handle:
        optimum = {(r["file"], int(r["index_in_file"])): float(r["min_opt"])
                   for r in csv.DictReader(handle) if r["min_status"] == "optimal"}
    for index, net in enumerate(read_gap_file(GAP_DIR / "raw" / file), start=1):
        result = plan(net, LOWEST, SolveSettings(time_limit_s=30, workers=2))
        assert result.status == "optimal" and not result.shortfalls
        assert result.total_cost == optimum[(file, index)], (file, index)
        assert check_plan(net, result) == []


def test_plan_records_profile_and_settings():
    net = network([("A", 0, 9)], [("A", "x", 1, 1)], [("R1", "x")])
    result = plan(net, dataclasses.replace(LOWEST), FAST)
    assert result.profile.name == "lowest_cost"
    assert result.settings["time_limit_s"] == 10 and result.settings["money_scale"] == 1


def test_objective_is_in_money_when_the_open_slot_phase_runs():
    # Without the greedy start the first (open-slot) solve always runs; the reported objective
    # must still be the weighted terms (here cost only: 10 fixed + 1), not a count of open slots.
    net = network([("A", 10, 9)], [("A", "x", 1, 1)], [("R1", "x"), ("R2", "z")])
    result = plan(net, LOWEST, dataclasses.replace(FAST, hint=False))
    assert result.objective == result.total_cost == 11 and result.bound == 11
    assert [s.reason_code for s in result.shortfalls] == ["no_capability"]


@pytest.mark.parametrize("workers, full", [(1, ["reduced_costs"]), (2, ["reduced_costs", "max_lp"]),
                                           (6, ["reduced_costs", "max_lp", "pseudo_costs"])])
def test_settings_run_the_lp_guided_searches_first(workers, full):
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    SolveSettings(time_limit_s=5, workers=workers, seed=3).apply(solver)
    params = solver.parameters
    assert params.num_workers == workers
    assert list(params.subsolvers) == full and params.num_full_subsolvers == len(full)
    assert params.max_time_in_seconds == 5 and params.random_seed == 3


def test_automatic_workers_use_every_core_and_at_least_two(monkeypatch):
    from ortools.sat.python import cp_model

    for cores, expected in [(1, 2), (2, 2), (8, 8)]:
        monkeypatch.setattr(os, "cpu_count", lambda cores=cores: cores)
        solver = cp_model.CpSolver()
        SolveSettings().apply(solver)
        assert solver.parameters.num_workers == expected
    solver = cp_model.CpSolver()
    SolveSettings(time_limit_s=4, deterministic=True).apply(solver)
    assert solver.parameters.interleave_search and solver.parameters.max_deterministic_time == 4
    assert solver.parameters.num_workers == 2


def test_deterministic_plans_are_identical_on_a_busy_machine():
    """Phase one (open slots, here the resilient profile's standbys) and phase two are both
    budgeted in deterministic time: two busy processes beside the second run change nothing."""
    import subprocess
    import sys

    from orchestra.io import load_network

    bank = load_network(ROOT / "inputs" / "bank.xlsx")
    settings_ = SolveSettings(time_limit_s=3, seed=3, deterministic=True)
    idle = plan(bank, load_profile("resilient"), settings_)
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    try:
        loaded = plan(bank, load_profile("resilient"), settings_)
    finally:
        for proc in busy:
            proc.kill()
    assert idle.assignments == loaded.assignments and idle.objective == loaded.objective


@pytest.mark.parametrize("name", ["balanced", "cohesive", "resilient", "lowest_cost"])
def test_objective_evaluated_from_the_plan_equals_the_solvers(name):
    """The objective recomputed from a plan alone (used to compare plans of different networks
    in one set of units) agrees with what the solver reports for it."""
    from orchestra.io import load_network
    from orchestra.model.evaluate import objective_of

    bank = load_network(ROOT / "inputs" / "bank.xlsx")
    result = plan(bank, load_profile(name), SolveSettings(time_limit_s=5, seed=1))
    assert objective_of(bank, load_profile(name), result) == pytest.approx(result.objective,
                                                                           rel=1e-9)


# --- today's network ---------------------------------------------------------------------------


def today(exit_cost=0.0, onboarding=0.0, max_changes=None, horizon=None):
    """Role R (x) held today by I (fixed 0, slot 10); challenger C does it for 4. Switching
    saves 6 a period, against I's exit cost and C's onboarding, spread over the horizon."""
    net = network([("I", 0, 5), ("C", 0, 5)], [("I", "x", 3, 10), ("C", "x", 3, 4)], [("R", "x")],
                  policy=Policy(max_changes=max_changes, horizon_periods=horizon))
    partners = (dataclasses.replace(net.partner["I"], exit_cost=exit_cost),
                dataclasses.replace(net.partner["C"], onboarding_cost=onboarding))
    return dataclasses.replace(net, partners=partners, current=(Lock("R", "I"),))


@pytest.mark.parametrize(("exit_cost", "onboarding", "horizon", "winner"), [
    (5, 0, None, "C"),   # saves 6 > 5
    (7, 0, None, "I"),   # saves 6 < 7
    (0, 5.5, None, "C"),  # onboarding counts the same way
    (4, 3, None, "I"),   # 4 + 3 = 7 > 6
    (10, 0, 2, "C"),     # 10 over two periods: 5 < 6
    (14, 0, 2, "I"),     # 7 > 6
])
def test_exit_and_onboarding_costs_keep_an_incumbent_exactly_when_the_saving_is_smaller(
        exit_cost, onboarding, horizon, winner):
    result = solve(today(exit_cost, onboarding, horizon=horizon))
    assert pairs(result) == {("R", winner)}
    spread = horizon or 1
    expected = 10 if winner == "I" else 4 + (exit_cost + onboarding) / spread
    assert result.objective == pytest.approx(expected)
    assert result.transition_cost == (0 if winner == "I" else exit_cost + onboarding)


def test_max_changes_zero_keeps_todays_network_even_when_dearer():
    result = solve(today(max_changes=0))
    assert pairs(result) == {("R", "I")} and result.total_cost == 10
    assert solve(today(max_changes=1)).total_cost == 4


def test_max_changes_counts_the_pairs_that_end():
    # Three roles held by I today; C is cheaper on each. One change allowed: one role moves.
    net = network([("I", 0, 5), ("C", 0, 5)],
                  [("I", "x", 3, 10), ("C", "x", 3, 4)], [("R1", "x"), ("R2", "x"), ("R3", "x")],
                  policy=Policy(max_changes=1))
    net = dataclasses.replace(net, current=(Lock("R1", "I"), Lock("R2", "I"), Lock("R3", "I")))
    result = solve(net)
    assert sum(1 for _, p in pairs(result) if p == "C") == 1 and result.total_cost == 24


@settings(max_examples=30, deadline=None)
@given(net=small_networks_with_today())
def test_narrow_first_search_keeps_todays_pairs(net):
    """The narrowed model keeps today's pairs (max_changes may need them): forced on with one
    candidate per role, the plan is still the brute-force optimum."""
    import orchestra.model.solve as solve_module

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(solve_module, "NARROW_FIRST_PAIRS", 1)
        patch.setattr(solve_module, "NARROW_CANDIDATES", 1)
        result = plan(net, LOWEST, SolveSettings(time_limit_s=20, workers=2))
    best = brute_force(net)
    if best is None:
        assert result.status == "no solution"
        return
    assert check_plan(net, result) == [] and result.status == "optimal"
    assert result.objective == pytest.approx(best[2])


# --- the rules sheet, each rule alone ------------------------------------------------------


def gateway_and_fraud(*rules, policy=None):
    """R1 (pay) and R2 (fraud). A: pay 1, fraud 5; B: pay 4, fraud 1; C: pay 2 only. Cheapest
    apart: A on R1, B on R2 (2 + 2 fixed... all fixed 0): 1 + 1 = 2."""
    net = network([("A", 0, 5), ("B", 0, 5), ("C", 0, 5)],
                  [("A", "pay", 3, 1), ("A", "fraud", 3, 5), ("B", "pay", 3, 4),
                   ("B", "fraud", 3, 1), ("C", "pay", 3, 2)],
                  [("R1", "pay"), ("R2", "fraud")], policy=policy or Policy())
    return dataclasses.replace(net, rules=tuple(rules))


def test_same_partner_serves_both_roles():
    assert pairs(solve(gateway_and_fraud())) == {("R1", "A"), ("R2", "B")}
    # One provider for both: A (1 + 5 = 6) or B (4 + 1 = 5): B.
    result = solve(gateway_and_fraud(PlanRule("same_partner", ("R1", "R2"))))
    assert pairs(result) == {("R1", "B"), ("R2", "B")} and result.total_cost == 5


def test_single_source_limits_distinct_partners():
    result = solve(gateway_and_fraud(PlanRule("single_source", ("R1", "R2"), limit=1)))
    assert len({p for _, p in pairs(result)}) == 1 and result.total_cost == 5


def test_requires_brings_the_required_partner_along():
    # A requires C: A on R1 now needs C selected, and C must work: C takes R1 (2), so A has
    # nothing left but R2 (5); or A stays out: B on R2 (1) and A out, C... R1 by C (2) + R2 by
    # B (1) = 3, the optimum.
    result = solve(gateway_and_fraud(PlanRule("requires", partners=("A", "C"))))
    assert pairs(result) == {("R1", "C"), ("R2", "B")} and result.total_cost == 3


def test_max_share_spreads_the_slots():
    # Three fraud roles; B is cheapest on each (1) against A (5). At most half the filled
    # slots each: one slot alone would be all of them, two need A and B, three would give
    # someone two of three (only A and B offer fraud). So B one, A one, the third open:
    # 1 + 5 = 6.
    net = gateway_and_fraud(PlanRule("max_share", limit=0.5))
    net = dataclasses.replace(net, roles=tuple(
        dataclasses.replace(net.roles[1], role_id=f"F{k}") for k in range(3)))
    result = solve(net)
    assert sorted(p for _, p in pairs(result)) == ["A", "B"] and result.total_cost == 6
    [open_slot] = result.shortfalls
    assert open_slot.reason_code == "rule" and "max_share (every partner, limit 0.5)" in (
        open_slot.reason)


def test_rules_that_contradict_leave_slots_open_with_the_rule_named():
    # One partner for both roles, but no partner may hold more than half the filled slots:
    # no slot can be filled at all, and each open slot names a rule.
    result = solve(gateway_and_fraud(PlanRule("same_partner", ("R1", "R2")),
                                     PlanRule("max_share", limit=0.5)))
    assert result.assignments == () and len(result.critical_shortfalls) == 2
    assert all(s.reason_code == "rule" for s in result.shortfalls)


def test_an_offer_made_for_one_role_prices_that_role_only():
    # A offers x at 10 for every role, and at 2 for R2 only; B offers x at 5.
    net = network([("A", 0, 9), ("B", 0, 9)], [("A", "x", 3, 10), ("B", "x", 3, 5)],
                  [("R1", "x"), ("R2", "x")])
    net = dataclasses.replace(net, capabilities=net.capabilities + (
        Capability("A", "x", 3, 2.0, role_id="R2"),))
    result = solve(net)
    assert pairs(result) == {("R1", "B"), ("R2", "A")} and result.total_cost == 7


def test_an_offer_made_for_one_role_can_qualify_where_the_general_one_does_not():
    net = network([("A", 0, 9)], [("A", "x", 2, 1)], [("R1", "x", 3), ("R2", "x", 3)])
    net = dataclasses.replace(net, capabilities=net.capabilities + (
        Capability("A", "x", 3, 4.0, role_id="R2"),))
    result = solve(net)
    assert pairs(result) == {("R2", "A")}
    [open_slot] = result.shortfalls
    assert open_slot.role_id == "R1" and open_slot.reason_code == "below_level"


# --- hard standards, each alone ------------------------------------------------------------


def phone_desk(metric, target, meet=None):
    """R (call) on T1: A costs 1, answers in 6 h, delivers 80 %; B costs 3, answers in 1 h,
    delivers 99 %."""
    net = network([("A", 0, 5, 0.8), ("B", 0, 5, 0.99)], [("A", "call", 3, 1),
                                                          ("B", "call", 3, 3)], [("R", "call")],
                  policy=Policy(meet_standards=meet))
    partners = (dataclasses.replace(net.partner["A"], response_hours=6.0),
                dataclasses.replace(net.partner["B"], response_hours=1.0))
    direction = "lower" if metric == "response_hours" else "higher"
    return dataclasses.replace(net, partners=partners,
                               standards=(Standard("T1", metric, direction, target=target),))


@pytest.mark.parametrize(("metric", "target", "meet", "winner"), [
    ("response_hours", 2.0, None, "B"),   # A's 6 h breaks the 2 h standard
    ("response_hours", 2.0, False, "A"),  # scored only: the cheaper one
    ("response_hours", 8.0, None, "A"),   # both within 8 h
    ("on_time_rate", 0.9, None, "B"),     # A's 80 % falls short of 90 %
    ("on_time_rate", 0.9, False, "A"),
    ("on_time_rate", 0.75, None, "A"),
])
def test_a_hard_standard_picks_the_partner_that_keeps_it(metric, target, meet, winner):
    assert pairs(solve(phone_desk(metric, target, meet))) == {("R", winner)}


def test_a_partner_the_other_slots_cannot_make_up_for_misses_the_on_time_standard_alone():
    # Units are reliability x load in whole numbers; the row needs 13. The best any plan
    # reaches: a's two best (5 + 3), b's best (4), c's two (2 + 1): 15. A pair on a gives up
    # a's second best (3): P3 (1) + 12 = 13 just fits. A pair on b gives up 4: P6 (0) + 11 is
    # sunk. c has only two candidates for its two slots: each is on it in the best plan.
    from types import SimpleNamespace as N

    from orchestra.model.rules import beyond_repair

    units = {("a", "P1"): 5, ("a", "P2"): 3, ("a", "P3"): 1,
             ("b", "P5"): 4, ("b", "P6"): 0,
             ("c", "P7"): 2, ("c", "P8"): 1}
    roles = [N(role_id="a", slots=2), N(role_id="b", slots=1), N(role_id="c", slots=2)]
    data = N(candidates={r.role_id: [N(key=k) for k in units if k[0] == r.role_id]
                         for r in roles})
    assert beyond_repair(roles, data, units, 13) == [("b", "P6")]


def test_a_standard_never_costs_a_critical_slot():
    # Nobody answers within 0.5 h: the slot is still filled (cheapest), the standard missed.
    result = solve(phone_desk("response_hours", 0.5))
    assert pairs(result) == {("R", "A")}


def phone_desk_with_web(covers=()):
    """``phone_desk`` with a 2 h response standard and an optional R2 (web) on T1 that only A
    (6 h) can do; the standard covers ``covers`` (blank: every role of T1)."""
    net = phone_desk("response_hours", 2.0)
    return dataclasses.replace(
        net, roles=net.roles + (dataclasses.replace(net.roles[0], role_id="R2",
                                                    capability="web", critical=False),),
        capabilities=net.capabilities + (Capability("A", "web", 3, 1.0),),
        standards=(dataclasses.replace(net.standards[0], roles=tuple(covers)),))


def test_an_open_slot_never_helps_a_standard():
    # Covering R and R2, the standard is missed whatever the plan: R2 open counts against it
    # as much as A's 6 h on it. So nothing is left open for it, and A (1) beats B (3) on R.
    result = solve(phone_desk_with_web())
    assert pairs(result) == {("R", "A"), ("R2", "A")}
    [outcome] = score(phone_desk_with_web(), result).standards
    assert (outcome.met, outcome.achieved, outcome.open_slots, outcome.missed_by) == (
        False, 6.0, 0, 4.0)


def test_a_standard_covers_the_roles_it_names():
    # Covering R alone, B (1 h) keeps it on R, and A takes R2 outside it.
    result = solve(phone_desk_with_web(covers=["R"]))
    assert pairs(result) == {("R", "B"), ("R2", "A")}
    [outcome] = score(phone_desk_with_web(covers=["R"]), result).standards
    assert (outcome.met, outcome.achieved, outcome.roles) == (True, 1.0, ("R",))
