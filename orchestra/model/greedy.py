"""A simple greedy plan: the solver's starting hint, and the benchmark's baseline.

Locks and must_include first; then roles, critical first and scarcest first, each slot going to
the cheapest qualified partner that still has capacity, fits the budget and the partner limit,
and has no forbidden tie to the team; a partner's fixed cost counts when it is first used.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from orchestra.model.data import Candidate, ModelData


@dataclass
class GreedyPlan:
    assigned: set[tuple[str, str]] = field(default_factory=set)
    selected: set[str] = field(default_factory=set)
    cost: float = 0.0


def greedy_plan(data: ModelData) -> GreedyPlan:
    network, rules = data.network, data.rules
    plan = GreedyPlan()
    left = {p.partner_id: p.capacity for p in network.partners}
    forbidden = network.conflicts(rules.forbid_below_strength)
    budget = rules.budget if rules.budget is not None else float("inf")
    limit = rules.max_partners if rules.max_partners is not None else len(network.partners)

    def join(pid: str) -> None:
        if pid not in plan.selected:
            plan.selected.add(pid)
            plan.cost += network.partner[pid].fixed_cost

    def take(cand: Candidate) -> None:
        join(cand.offer.partner_id)
        plan.assigned.add(cand.key)
        plan.cost += cand.cost
        left[cand.offer.partner_id] -= cand.usage

    for pid in rules.must_include:
        join(pid)
    by_key = {c.key: c for c in data.pairs}
    for lock in network.locks:
        take(by_key[(lock.role_id, lock.partner_id)])

    def price(cand: Candidate) -> float | None:
        pid = cand.offer.partner_id
        if cand.key in plan.assigned or left[pid] < cand.usage - 1e-9:
            return None
        extra = cand.cost
        if pid not in plan.selected:
            if len(plan.selected) >= limit or forbidden.get(pid, set()) & plan.selected:
                return None
            extra += network.partner[pid].fixed_cost
        if plan.cost + extra > budget + 1e-9:
            return None
        return extra

    order = sorted(network.roles, key=lambda r: (not r.critical, len(data.candidates[r.role_id]),
                                                 r.role_id))
    for role in order:
        taken = sum(1 for c in data.candidates[role.role_id] if c.key in plan.assigned)
        for _ in range(role.slots - taken):
            priced = [(p, c.offer.partner_id, c) for c in data.candidates[role.role_id]
                      if (p := price(c)) is not None]
            if not priced:
                break
            take(min(priced, key=lambda t: (t[0], t[1]))[2])
    return plan
