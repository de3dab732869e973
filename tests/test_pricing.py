"""Alternate bids (``bid_id``: at most one package per partner) and volume tiers
(``min_slots``): hand-worked cases, each rule alone, brute force on small networks, the
checker, the sheet's validation and the report's columns."""

from __future__ import annotations

import dataclasses

import pytest
from conftest import network
from hypothesis import given, settings
from hypothesis import strategies as st
from test_model import LOWEST, assert_brute_force_optimum, small_networks

from orchestra.domain import Capability, Lock
from orchestra.model import SolveSettings, check_plan, plan
from orchestra.model.given import given_plan

FAST = SolveSettings(time_limit_s=10, workers=2)


def priced(net, extra: list[Capability]):
    return dataclasses.replace(net, capabilities=net.capabilities + tuple(extra))


def pairs_of(result) -> set[tuple[str, str, str, int]]:
    return {(a.role_id, a.partner_id, a.bid_id, a.min_slots) for a in result.assignments}


def two_roles():
    """A sells x at 10, B at 8; two roles need x, one slot each."""
    return network([("A", 0, 5), ("B", 0, 5)], [("A", "x", 3, 10), ("B", "x", 3, 8)],
                   [("R1", "x"), ("R2", "x")])


def test_a_tier_reached_prices_every_slot_of_the_capability():
    # A's tier: 7 from 2 slots. A on both roles costs 14, against B on both at 16.
    net = priced(two_roles(), [Capability("A", "x", 3, 7.0, min_slots=2)])
    result = plan(net, LOWEST, FAST)
    assert check_plan(net, result) == []
    assert result.total_cost == pytest.approx(14)
    assert pairs_of(result) == {("R1", "A", "", 2), ("R2", "A", "", 2)}


def test_a_tier_out_of_reach_is_never_used():
    # A can take one slot only: its tier of 2 slots never applies, B takes both at 8.
    net = priced(two_roles(), [Capability("A", "x", 3, 1.0, min_slots=2)])
    net = dataclasses.replace(net, partners=(dataclasses.replace(net.partners[0], capacity=1),
                                             net.partners[1]))
    result = plan(net, LOWEST, FAST)
    assert check_plan(net, result) == []
    assert result.total_cost == pytest.approx(16)
    assert {a.partner_id for a in result.assignments} == {"B"}


def test_at_most_one_alternate_bid_of_a_partner_is_accepted():
    # A: x at 10 and y at 10; bid B1 prices x at 6, bid B2 prices y at 6. One bid only:
    # 6 + 10 = 16, not 12.
    net = network([("A", 0, 5)], [("A", "x", 3, 10), ("A", "y", 3, 10)],
                  [("RX", "x"), ("RY", "y")])
    net = priced(net, [Capability("A", "x", 3, 6.0, bid_id="B1"),
                       Capability("A", "y", 3, 6.0, bid_id="B2")])
    result = plan(net, LOWEST, FAST)
    assert check_plan(net, result) == []
    assert result.total_cost == pytest.approx(16)
    assert len({a.bid_id for a in result.assignments if a.bid_id}) == 1


def test_a_bid_wins_the_role_it_prices_and_the_base_price_holds_elsewhere():
    # A's bid B1 prices x at 6; B sells y at 7 against A's 10: A on x through B1, B on y.
    net = network([("A", 0, 5), ("B", 0, 5)],
                  [("A", "x", 3, 10), ("A", "y", 3, 10), ("B", "y", 3, 7)],
                  [("RX", "x"), ("RY", "y")])
    net = priced(net, [Capability("A", "x", 3, 6.0, bid_id="B1")])
    result = plan(net, LOWEST, FAST)
    assert pairs_of(result) == {("RX", "A", "B1", 1), ("RY", "B", "", 1)}
    assert result.total_cost == pytest.approx(13)


def test_an_offer_made_only_in_a_bid_needs_that_bid():
    # A sells x only in bid B1 (at 5) and y only in bid B2 (at 5): it can take one role, not
    # both; C takes the other at 9.
    net = network([("A", 0, 5), ("C", 0, 5)], [("C", "x", 3, 9), ("C", "y", 3, 9)],
                  [("RX", "x"), ("RY", "y")])
    net = priced(net, [Capability("A", "x", 3, 5.0, bid_id="B1"),
                       Capability("A", "y", 3, 5.0, bid_id="B2")])
    result = plan(net, LOWEST, FAST)
    assert check_plan(net, result) == []
    assert result.total_cost == pytest.approx(14)
    assert sum(a.partner_id == "A" for a in result.assignments) == 1


def test_given_plans_are_priced_at_their_cheapest_and_the_checker_names_a_mixed_pricing():
    net = network([("A", 0, 5)], [("A", "x", 3, 10), ("A", "y", 3, 10)],
                  [("RX", "x"), ("RY", "y")])
    net = priced(net, [Capability("A", "x", 3, 6.0, bid_id="B1"),
                       Capability("A", "y", 3, 5.0, bid_id="B2")])
    given = given_plan(net, LOWEST, [Lock("RX", "A"), Lock("RY", "A")])
    assert given.total_cost == pytest.approx(15)  # B2 accepted: 10 + 5
    assert check_plan(net, given) == []
    mixed = dataclasses.replace(given, assignments=tuple(
        dataclasses.replace(a, bid_id="B1", cost=6.0) if a.role_id == "RX" else a
        for a in given.assignments), total_cost=11.0)
    assert any("at most one is accepted" in s for s in check_plan(net, mixed))


def test_the_checker_names_a_slot_priced_above_a_tier_the_plan_reaches():
    net = priced(two_roles(), [Capability("A", "x", 3, 7.0, min_slots=2)])
    given = given_plan(net, LOWEST, [Lock("R1", "A"), Lock("R2", "A")])
    assert given.total_cost == pytest.approx(14)
    assert check_plan(net, given) == []
    dearer = dataclasses.replace(given, assignments=tuple(
        dataclasses.replace(a, min_slots=1, cost=10.0) for a in given.assignments),
        total_cost=20.0)
    assert any("its price 7 per unit of load is open" in s for s in check_plan(net, dearer))
    alone = given_plan(net, LOWEST, [Lock("R1", "A")])
    assert alone.total_cost == pytest.approx(10)  # one slot: the tier is out of reach
    short = dataclasses.replace(alone, assignments=tuple(
        dataclasses.replace(a, min_slots=2, cost=7.0) for a in alone.assignments),
        total_cost=7.0)
    assert any("tier of 2 slots of x, and it takes 1" in s for s in check_plan(net, short))


@st.composite
def small_networks_with_bids(draw):
    """Small networks whose offers have alternate bids and volume tiers, some offers sold only
    in a bid."""
    net = draw(small_networks())
    if draw(st.booleans()):  # every role needs x: tiers come within reach
        net = dataclasses.replace(net, roles=tuple(dataclasses.replace(r, capability="x")
                                                   for r in net.roles))
    extra, dropped = [], set()
    for offer in net.capabilities:
        for _ in range(draw(st.integers(0, 3))):
            extra.append(dataclasses.replace(
                offer, unit_cost=float(draw(st.integers(0, max(0, int(offer.unit_cost) - 1)))),
                bid_id=draw(st.sampled_from(["", "B1", "B2"])),
                min_slots=draw(st.sampled_from([1, 2, 2, 3]))))  # cheaper, as bids are
        if extra and extra[-1].partner_id == offer.partner_id and extra[-1].bid_id \
                and draw(st.integers(0, 3)) == 0:
            dropped.add(offer)  # sold only in the bid
    rows = {(c.partner_id, c.capability, c.bid_id, c.min_slots): c
            for c in [*(c for c in net.capabilities if c not in dropped), *extra]}
    return dataclasses.replace(net, capabilities=tuple(rows.values()))


@settings(max_examples=60, deadline=None)
@given(net=small_networks_with_bids())
def test_plans_with_bids_and_tiers_equal_brute_force(net):
    """The plan (lowest_cost) is the optimum of an enumeration that tries every way to accept
    at most one bid per partner and prices each slot at its cheapest open price."""
    assert_brute_force_optimum(net, plan(net, LOWEST, SolveSettings(time_limit_s=20, workers=2)))


@pytest.mark.parametrize("seed", [1, 2])
def test_generated_bids_are_valid_input_and_only_lower_the_plan(seed):
    """The benchmark's sourcing round (``generate.add_bids``): its tables pass the loader's
    checks, offers gain alternate bids and tiers, and the proven-optimal plan with them costs
    no more than without (every added price undercuts its base offer) and keeps every rule."""
    from orchestra.generate import add_bids, generate_tables
    from orchestra.io.loader import network_from_rows

    plain = generate_tables(40, 12, seed=seed)
    before = network_from_rows(plain)
    after = network_from_rows(add_bids(plain, seed=seed))
    assert after.priced_in_bids
    assert {c.bid_id for c in after.capabilities} == {"", "B2"}
    assert any(c.min_slots > 1 for c in after.capabilities)
    settings = SolveSettings(time_limit_s=20, workers=2)
    old, new = plan(before, LOWEST, settings), plan(after, LOWEST, settings)
    assert old.status == new.status == "optimal"
    assert check_plan(after, new) == []
    assert new.objective <= old.objective + 1e-6
