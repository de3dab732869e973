"""An independent check of a plan against every rule, written apart from the model on purpose:
a bug in the formulation cannot hide behind itself."""

from __future__ import annotations

from collections import Counter, defaultdict

from orchestra.domain import Network, Plan

TOLERANCE = 1e-6


def check_plan(network: Network, plan: Plan) -> list[str]:
    """Every rule the plan breaks, as sentences; an empty list means the plan is valid."""
    rules = plan.rules
    broken: list[str] = []
    by_role: dict[str, list[str]] = defaultdict(list)
    used: Counter[str] = Counter()
    cost = sum(network.partner[p].fixed_cost for p in plan.selected)
    for a in plan.assignments:
        role = network.role[a.role_id]
        by_role[a.role_id].append(a.partner_id)
        offer = network.offer(a.partner_id, role.capability)
        if offer is None or offer.level < role.min_level:
            broken.append(f"{a.partner_id} does not qualify for {a.role_id}")
            continue
        if a.partner_id not in plan.selected:
            broken.append(f"{a.partner_id} works on {a.role_id} without being selected")
        used[a.partner_id] += role.load * offer.effort
        cost += role.load * offer.unit_cost
    for role_id, pids in by_role.items():
        role = network.role[role_id]
        if len(pids) > role.slots:
            broken.append(f"{role_id} has {len(pids)} partners for {role.slots} slots")
        if len(set(pids)) < len(pids):
            broken.append(f"a partner fills two slots of {role_id}")
    for pid, load in used.items():
        if load > network.partner[pid].capacity + TOLERANCE:
            broken.append(f"{pid} is over capacity: {load:g} > {network.partner[pid].capacity:g}")
    if abs(cost - plan.total_cost) > TOLERANCE * max(1.0, cost):
        broken.append(f"total cost is {cost:g}, the plan says {plan.total_cost:g}")
    if rules.budget is not None and cost > rules.budget + TOLERANCE:
        broken.append(f"cost {cost:g} is over the budget {rules.budget:g}")
    if rules.max_partners is not None and len(plan.selected) > rules.max_partners:
        broken.append(f"{len(plan.selected)} partners selected, max_partners is "
                      f"{rules.max_partners}")
    for pid in rules.must_include:
        if pid not in plan.selected:
            broken.append(f"must_include partner {pid} is not selected")
    for pid in rules.exclude:
        if pid in plan.selected:
            broken.append(f"excluded partner {pid} is selected")
    for lock in network.locks:
        if lock.partner_id not in by_role.get(lock.role_id, []):
            broken.append(f"lock {lock.role_id}->{lock.partner_id} is not kept")
    if rules.forbid_below_strength is not None:
        team = set(plan.selected)
        for rel in network.relationships:
            pair = {rel.partner_a, rel.partner_b}
            if rel.strength < rules.forbid_below_strength and pair <= team:
                broken.append(f"forbidden pair {rel.partner_a}-{rel.partner_b} both selected")
    open_slots = sum(r.slots - len(by_role.get(r.role_id, [])) for r in network.roles)
    slot_shortfalls = sum(1 for s in plan.shortfalls if s.role_id)
    if open_slots != slot_shortfalls:
        broken.append(f"{open_slots} open slots but {slot_shortfalls} shortfalls listed")
    need = rules.min_partners_per_touchpoint
    short_touchpoints = {s.touchpoint_id for s in plan.shortfalls if not s.role_id}
    for tp in network.touchpoints:
        roles = network.roles_of(tp.touchpoint_id)
        if need >= 2 and any(r.critical for r in roles):
            distinct = {p for r in roles for p in by_role.get(r.role_id, [])}
            if len(distinct) < need and tp.touchpoint_id not in short_touchpoints:
                broken.append(f"{tp.touchpoint_id} has {len(distinct)} partners, needs {need}, "
                              "and no shortfall says so")
    return broken
