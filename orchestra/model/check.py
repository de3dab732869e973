"""An independent check of a plan against every rule, written apart from the model on purpose:
a bug in the formulation cannot hide behind itself."""

from __future__ import annotations

from collections import Counter, defaultdict

from orchestra.domain import Network, Plan

TOLERANCE = 1e-6


def check_plan(network: Network, plan: Plan) -> list[str]:
    """Every rule the plan breaks, as sentences; an empty list means the plan is valid.

    A sentence about slots read from a file (a lock, a row of a plan made by hand) starts with
    the cells of those rows: ``[mine.xlsx]locks!B3: P07 does not qualify for R12 ...``.
    """
    rules = plan.rules
    broken: list[str] = []
    cells: dict[tuple[str, str], list[str]] = defaultdict(list)
    for lock in network.locks:
        if lock.where:
            cells[(lock.role_id, lock.partner_id)].append(lock.where)

    def at(pairs) -> str:
        found = list(dict.fromkeys(c for pair in pairs for c in cells.get(pair, ())))
        return ", ".join(found) + ": " if found else ""

    by_role: dict[str, list[str]] = defaultdict(list)
    used: Counter[str] = Counter()
    cost = sum(network.partner[p].fixed_cost for p in plan.selected)
    for a in plan.assignments:
        role = network.role[a.role_id]
        by_role[a.role_id].append(a.partner_id)
        offer = network.offer(a.partner_id, role)
        if offer is None or offer.level < role.min_level:
            have = f"offers level {offer.level}" if offer else "does not offer it"
            broken.append(f"{at([(a.role_id, a.partner_id)])}{a.partner_id} does not qualify for "
                          f"{a.role_id} (needs {role.capability} at level {role.min_level}, "
                          f"{have})")
        if a.partner_id not in plan.selected:
            broken.append(f"{a.partner_id} works on {a.role_id} without being selected")
        # A slot is work whether or not the partner qualifies: without an offer, at effort 1.
        used[a.partner_id] += role.load * (offer.effort if offer is not None else 1.0)
        if offer is None:
            continue
        price = next((row for row in network.prices(a.partner_id, role)
                      if (row.bid_id, row.min_slots) == (a.bid_id, a.min_slots)), None)
        if price is None:
            broken.append(f"{a.partner_id}'s slot of {a.role_id} is priced by bid "
                          f"'{a.bid_id}', tier {a.min_slots}, which its offer does not have")
            price = offer
        cost += role.load * price.unit_cost
    broken += _price_problems(network, plan)
    for role_id, pids in by_role.items():
        role = network.role[role_id]
        rows = [(role_id, p) for p in pids]
        if len(pids) > role.slots:
            broken.append(f"{at(rows)}{role_id} has {len(pids)} partners for {role.slots} slots")
        for pid in sorted(p for p in set(pids) if pids.count(p) > 1):
            broken.append(f"{at([(role_id, pid)])}{pid} fills {pids.count(pid)} slots of "
                          f"{role_id} (each slot needs a different partner)")
    for pid, load in used.items():
        if load > network.partner[pid].capacity + TOLERANCE:
            rows = [(a.role_id, pid) for a in plan.assignments if a.partner_id == pid]
            broken.append(f"{at(rows)}{pid} is over capacity: {load:g} > "
                          f"{network.partner[pid].capacity:g}")
    if abs(cost - plan.total_cost) > TOLERANCE * max(1.0, cost):
        broken.append(f"total cost is {cost:g}, the plan says {plan.total_cost:g}")
    if rules.budget is not None and cost > rules.budget + TOLERANCE:
        broken.append(f"cost {cost:,.2f} is over the budget {rules.budget:,.2f}")
    if rules.max_partners is not None and len(plan.selected) > rules.max_partners:
        broken.append(f"{len(plan.selected)} partners selected, max_partners is "
                      f"{rules.max_partners}")
    for pid in rules.must_include:
        if pid not in plan.selected:
            broken.append(f"must_include partner {pid} is not selected")
    for pid in rules.exclude:
        if pid in plan.selected:
            rows = [(a.role_id, pid) for a in plan.assignments if a.partner_id == pid]
            broken.append(f"{at(rows)}excluded partner {pid} is selected")
    for role_id, pid in sorted(rules.barred):
        if pid in by_role.get(role_id, []):
            broken.append(f"{at([(role_id, pid)])}{pid} serves {role_id}, which it is kept off")
    if plan.status != "given":  # a plan made by hand is its own locks
        for lock in network.locks:
            if lock.partner_id not in by_role.get(lock.role_id, []):
                broken.append(f"{at([(lock.role_id, lock.partner_id)])}lock "
                              f"{lock.role_id}->{lock.partner_id} is not kept")
    for other in rules.other_than:
        apart = len(set(plan.selected) ^ other)
        if apart < rules.min_difference:
            broken.append(f"the team differs from an earlier one in {apart} partner(s), "
                          f"fewer than {rules.min_difference}")
    if rules.max_changes is not None and network.current:
        kept = {(a.role_id, a.partner_id) for a in plan.assignments}
        ended = [c for c in network.current if (c.role_id, c.partner_id) not in kept]
        if len(ended) > rules.max_changes:
            broken.append(f"{len(ended)} of today's assignments end, max_changes is "
                          f"{rules.max_changes}")
    for rule in network.rules:  # written apart from reasons.rule_obstacle on purpose
        if rule.rule == "same_partner":
            serving = {p for r in rule.roles for p in by_role.get(r, [])}
            if len(serving) > 1:
                broken.append(f"{rule.where + ': ' if rule.where else ''}{rule} is broken: "
                              f"{', '.join(sorted(serving))} share its roles")
        elif rule.rule == "single_source":
            serving = {p for r in rule.roles for p in by_role.get(r, [])}
            if len(serving) > rule.limit:
                broken.append(f"{rule.where + ': ' if rule.where else ''}{rule} is broken: "
                              f"{len(serving)} partners ({', '.join(sorted(serving))})")
        elif rule.rule == "requires":
            first, *needed = rule.partners
            missing = [p for p in needed if p not in plan.selected]
            if first in plan.selected and missing:
                broken.append(f"{rule.where + ': ' if rule.where else ''}{rule} is broken: "
                              f"{first} is selected without {', '.join(missing)}")
        elif rule.rule == "max_share":
            counted = [a for a in plan.assignments if rule.shares(a.role_id)]
            filled = len(counted)
            for pid in rule.partners or plan.selected:
                mine = sum(1 for a in counted if a.partner_id == pid)
                if mine > rule.limit * filled + TOLERANCE:
                    broken.append(f"{rule.where + ': ' if rule.where else ''}{rule} is broken: "
                                  f"{pid} fills {mine} of {filled} slots")
    if rules.forbid_below_strength is not None:
        team = set(plan.selected)
        for rel in network.relationships:
            pair = {rel.partner_a, rel.partner_b}
            if rel.strength < rules.forbid_below_strength and pair <= team:
                broken.append(f"forbidden pair {rel.partner_a}-{rel.partner_b} both selected "
                              f"(strength {rel.strength:g}, below {rules.forbid_below_strength:g})")
    open_slots = sum(max(0, r.slots - len(set(by_role.get(r.role_id, [])))) for r in network.roles)
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


def _price_problems(network: Network, plan: Plan) -> list[str]:
    """Alternate bids and volume tiers: at most one bid of a partner accepted, every tier's
    slots taken, and each slot at the cheapest price these leave open."""
    broken = []
    bids: dict[str, set[str]] = defaultdict(set)
    taken: Counter[tuple[str, str]] = Counter()
    for a in plan.assignments:
        taken[(a.partner_id, network.role[a.role_id].capability)] += 1
        if a.bid_id:
            bids[a.partner_id].add(a.bid_id)
    for pid, used in sorted(bids.items()):
        if len(used) > 1:
            broken.append(f"{pid}'s slots are priced from {len(used)} of its alternate bids "
                          f"({', '.join(sorted(used))}); at most one is accepted")
    for a in plan.assignments:
        role = network.role[a.role_id]
        have = taken[(a.partner_id, role.capability)]
        if a.min_slots > have:
            broken.append(f"{a.partner_id}'s price for {a.role_id} is its tier of "
                          f"{a.min_slots} slots of {role.capability}, and it takes {have}")
        accepted = next(iter(bids.get(a.partner_id, ())), "")
        cheaper = [row.unit_cost for row in network.prices(a.partner_id, role)
                   if row.bid_id in ("", accepted) and row.min_slots <= have
                   and role.load * row.unit_cost < a.cost - TOLERANCE * max(1.0, a.cost)]
        if cheaper:
            broken.append(f"{a.partner_id}'s slot of {a.role_id} costs {a.cost:g}; its price "
                          f"{min(cheaper):g} per unit of load is open to this plan")
    return broken
