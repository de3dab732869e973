"""The CP-SAT formulation: variables, then one ``add_<rule>`` function per rule of the spec.

Variables carry their indices in their names (``assign[R12,P07]``). Slots of a role are
interchangeable, so the model decides *which partners* serve a role (at most ``slots`` of them),
not which partner sits in slot 1 or 2: no symmetric copies for the solver to wade through.
Numbering the slots is left to reading the solution.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from orchestra.calendar import at_once
from orchestra.domain import Capability, Role
from orchestra.model.data import ModelData, decimal_scale
from orchestra.model.transition import phased, timing


@dataclass
class PlanningModel:
    data: ModelData
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    select: dict[str, cp_model.IntVar] = field(default_factory=dict)
    assign: dict[tuple[str, str], cp_model.IntVar] = field(default_factory=dict)
    distinct: dict[tuple[str, str], cp_model.IntVar] = field(default_factory=dict)
    redundancy_short: dict[str, cp_model.IntVar] = field(default_factory=dict)
    standby: dict[tuple[str, str], cp_model.IntVar] = field(default_factory=dict)
    unprotected: dict[str, cp_model.IntVar] = field(default_factory=dict)
    together: dict[tuple[str, str], cp_model.IntVar] = field(default_factory=dict)
    # Where an offer has several prices (alternate bids, volume tiers): one variable per price
    # row of each (role, partner) pair, exactly one of them set when the pair is; and each
    # partner's alternate bids, at most one accepted.
    price: dict[tuple[str, str], list[tuple[Capability, cp_model.IntVar]]] = field(
        default_factory=dict)
    accepted: dict[tuple[str, str], cp_model.IntVar] = field(default_factory=dict)
    # Objective terms, each a linear expression in integer objective units, by name.
    terms: dict[str, cp_model.LinearExprT] = field(default_factory=dict)
    # Open slots, ranked above the terms: critical ones (and redundancy), then optional ones
    # when the profile fills everything first.
    open_critical: cp_model.LinearExprT = 0
    open_optional: cp_model.LinearExprT = 0
    # Critical roles on moments of truth without a standby partner (``protect_moments_of_truth``),
    # ranked after the critical open slots and before the optional ones.
    open_protection: cp_model.LinearExprT = 0
    # Hard standards the plan misses, by (touchpoint, metric); weighted by importance, ranked
    # after the critical open slots and before the standbys.
    missed: dict[tuple[str, str, str], cp_model.IntVar] = field(default_factory=dict)
    open_standards: cp_model.LinearExprT = 0
    standards_most: int = 0  # the largest value open_standards can take
    # Each miss's weight, by standard (``Standard.key``).
    standard_units: dict[tuple[str, str, str], int] = field(default_factory=dict)

    def assigned_to(self, role_id: str) -> list[cp_model.IntVar]:
        return [self.assign[c.key] for c in self.data.candidates[role_id]]


def add_variables(pm: PlanningModel) -> None:
    """One selection variable per partner that could work; one assignment variable per pair that
    qualifies. A partner that cannot qualify for anything gets no variable at all."""
    for pid in pm.data.partner_ids:
        pm.select[pid] = pm.model.new_bool_var(f"select[{pid}]")
    for cand in pm.data.pairs:
        role_id, pid = cand.key
        pm.assign[cand.key] = pm.model.new_bool_var(f"assign[{role_id},{pid}]")


# --- hard rules --------------------------------------------------------------------------------


def add_price_choice(pm: PlanningModel) -> None:
    """A pair whose offer has several prices is priced by exactly one of them (the rules of
    alternate bids and volume tiers say which may be used; the cost term picks the cheapest)."""
    network = pm.data.network
    if not network.priced_in_bids:
        return  # one price per offer: the assignment variable prices the slot
    for cand in pm.data.pairs:
        rows = network.prices(cand.offer.partner_id, cand.role)
        if len(rows) == 1 and rows[0].is_base:
            continue
        role_id, pid = cand.key
        choice = [(row, pm.model.new_bool_var(f"price[{role_id},{pid},{k}]"))
                  for k, row in enumerate(rows)]
        pm.model.add(sum(var for _, var in choice) == pm.assign[cand.key])
        pm.price[cand.key] = choice


def add_alternate_bids(pm: PlanningModel) -> None:
    """At most one of a partner's alternate bids is accepted, and a price of a bid is used
    only if that bid is accepted (prices in no bid are open in every plan)."""
    bids: dict[str, list[cp_model.IntVar]] = {}
    for (_role_id, pid), choice in pm.price.items():
        for row, var in choice:
            if not row.bid_id:
                continue
            key = (pid, row.bid_id)
            if key not in pm.accepted:
                pm.accepted[key] = pm.model.new_bool_var(f"accepted[{pid},{row.bid_id}]")
                bids.setdefault(pid, []).append(pm.accepted[key])
            pm.model.add_implication(var, pm.accepted[key])
    for accepted in bids.values():
        if len(accepted) > 1:
            pm.model.add_at_most_one(accepted)


def add_volume_tiers(pm: PlanningModel) -> None:
    """A tier's price is used only if the partner takes at least its ``min_slots`` slots of
    the capability (each slot picks its price, so the best tier reached prices them all).
    Written as "its other slots of the capability number at least ``min_slots`` - 1": the
    same in whole numbers (the price is used only on a slot it takes), and tighter in the LP,
    where counting the slot itself let a price be used by half with no other slot taken."""
    if not any(row.min_slots > 1 for choice in pm.price.values() for row, _ in choice):
        return
    slots: dict[tuple[str, str], list[cp_model.IntVar]] = {}
    for cand in pm.data.pairs:
        slots.setdefault((cand.offer.partner_id, cand.role.capability), []).append(
            pm.assign[cand.key])
    for key, choice in pm.price.items():
        for row, var in choice:
            if row.min_slots > 1:
                others = sum(slots[(key[1], row.capability)]) - pm.assign[key]
                pm.model.add(others >= row.min_slots - 1).only_enforce_if(var)


def add_slot_limits(pm: PlanningModel) -> None:
    """Each slot of a role gets at most one partner, and one partner at most one slot of a role:
    at most ``slots`` distinct partners per role (one 0/1 variable per partner and role)."""
    for role in pm.data.network.roles:
        members = pm.assigned_to(role.role_id)
        if len(members) > role.slots:
            pm.model.add(sum(members) <= role.slots)


def add_only_selected_work(pm: PlanningModel) -> None:
    """A partner takes a role only if it is selected."""
    for (_role_id, pid), var in pm.assign.items():
        pm.model.add_implication(var, pm.select[pid])


def add_no_idle_partners(pm: PlanningModel) -> None:
    """A selected partner takes at least one role or stands by for one, unless the policy
    forces it in: selecting idle partners helps nobody."""
    forced = set(pm.data.rules.must_include)
    duties: dict[str, list[cp_model.IntVar]] = {pid: [] for pid in pm.select}
    for (_role_id, pid), var in [*pm.assign.items(), *pm.standby.items()]:
        duties[pid].append(var)
    for pid, works in duties.items():
        if pid not in forced:
            pm.model.add(pm.select[pid] <= sum(works))


def add_capacity(pm: PlanningModel) -> None:
    """A selected partner's slots use at most its capacity: sum of load * effort."""
    usage: dict[str, list] = {pid: [] for pid in pm.select}
    most: dict[str, int] = dict.fromkeys(pm.select, 0)
    for cand in pm.data.pairs:
        pid, units = cand.offer.partner_id, pm.data.usage(cand.usage)
        usage[pid].append(units * pm.assign[cand.key])
        most[pid] += units
    for pid, terms in usage.items():
        capacity = pm.data.capacity(pm.data.network.partner[pid].capacity)
        if terms and most[pid] > capacity:  # else it can take every role it qualifies for
            pm.model.add(sum(terms) <= capacity * pm.select[pid])


def slot_costs_by_pair(pm: PlanningModel) -> list[tuple[tuple[tuple[str, str], float],
                                                          cp_model.IntVar]]:
    """Every pair's slot cost in money at each price it may be paid, with the variable set
    when it is: ((pair, cost), variable)."""
    out = []
    for c in pm.data.pairs:
        if c.key in pm.price:
            out += [((c.key, c.role.load * row.unit_cost), var) for row, var in pm.price[c.key]]
        else:
            out.append(((c.key, c.cost), pm.assign[c.key]))
    return out


def slot_costs(pm: PlanningModel) -> list[tuple[int, cp_model.IntVar]]:
    """Every filled slot's cost in scaled money, as (cost, variable set when it is paid)."""
    return [(pm.data.money(cost), var) for (_, cost), var in slot_costs_by_pair(pm)]


def cost_expression(pm: PlanningModel) -> cp_model.LinearExprT:
    """Total cost in scaled money: fixed costs of selected partners plus every filled slot."""
    fixed = [pm.data.money(pm.data.network.partner[pid].fixed_cost) * var
             for pid, var in pm.select.items()]
    return sum(fixed) + sum(cost * var for cost, var in slot_costs(pm))


def add_budget(pm: PlanningModel) -> None:
    """Total cost stays within the policy's budget."""
    if pm.data.rules.budget is not None:
        pm.model.add(cost_expression(pm) <= pm.data.money(pm.data.rules.budget))


def add_max_partners(pm: PlanningModel) -> None:
    """At most ``max_partners`` partners are selected."""
    limit = pm.data.rules.max_partners
    if limit is not None and len(pm.select) > limit:
        pm.model.add(sum(pm.select.values()) <= limit)


def add_must_include(pm: PlanningModel) -> None:
    """Partners the policy names in ``must_include`` are selected."""
    for pid in pm.data.rules.must_include:
        pm.model.add(pm.select[pid] == 1)


def add_exclude(pm: PlanningModel) -> None:
    """Partners in ``exclude`` never join: they got no variables (see ``ModelData.candidates``),
    so this rule only checks that nothing slipped through."""
    assert not set(pm.data.rules.exclude) & set(pm.select), "an excluded partner has a variable"


def add_locks(pm: PlanningModel) -> None:
    """Each lock fixes its partner on one slot of its role."""
    for lock in pm.data.network.locks:
        pm.model.add(pm.assign[(lock.role_id, lock.partner_id)] == 1)


def add_max_changes(pm: PlanningModel) -> None:
    """At most ``max_changes`` of today's (role, partner) pairs end: each pair of the current
    sheet that the plan does not keep counts one (a pair the policy rules out always counts)."""
    limit = pm.data.rules.max_changes
    current = pm.data.network.current
    if limit is None or not current:
        return
    ended = [1 - pm.assign[key] if key in pm.assign else 1
             for key in ((c.role_id, c.partner_id) for c in current)]
    pm.model.add(sum(ended) <= limit)


def _rules_of(pm: PlanningModel, kind: str) -> list:
    return [r for r in pm.data.network.rules if r.rule == kind]


def _filled(pm: PlanningModel, role_id: str) -> cp_model.LinearExprT:
    return sum(pm.assigned_to(role_id))


def add_same_partner(pm: PlanningModel) -> None:
    """One partner serves all the roles of a ``same_partner`` rule: whoever fills one of them
    fills every other that is filled (a role nobody can share stays open, not broken)."""
    for rule in _rules_of(pm, "same_partner"):
        partners = {pid for rid in rule.roles for pid in
                    (c.offer.partner_id for c in pm.data.candidates[rid])}
        for first in rule.roles:
            for other in rule.roles:
                if first == other:
                    continue
                for pid in sorted(partners):
                    if (first, pid) not in pm.assign:
                        continue
                    # p on `first` => `other` is open or also p's.
                    also = pm.assign.get((other, pid), 0)
                    pm.model.add(pm.assign[(first, pid)] + _filled(pm, other) - also <= 1)


def add_single_source(pm: PlanningModel) -> None:
    """At most ``limit`` distinct partners across all slots of the rule's roles."""
    for k, rule in enumerate(_rules_of(pm, "single_source")):
        by_partner: dict[str, list[cp_model.IntVar]] = {}
        for rid in rule.roles:
            for cand in pm.data.candidates[rid]:
                by_partner.setdefault(cand.offer.partner_id, []).append(pm.assign[cand.key])
        if len(by_partner) <= rule.limit:
            continue
        uses = []
        for pid, works in by_partner.items():
            used = pm.model.new_bool_var(f"source[{k},{pid}]")
            for var in works:
                pm.model.add_implication(var, used)
            uses.append(used)
        pm.model.add(sum(uses) <= int(rule.limit))


def add_requires(pm: PlanningModel) -> None:
    """The first partner of a ``requires`` rule is selected only if each of the others is."""
    for rule in _rules_of(pm, "requires"):
        first, *needed = rule.partners
        if first not in pm.select:
            continue
        for pid in needed:
            if pid in pm.select:
                pm.model.add_implication(pm.select[first], pm.select[pid])
            else:  # what it requires can never join
                pm.model.add(pm.select[first] == 0)


def add_max_share(pm: PlanningModel) -> None:
    """Each partner of a ``max_share`` rule (every partner when none is named) fills at most
    share ``limit`` of all filled slots (of its roles', when it names them: one site's), in
    whole numbers: slots * 10^d <= share * 10^d * all."""
    rules = _rules_of(pm, "max_share")
    if not rules or pm.data.share_partners == frozenset():
        return
    chosen = pm.data.share_partners
    counted: dict[tuple[str, ...], tuple] = {}  # per set of roles counted (() all): once
    for k, rule in enumerate(rules):
        if rule.roles not in counted:
            # The count of filled slots, once, so that each partner's constraint stays short.
            vars_ = {key: var for key, var in pm.assign.items() if rule.shares(key[0])}
            every = pm.model.new_int_var(0, len(vars_), f"filled_slots[{k}]")
            pm.model.add(every == sum(vars_.values()))
            slots: dict[str, list[cp_model.IntVar]] = {}
            for (_, pid), var in vars_.items():
                slots.setdefault(pid, []).append(var)
            counted[rule.roles] = (every, slots)
        every, slots = counted[rule.roles]
        scale = decimal_scale([rule.limit], max_decimals=6)
        allowed = round(rule.limit * scale)
        for pid in rule.partners or tuple(pm.select):
            if pid in slots and (chosen is None or pid in chosen):
                pm.model.add(scale * sum(slots[pid]) <= allowed * every)


def add_standards(pm: PlanningModel) -> None:
    """With ``meet_standards``, each hard standard is met unless it is counted as missed, over
    the slots it covers (``Network.covered``), where an open slot delivers nothing:
    ``response_hours``: every covered slot is filled and no partner on one answers slower than
    the target; ``on_time_rate``: sum over the filled covered slots of reliability x load is at
    least target x the covered load (a constant: sum of slots x load), linear and exact.
    Misses are weighted by the touchpoint's importance."""
    data = pm.data
    network = data.network
    if not data.rules.meet_standards:
        return
    weights = []
    for standard in network.standards:
        if not standard.plannable:
            continue
        tid = standard.touchpoint_id
        covered = network.covered(standard)
        if not covered:
            continue
        cands = [c for role in covered for c in data.candidates[role.role_id]]
        missed = pm.model.new_bool_var(f"missed[{','.join(standard.key)}]")
        if standard.metric == "response_hours":
            for c in cands:
                if standard.too_slow(network.response_of(c.offer.partner_id, c.role)):
                    pm.model.add_implication(pm.assign[c.key], missed)
            for role in covered:  # an open covered slot misses it
                pm.model.add(_filled(pm, role.role_id) >= role.slots).only_enforce_if(
                    missed.Not())
        else:
            units, need = on_time_units(network, standard, cands)
            pm.model.add(sum(u * pm.assign[key] for key, u in units.items()) >= need
                         ).only_enforce_if(missed.Not())
            for key in beyond_repair(covered, data, units, need):
                pm.model.add_implication(pm.assign[key], missed)
        pm.missed[standard.key] = missed
        weights.append(network.touchpoint[tid].importance)
    if pm.missed:
        scale = decimal_scale(weights, max_decimals=3)
        units = [max(1, round(w * scale)) for w in weights]
        pm.open_standards = sum(u * var for u, var in zip(units, pm.missed.values(),
                                                          strict=True))
        pm.standards_most = sum(units)
        pm.standard_units = dict(zip(pm.missed, units, strict=True))


def on_time_units(network, standard, cands) -> tuple[dict[tuple[str, str], int], int]:
    """An on-time standard's row in whole numbers: each candidate's reliability x load, and the
    target x the covered load it must reach, scaled alike (exact for up to six decimals)."""
    weight, total = network.on_time_weights(standard)
    values = {c.key: weight[c.role.role_id] * network.reliability_of(c.offer.partner_id, c.role)
              for c in cands}
    need = standard.target * total
    scale = decimal_scale([*values.values(), need], max_decimals=6)
    return {k: round(v * scale) for k, v in values.items()}, math.ceil(need * scale - 1e-6)


def beyond_repair(roles: Sequence[Role], data: ModelData, units: dict[tuple[str, str], int],
                   need: int) -> list[tuple[str, str]]:
    """The pairs that sink an on-time standard alone: with the best partners on every other
    covered slot the row still falls short of ``need``. The row implies it; said outright,
    the search need not find it (see docs/performance.md).

    >>> from types import SimpleNamespace as N
    >>> a, b = N(role_id="a", slots=1), N(role_id="b", slots=1)
    >>> data = N(candidates={"a": [N(key=("a", "P1")), N(key=("a", "P2"))],
    ...                      "b": [N(key=("b", "P3"))]})
    >>> beyond_repair([a, b], data, {("a", "P1"): 3, ("a", "P2"): 9, ("b", "P3"): 9}, 15)
    [('a', 'P1')]
    """
    best = {role.role_id: sorted((units[c.key] for c in data.candidates[role.role_id]),
                                 reverse=True) for role in roles}
    ceiling = sum(sum(best[role.role_id][:role.slots]) for role in roles)
    out = []
    for role in roles:
        top = best[role.role_id][:role.slots]
        # Taking a slot of its role, a pair leaves the role's other slots to its best others.
        others = ceiling - (top[-1] if len(top) == role.slots else 0)
        out += [c.key for c in data.candidates[role.role_id] if units[c.key] + others < need]
    return out


def add_different_teams(pm: PlanningModel) -> None:
    """The team differs from each team in ``other_than`` in at least ``min_difference``
    partners: with T the earlier team, sum(select in T) - sum(select outside T) <= |T| - D
    (the partners it drops plus those it adds are at least D)."""
    rules = pm.data.rules
    for other in rules.other_than:
        inside = [var for pid, var in pm.select.items() if pid in other]
        outside = [var for pid, var in pm.select.items() if pid not in other]
        pm.model.add(sum(inside) - sum(outside) <= len(other) - rules.min_difference)


def add_forbidden_pairs(pm: PlanningModel) -> None:
    """Two partners whose strength is below ``forbid_below_strength`` are never both selected."""
    threshold = pm.data.rules.forbid_below_strength
    if threshold is None:
        return
    for rel in pm.data.network.relationships:
        if rel.strength < threshold and rel.partner_a in pm.select and rel.partner_b in pm.select:
            pm.model.add_bool_or([pm.select[rel.partner_a].Not(), pm.select[rel.partner_b].Not()])


def add_redundancy(pm: PlanningModel) -> None:
    """At least ``min_partners_per_touchpoint`` distinct partners serve each touchpoint that has a
    critical role. Elastic: a touchpoint that cannot reach it keeps a counted shortfall.

    With one partner required, filling the critical role already gives one, so the rule adds
    variables only from two partners up.
    """
    need = pm.data.rules.min_partners_per_touchpoint
    if need < 2:
        return
    network = pm.data.network
    for touchpoint in network.touchpoints:
        roles = network.roles_of(touchpoint.touchpoint_id)
        if not any(r.critical for r in roles):
            continue
        serving: dict[str, list[cp_model.IntVar]] = {}
        for role in roles:
            for cand in pm.data.candidates[role.role_id]:
                serving.setdefault(cand.offer.partner_id, []).append(pm.assign[cand.key])
        tid = touchpoint.touchpoint_id
        for pid, vars_ in serving.items():
            serves = pm.model.new_bool_var(f"serves[{tid},{pid}]")
            pm.model.add(serves <= sum(vars_))
            pm.distinct[(tid, pid)] = serves
        short = pm.model.new_int_var(0, need, f"redundancy_short[{tid}]")
        pm.model.add(sum(pm.distinct[(tid, p)] for p in serving) + short >= need)
        pm.redundancy_short[tid] = short


def add_moment_of_truth_standby(pm: PlanningModel) -> None:
    """With ``protect_moments_of_truth``, every critical role on a moment of truth has a standby:
    a selected partner, not on the role, that qualifies and has the spare capacity for one slot
    of it, so losing any one partner of the role leaves no slot without a taker (no single
    point of failure). Elastic: a role that cannot have one counts as unprotected."""
    if not pm.data.rules.profile.protect_moments_of_truth:
        return
    network, data = pm.data.network, pm.data
    usage: dict[str, list] = {pid: [] for pid in pm.select}
    for cand in data.pairs:
        usage[cand.offer.partner_id].append(data.usage(cand.usage) * pm.assign[cand.key])
    for role in network.roles:
        if not (role.critical and network.touchpoint[role.touchpoint_id].moment_of_truth):
            continue
        standbys = []
        for cand in data.candidates[role.role_id]:
            pid = cand.offer.partner_id
            var = pm.model.new_bool_var(f"standby[{role.role_id},{pid}]")
            pm.model.add_implication(var, pm.select[pid])
            pm.model.add_bool_or([var.Not(), pm.assign[cand.key].Not()])
            # Its own work plus one more slot of this role fits its capacity.
            capacity = data.capacity(network.partner[pid].capacity)
            pm.model.add(sum(usage[pid]) + data.usage(cand.usage) <= capacity).only_enforce_if(var)
            pm.standby[cand.key] = var
            standbys.append(var)
        short = pm.model.new_bool_var(f"unprotected[{role.role_id}]")
        pm.model.add_bool_or([*standbys, short])
        pm.unprotected[role.role_id] = short


# --- objective ---------------------------------------------------------------------------------


def add_cost_term(pm: PlanningModel) -> None:
    """Minimise total cost (fixed costs plus load * unit_cost of every filled slot)."""
    weight = pm.data.rules.profile.cost_weight
    pm.terms["cost"] = (
        sum(round(weight * pm.data.money(pm.data.network.partner[pid].fixed_cost)) * var
            for pid, var in pm.select.items())
        + sum(round(weight * cost) * var for cost, var in slot_costs(pm))
    )


def add_transition_term(pm: PlanningModel) -> None:
    """Moving from today's network costs money once: onboarding every partner that joins from
    outside it, exit of every partner of it left out; spread over ``horizon_periods``."""
    data = pm.data
    network = data.network
    if not network.current:
        return
    weight = data.rules.profile.cost_weight

    def units(pid: str) -> int:
        return round(weight * data.money(data.one_off(pid)))

    terms = [units(pid) * (1 - var) if pid in network.incumbents else units(pid) * var
             for pid, var in pm.select.items()]
    # Partners of today's network with no variable (excluded, or no longer qualified) leave.
    terms += [units(pid) for pid in sorted(network.incumbents - set(pm.select))]
    pm.terms["transition"] = sum(terms)


def add_calendar_term(pm: PlanningModel) -> None:
    """With contract ends (``transition``): the horizon's cost beyond the steady state, spread
    over the horizon: today's contracts paid until they end or a termination fee, newcomers
    paid from their takeover, leaving partners' fixed costs until their last contract ends,
    exit costs per contract."""
    data = pm.data
    if not phased(data.network):
        return
    cal = data.calendar or at_once()  # without ends: exit costs per contract, all at once
    weight = data.rules.profile.cost_weight
    prices: dict[tuple[str, str], list] = {}
    for cost, var in slot_costs_by_pair(pm):
        prices.setdefault(cost[0], []).append((cost[1], var))
    found = timing(pm.model, data.network, cal, lambda key: pm.assign.get(key, 0),
                   lambda pid: pm.select.get(pid, 0), lambda key: prices.get(key, ()),
                   {rid: [c.offer.partner_id for c in cands]
                    for rid, cands in data.candidates.items()})
    horizon = data.rules.horizon_periods
    pm.terms["calendar"] = sum(round(weight * data.money(value / horizon)) * expr
                               for value, expr in found.pieces)


def add_reliability_term(pm: PlanningModel) -> None:
    """Prefer reliable partners: each filled slot costs (1 - reliability) times the weight,
    scaled by the touchpoint's importance."""
    weight = pm.data.rules.profile.reliability_weight
    if weight <= 0:
        return
    network = pm.data.network
    pm.terms["unreliability"] = sum(
        pm.data.in_typical_slots(weight * pm.data.touchpoint_weight(c.role)
                                 * (1 - network.reliability_of(c.offer.partner_id, c.role)))
        * pm.assign[c.key]
        for c in pm.data.pairs
    )


def add_cohesion_term(pm: PlanningModel) -> None:
    """Reward cohesion: the strength of every relationship edge whose two partners are both
    selected (a friction edge counts against). One variable per edge, so it stays sparse."""
    weight = pm.data.rules.profile.cohesion_weight
    if weight <= 0:
        return
    terms = []
    for rel in pm.data.network.relationships:
        a, b = rel.partner_a, rel.partner_b
        if a not in pm.select or b not in pm.select or rel.strength == 0:
            continue
        both = pm.model.new_bool_var(f"together[{a},{b}]")
        if rel.strength > 0:  # the solver wants it 1: allow only when both are selected
            pm.model.add_implication(both, pm.select[a])
            pm.model.add_implication(both, pm.select[b])
        else:  # the solver wants it 0: force it to 1 when both are selected
            pm.model.add_bool_or([pm.select[a].Not(), pm.select[b].Not(), both])
        pm.together[(a, b)] = both
        terms.append(-pm.data.in_typical_slots(weight * rel.strength) * both)
    if terms:
        pm.terms["cohesion"] = sum(terms)


@dataclass(frozen=True)
class ShortfallUnits:
    """A standard's shortfall in integer objective units (``standard_shortfall_weight`` x
    touchpoint importance x the shortfall of ``StandardFigures``): on-time, ``need`` less the
    sum of ``per_pair`` over the filled covered slots, at least 0; response, the sum of
    ``per_pair`` (hours over the target) plus ``per_open_slot`` for each covered slot open."""

    per_pair: dict[tuple[str, str], int]
    per_open_slot: int = 0
    need: int | None = None  # on-time only


def shortfall_units(data: ModelData, standard) -> ShortfallUnits | None:
    """``standard``'s shortfall coefficients, or None when the profile does not price it."""
    network, rules = data.network, data.rules
    weight = rules.profile.standard_shortfall_weight
    covered = network.covered(standard)
    if weight <= 0 or not rules.meet_standards or not standard.plannable or not covered:
        return None
    unit = weight * network.touchpoint[standard.touchpoint_id].importance
    cands = [c for role in covered for c in data.candidates[role.role_id]]
    if standard.metric == "response_hours":
        return ShortfallUnits(
            {c.key: data.in_typical_slots(unit * standard.over_target(
                network.response_of(c.offer.partner_id, c.role))) for c in cands},
            data.in_typical_slots(unit))
    weight, total = network.on_time_weights(standard)
    return ShortfallUnits(
        {c.key: data.in_typical_slots(unit * weight[c.role.role_id] / total
                                      * network.reliability_of(c.offer.partner_id, c.role))
         for c in cands}, need=data.in_typical_slots(unit * standard.target))


def add_standard_shortfall_term(pm: PlanningModel) -> None:
    """Among plans that miss the same standards, prefer the smaller miss: each standard's
    shortfall (see ``ShortfallUnits``), weighted by ``standard_shortfall_weight`` (typical slot
    costs) and its touchpoint's importance. Zero for a standard that is met."""
    data = pm.data
    terms = []
    for standard in data.network.standards:
        units = shortfall_units(data, standard)
        if units is None:
            continue
        delivered = sum(u * pm.assign[key] for key, u in units.per_pair.items())
        if units.need is None:
            opened = [units.per_open_slot * (role.slots - _filled(pm, role.role_id))
                      for role in data.network.covered(standard)]
            terms.append(delivered + sum(opened))
        elif units.need > 0:
            short = pm.model.new_int_var(
                0, units.need, f"short[{','.join(standard.key)}]")
            pm.model.add(short >= units.need - delivered)
            terms.append(short)
    if terms:
        pm.terms["standard_shortfall"] = sum(terms)


def add_open_slot_terms(pm: PlanningModel) -> None:
    """Count open slots, which are ranked before every other term (see ``solve``): critical
    slots and redundancy first, then, with ``fill_all_first``, optional slots. Without it, an
    open optional slot costs ``fill_weight`` typical slots times its touchpoint weight."""
    data = pm.data
    profile = data.rules.profile
    critical, optional, weighted = [], [], []
    for role in data.network.roles:
        if not data.candidates[role.role_id]:
            continue  # cannot be filled by anyone: a shortfall in every plan, not a choice
        opened = role.slots - sum(pm.assigned_to(role.role_id))
        if role.critical:
            critical.append(opened)
        elif profile.fill_all_first:
            optional.append(opened)
        else:
            weight = data.in_typical_slots(profile.fill_weight * data.touchpoint_weight(role))
            weighted.append(weight * opened)
    pm.open_critical = sum(critical) + sum(pm.redundancy_short.values())
    pm.open_optional = sum(optional)
    pm.open_protection = sum(pm.unprotected.values())
    if weighted:
        pm.terms["open_optional_slots"] = sum(weighted)


HARD_RULES = (
    add_price_choice,
    add_alternate_bids,
    add_volume_tiers,
    add_slot_limits,
    add_only_selected_work,
    add_capacity,
    add_budget,
    add_max_partners,
    add_must_include,
    add_exclude,
    add_locks,
    add_max_changes,
    add_same_partner,
    add_single_source,
    add_requires,
    add_max_share,
    add_standards,
    add_forbidden_pairs,
    add_different_teams,
    add_redundancy,
    add_moment_of_truth_standby,
    add_no_idle_partners,  # after the standbys, which are duties too
)
SOFT_TERMS = (add_cost_term, add_transition_term, add_calendar_term, add_reliability_term,
              add_cohesion_term, add_standard_shortfall_term)


def build_model(data: ModelData) -> PlanningModel:
    """Variables, every hard rule, every objective term (the solver ranks and sums them)."""
    pm = PlanningModel(data)
    add_variables(pm)
    for rule in HARD_RULES:
        rule(pm)
    for term in SOFT_TERMS:
        term(pm)
    add_open_slot_terms(pm)
    return pm
