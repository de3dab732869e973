"""Turn "which partners fill which role" into the Plan's assignments and shortfalls; shared by
the solver and by plans given by hand (``given_plan``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from orchestra.domain import Assignment, Network, Rules, Shortfall
from orchestra.model.pricing import priced_rows
from orchestra.model.reasons import REDUNDANCY, explain_open_slot


def number_slots(network: Network, assigned: Mapping[str, Sequence[str]],
                 accepted: Mapping[str, str] | None = None) -> tuple[Assignment, ...]:
    """One Assignment per filled slot, priced by ``pricing.priced_rows`` (``accepted``: each
    partner's accepted alternate bid, as the solver chose; None: the cheapest). Slots are
    numbered with locked partners first, then by partner id: stable and readable."""
    locked = {(lk.role_id, lk.partner_id) for lk in network.locks}
    priced = priced_rows(network, assigned, accepted)
    rows = []
    for role in network.roles:
        ordered = sorted(assigned.get(role.role_id, ()),
                         key=lambda p, r=role.role_id: ((r, p) not in locked, p))
        for slot, pid in enumerate(ordered, start=1):
            # A plan made by hand may name a partner without the capability: no price, no
            # effort to count (check_plan says it does not qualify).
            offer = priced.get((role.role_id, pid))
            if offer is None:
                rows.append(Assignment(role.role_id, slot, pid, 0.0, 0.0,
                                       (role.role_id, pid) in locked))
                continue
            rows.append(Assignment(role.role_id, slot, pid, role.load * offer.unit_cost,
                                   role.load * offer.effort, (role.role_id, pid) in locked,
                                   offer.bid_id, offer.min_slots))
    return tuple(rows)


def capacity_used(assignments: Sequence[Assignment]) -> dict[str, float]:
    used: dict[str, float] = {}
    for a in assignments:
        used[a.partner_id] = used.get(a.partner_id, 0.0) + a.capacity_used
    return used


def total_cost(network: Network, selected: Sequence[str], assignments: Sequence[Assignment]
               ) -> float:
    """Fixed costs of the team plus the cost of every filled slot."""
    return (sum(network.partner[p].fixed_cost for p in selected)
            + sum(a.cost for a in assignments))


def shortfalls(network: Network, rules: Rules, assignments: Sequence[Assignment],
               cost: float, stopped_early: bool) -> tuple[Shortfall, ...]:
    """Every open slot with its reason, then every critical touchpoint short of
    ``min_partners_per_touchpoint`` distinct partners."""
    assigned: dict[str, set[str]] = {r.role_id: set() for r in network.roles}
    for a in assignments:
        assigned[a.role_id].add(a.partner_id)
    used = capacity_used(assignments)
    rows = []
    for role in network.roles:
        have = len(assigned[role.role_id])
        if have >= role.slots:
            continue
        code, reason = explain_open_slot(network, rules, role, assigned, used, cost,
                                         stopped_early)
        rows += [Shortfall(role.role_id, slot, role.touchpoint_id, role.critical, code, reason)
                 for slot in range(have + 1, role.slots + 1)]
    need = rules.min_partners_per_touchpoint
    if need >= 2:
        for tp in network.touchpoints:
            roles = network.roles_of(tp.touchpoint_id)
            if not any(r.critical for r in roles):
                continue
            distinct = {p for r in roles for p in assigned[r.role_id]}
            if len(distinct) < need:
                rows.append(Shortfall(
                    "", 0, tp.touchpoint_id, True, REDUNDANCY,
                    f"touchpoint {tp.touchpoint_id} has {len(distinct)} distinct partner(s), the "
                    f"rules ask for {need} (its {len(roles)} role(s) cannot be spread over more "
                    "qualified partners)"))
    return tuple(rows)
