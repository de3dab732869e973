"""A plan made by hand (a manager's own assignments), turned into a Plan without optimising, so
it can be scored and checked like orchestra's own."""

from __future__ import annotations

from collections.abc import Iterable
from types import MappingProxyType

from orchestra.domain import Lock, Network, Plan, Profile, Rules
from orchestra.model.assemble import number_slots, shortfalls, total_cost
from orchestra.model.transition import with_schedule


def given_plan(network: Network, profile: Profile, pairs: Iterable[Lock]) -> Plan:
    """The plan that assigns exactly ``pairs`` (each a role and the partner filling one slot).

    The team is every partner with a slot, plus ``must_include``. Rules the pairs break (over
    capacity, over budget) are not refused here: ``check_plan`` names them.
    """
    rules = Rules.of(network, profile)
    assigned: dict[str, list[str]] = {r.role_id: [] for r in network.roles}
    for pair in pairs:
        assigned[pair.role_id].append(pair.partner_id)
    team = {p for pids in assigned.values() for p in pids} | set(rules.must_include)
    selected = tuple(p.partner_id for p in network.partners if p.partner_id in team)
    assignments = number_slots(network, assigned)
    cost = total_cost(network, selected, assignments)
    return with_schedule(network, Plan(
        status="given", objective=None, bound=None, gap=None, wall_time_s=0.0,
        stopped_by="given by hand", terms=MappingProxyType({}), selected=selected,
        assignments=assignments, total_cost=cost,
        shortfalls=shortfalls(network, rules, assignments, cost, stopped_early=True),
        rules=rules, settings=MappingProxyType({}),
        transition_cost=network.transition_cost(selected),
    ))
