"""Greedy plans: the benchmark's baseline, and the solver's starting hint.

Locks and must_include first; then roles, critical first and scarcest first, each slot going to
the qualified partner with the lowest price that still has capacity, fits the budget and the
partner limit, and has no forbidden tie to the team. The *baseline* prices a slot at its cost,
plus the partner's fixed cost when it is first used (cheapest qualified partner first). The
*weighted* greedy prices it in the model's own objective units (cost, unreliability, cohesion
with the team so far) and leaves an optional slot open when filling it costs more than the
profile values it; it starts the solver much closer to the optimum on large networks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from orchestra.model.data import Candidate, ModelData
from orchestra.model.pricing import priced_openly, priced_rows
from orchestra.model.reasons import rule_obstacle
from orchestra.model.transition import held_to_the_end


@dataclass
class GreedyPlan:
    assigned: set[tuple[str, str]] = field(default_factory=set)
    selected: set[str] = field(default_factory=set)
    cost: float = 0.0

    def keeps_every_rule(self, data: ModelData) -> bool:
        """Whether the plan keeps the rules the greedy cannot always keep while it builds:
        ``max_changes`` (today's network may not fit the other rules), the rules sheet (a
        partner forced in may require one that never got a role) and the teams it must differ
        from (``plan --alternatives``)."""
        network = data.network
        if network.priced_in_bids and not self._priced_within_rules(data):
            return False
        if not data.rules.differs_enough(self.selected | set(data.rules.must_include)):
            return False
        limit = data.rules.max_changes
        if limit is not None and sum(1 for c in network.current if (c.role_id, c.partner_id)
                                     not in self.assigned) > limit:
            return False
        if data.calendar is not None and any(
                (c.role_id, c.partner_id) not in self.assigned
                and (c.role_id, c.partner_id) in data.all_candidates_keys
                for c in held_to_the_end(network, data.calendar)):
            return False  # a contract the calendar holds (it runs to the horizon's end)
        if not network.rules:
            return True
        by_role: dict[str, set[str]] = {}
        for role_id, pid in self.assigned:
            by_role.setdefault(role_id, set()).add(pid)
        for role_id, pid in self.assigned:
            others = {r: ps - {pid} if r == role_id else ps for r, ps in by_role.items()}
            if rule_obstacle(network, role_id, pid, others, self.selected):
                return False
        return all(set(r.partners[1:]) <= self.selected for r in network.rules
                   if r.rule == "requires" and r.partners[0] in self.selected)


    def _priced_within_rules(self, data: ModelData) -> bool:
        """The greedy prices slots at their offers' face; priced as a plan is (alternate bids,
        volume tiers), it must still be open to those prices and fit the budget."""
        network = data.network
        assigned: dict[str, list[str]] = {}
        for role_id, pid in self.assigned:
            assigned.setdefault(role_id, []).append(pid)
        rows = priced_rows(network, assigned)
        cost = (sum(network.partner[p].fixed_cost for p in self.selected)
                + sum(network.role[r].load * row.unit_cost for (r, _), row in rows.items()))
        budget = data.rules.budget
        return priced_openly(network, rows) and (budget is None or cost <= budget + 1e-9)


def greedy_plan(data: ModelData, weighted: bool = False) -> GreedyPlan:
    network, rules = data.network, data.rules
    profile = rules.profile
    plan = GreedyPlan()
    left = {p.partner_id: p.capacity for p in network.partners}
    forbidden = network.conflicts(rules.forbid_below_strength)
    budget = rules.budget if rules.budget is not None else float("inf")
    limit = rules.max_partners if rules.max_partners is not None else len(network.partners)
    ties: dict[str, dict[str, float]] = {}
    for rel in network.relationships:
        ties.setdefault(rel.partner_a, {})[rel.partner_b] = rel.strength
        ties.setdefault(rel.partner_b, {})[rel.partner_a] = rel.strength

    def join(pid: str) -> None:
        if pid not in plan.selected:
            plan.selected.add(pid)
            plan.cost += network.partner[pid].fixed_cost

    by_role: dict[str, set[str]] = {}

    def take(cand: Candidate) -> None:
        join(cand.offer.partner_id)
        plan.assigned.add(cand.key)
        by_role.setdefault(cand.role.role_id, set()).add(cand.offer.partner_id)
        plan.cost += cand.cost
        left[cand.offer.partner_id] -= cand.usage

    for pid in rules.must_include:
        join(pid)
    by_key = {c.key: c for c in data.pairs}
    for lock in network.locks:
        take(by_key[(lock.role_id, lock.partner_id)])
    # Today's contracts the calendar holds (to the horizon's end, no early end) stay, as
    # locks do, where they still fit.
    held = held_to_the_end(network, data.calendar) if data.calendar is not None else []
    for c in held:
        cand = by_key.get((c.role_id, c.partner_id))
        if (cand is not None and cand.key not in plan.assigned
                and left.get(cand.offer.partner_id, 0.0) + 1e-9 >= cand.usage
                and len(by_role.get(c.role_id, ())) < cand.role.slots):
            take(cand)

    def objective_delta(cand: Candidate, joins: bool) -> float:
        """What taking ``cand`` adds to the weighted objective (model units)."""
        pid = cand.offer.partner_id
        delta = profile.cost_weight * data.money(cand.cost)
        delta += data.in_typical_slots(profile.reliability_weight * data.touchpoint_weight(
            cand.role) * (1 - network.reliability_of(pid, cand.role)))
        if joins:
            delta += profile.cost_weight * data.money(network.partner[pid].fixed_cost)
            # Joining costs onboarding, or saves an exit.
            sign = -1 if pid in network.incumbents else 1
            delta += sign * profile.cost_weight * data.money(data.one_off(pid))
            delta -= sum(data.in_typical_slots(profile.cohesion_weight * strength)
                         for other, strength in ties.get(pid, {}).items()
                         if other in plan.selected)
        return delta

    def price(cand: Candidate) -> float | None:
        pid = cand.offer.partner_id
        if cand.key in plan.assigned or left[pid] < cand.usage - 1e-9:
            return None
        if network.rules and rule_obstacle(network, cand.role.role_id, pid, by_role,
                                           plan.selected, shares=False):
            return None
        extra = cand.cost
        joins = pid not in plan.selected
        if joins:
            if len(plan.selected) >= limit or forbidden.get(pid, set()) & plan.selected:
                return None
            extra += network.partner[pid].fixed_cost
        if plan.cost + extra > budget + 1e-9:
            return None
        return objective_delta(cand, joins) if weighted else extra

    def worth_filling(role, best: float) -> bool:
        if not weighted or role.critical or profile.fill_all_first:
            return True
        return best < data.in_typical_slots(profile.fill_weight * data.touchpoint_weight(role))

    if rules.max_changes is not None:  # today's network first, as far as the rules allow
        for pair in network.current:
            cand = by_key.get((pair.role_id, pair.partner_id))
            if cand is not None and price(cand) is not None:
                take(cand)
    kept = [s for s in network.standards if rules.meet_standards and s.plannable]

    def breaks_standard(cand: Candidate) -> bool:
        """Slower than the touchpoint's response target, or below its on-time target (a team
        of partners each at the target keeps the load-weighted mean at it)."""
        pid, role = cand.offer.partner_id, cand.role
        for standard in kept:
            if role not in network.covered(standard):
                continue
            if standard.metric == "response_hours":
                if standard.too_slow(network.response_of(pid, role)):
                    return True
            elif network.reliability_of(pid, role) < standard.target - 1e-9:
                return True
        return False

    order = sorted(network.roles, key=lambda r: (not r.critical, len(data.candidates[r.role_id]),
                                                 r.role_id))
    for role in order:
        taken = sum(1 for c in data.candidates[role.role_id] if c.key in plan.assigned)
        for _ in range(role.slots - taken):
            priced = [(p, c.offer.partner_id, c) for c in data.candidates[role.role_id]
                      if (p := price(c)) is not None]
            if not priced:
                break
            # A partner within the touchpoint's standards first, if there is one.
            keeping = [t for t in priced if not breaks_standard(t[2])]
            best = min(keeping or priced, key=lambda t: (t[0], t[1]))
            if not worth_filling(role, best[0]):
                break
            take(best[2])
    return plan
