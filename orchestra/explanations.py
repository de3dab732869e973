"""Explanations of a plan: why each partner serves its role and who would be next, the price
at which a losing candidate would win, what each rule costs, and the objective's anatomy.

Every figure is a re-solve of the plan's model (same profile, seed and rules) with one thing
changed: a partner kept off a role, a candidate put on a role at no cost, a rule relaxed. The
re-solves keep the plan's unit for the profile's weights (so objectives compare exactly), start
from the plan, and run in parallel like ``compare`` and ``stress``. A figure is exact when the
plan and its re-solve are both proven optimal.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from orchestra.calendar import calendar_of
from orchestra.domain import Lock, Network, Plan, Profile, Rules
from orchestra.execution import Interrupted, Job, OnDone, parallel_settings, run_all
from orchestra.model import SolveSettings, plan
from orchestra.model.data import ModelData
from orchestra.model.evaluate import objective_of, objective_parts
from orchestra.model.transition import schedule
from orchestra.score.cost import UNALLOCATED, fixed_cost_shares
from orchestra.score.standards import standard_outcomes
from orchestra.score.team import team_parts

EPS = 1e-6
TEAM = "(team)"  # the anatomy's row for what no touchpoint accounts for

# The profile's weights and what each means, for the report's summary.
WEIGHT_MEANINGS = {
    "cost_weight": "each unit of money spent counts this much",
    "reliability_weight": "a slot's expected failures, in typical slot costs, "
                          "times the touchpoint's weight",
    "fill_weight": "an open optional slot, in typical slot costs, times the touchpoint's weight",
    "cohesion_weight": "each unit of tie strength inside the team, in typical slot costs "
                       "(friction counts against)",
    "moment_of_truth_factor": "a moment of truth weighs this many times its importance",
    "standard_shortfall_weight": "a missed hard standard, in typical slot costs, times its "
                                 "touchpoint's importance and how far it falls short",
}


@dataclass(frozen=True)
class SlotWhy:
    """Why ``partner_id`` serves ``role_id``: what the best plan without it costs more."""

    role_id: str
    partner_id: str
    status: str  # "replaceable", "irreplaceable", "not_solved"
    replace_cost: float | None  # objective of the best plan without the pair, minus the plan's
    replace_cost_money: float | None  # the same in total cost
    next_best_partner_id: str | None
    reason: str
    exact: bool
    gap: float | None  # the re-solve's own gap when not proven


@dataclass(frozen=True)
class CandidateWhy:
    """What ``partner_id``, qualified for ``role_id`` but not on it, would have to bid to win."""

    role_id: str
    partner_id: str
    unit_cost: float
    status: str  # "can_win", "cannot_win", "cannot_serve", "cost_not_weighed", "not_solved"
    price_to_win: float | None
    price_cut_share: float | None  # 1 - price_to_win / unit_cost, for a candidate that can win
    reason: str
    exact: bool
    gap: float | None


@dataclass(frozen=True)
class RuleWhy:
    """What relaxing one rule by ``relaxed_by`` would gain on the objective."""

    rule: str
    subject: str
    relaxed_by: str
    status: str  # "binds", "slack", "not_solved"
    objective_gain: float | None  # the plan's objective minus the relaxed plan's
    reason: str
    exact: bool
    gap: float | None


@dataclass(frozen=True)
class Anatomy:
    """The plan's objective split into its terms, by partner and by touchpoint (fixed costs
    shared out over each partner's slots by load, as ``score.cost``; what no touchpoint
    accounts for, such as ties and standbys, under ``TEAM``)."""

    terms: Mapping[str, float]
    total: float
    by_partner: Mapping[str, Mapping[str, float]]
    by_touchpoint: Mapping[str, Mapping[str, float]]
    weights: Mapping[str, float]
    parts: Mapping[str, str]  # each selected partner's part in the team, in words


@dataclass(frozen=True)
class WaitWhy:
    """A contract of today's the plan ends, that could be ended early: what was chosen (end
    it early for its fee, or wait for it to run out) and what the other costs more over the
    horizon (the plan the same, the rest of its phasing re-chosen)."""

    role_id: str
    from_partner: str
    to_partner: str | None
    early: bool  # chosen: ended early
    effective: date  # when the change takes effect as chosen
    other_effective: date  # ... and the other way
    fee: float  # the termination fee
    other_costs_more: float  # money over the horizon (0: a tie)

    @property
    def chosen(self) -> str:
        return "end early" if self.early else "wait"


@dataclass(frozen=True)
class Explanations:
    plan: Plan
    assignments: tuple[SlotWhy, ...]
    candidates: tuple[CandidateWhy, ...]
    rules: tuple[RuleWhy, ...]
    anatomy: Anatomy
    waits: tuple[WaitWhy, ...] = ()  # with a contract calendar: each choice to wait or not


def waits(network: Network, base: Plan, wanted=lambda role_id, pid: True
          ) -> tuple[WaitWhy, ...]:
    """For each change whose contract could be ended early (of the roles and partners
    ``wanted``), the choice made and the cost of the other: the plan's schedule solved again
    with that one choice reversed."""
    if calendar_of(network) is None or not base.assignments:
        return ()
    chosen = base.schedule or schedule(network, base)
    index = {(c.role_id, c.partner_id): i for i, c in enumerate(network.current)}
    out = []
    for h in chosen.handovers:
        if not h.can_end_early or not (wanted(h.role_id, h.from_partner)
                                        or wanted(h.role_id, h.to_partner or "")):
            continue
        i = index[(h.role_id, h.from_partner)]
        other = schedule(network, base, {i: not h.early})
        flip = other.handover(h.role_id, h.from_partner)
        out.append(WaitWhy(h.role_id, h.from_partner, h.to_partner, h.early,
                           chosen.effective(h), other.effective(flip),
                           network.current[i].termination_fee or 0.0,
                           other.cost - chosen.cost))
    return tuple(out)


# --- what a re-solve changes ---------------------------------------------------------------------


def same_unit(network: Network, profile: Profile) -> Network:
    """``network`` with its typical slot cost fixed, so that a changed copy of it weighs the
    profile's terms in the same unit (``Policy.weight_unit``)."""
    unit = ModelData(network, Rules.of(network, profile)).typical_slot_cost
    return replace(network, policy=replace(network.policy, weight_unit=unit))


def kept_off(network: Network, role_id: str, partner_id: str) -> Network:
    """``network`` where ``partner_id`` may not serve ``role_id`` (a lock on the pair lifted)."""
    policy = replace(network.policy, barred=(*network.policy.barred, (role_id, partner_id)))
    locks = tuple(lk for lk in network.locks if (lk.role_id, lk.partner_id) != (role_id,
                                                                               partner_id))
    return replace(network, policy=policy, locks=locks)


def on_role_at_no_cost(network: Network, role_id: str, partner_id: str) -> Network:
    """``network`` with ``partner_id`` locked on ``role_id`` and that slot's cost counted as
    zero (an offer for the role alone, at unit cost 0, in place of its offer)."""
    offer = network.offer(partner_id, role_id)
    free = replace(offer, unit_cost=0.0, role_id=role_id)
    capabilities = tuple(c for c in network.capabilities
                         if not (c.partner_id == partner_id and c.role_id == role_id
                                 and c.capability == offer.capability)) + (free,)
    return replace(network, capabilities=capabilities,
                   locks=(*network.locks, Lock(role_id, partner_id)))


def rank(network: Network, result: Plan) -> tuple[int, float, int]:
    """What the model ranks before the objective: open critical slots, missed hard standards
    (weighted by importance, when the plan keeps them), open optional slots (when the profile
    fills every slot first)."""
    missed = 0.0
    if result.rules.meet_standards:
        missed = sum(network.touchpoint[o.touchpoint_id].importance
                     for o in standard_outcomes(network, result) if o.met is False)
    optional = sum(1 for s in result.shortfalls if not s.critical)
    return (len(result.critical_shortfalls), round(missed, 9),
            optional if result.rules.profile.fill_all_first else 0)


def rank_change(before: tuple, after: tuple) -> str:
    """In words, how ``after`` differs from ``before`` on the ranks ("" if it does not)."""
    words = []
    for (what, unit), b, a in zip((("critical slot", "open"), ("hard standard", "missed"),
                                   ("optional slot", "open")), before, after, strict=True):
        if a != b:
            more = "more" if a > b else "fewer"
            n = abs(a - b)
            label = f"{n:g} {more} {what}{'s' if n != 1 else ''} {unit}"
            words.append(label if what != "hard standard" else
                         f"{more} hard standards {unit} (importance {n:g})")
    return ", ".join(words)


# --- the explanations ----------------------------------------------------------------------------


def exactness(base: Plan, result: Plan) -> tuple[bool, float | None]:
    exact = base.status == "optimal" and result.status == "optimal"
    return exact, None if exact else result.gap


def explain_slot(network: Network, profile: Profile, base: Plan, role_id: str, partner_id: str,
                 result: Plan | None) -> SlotWhy:
    """The explanation of one filled slot from the re-solve with the pair kept off."""
    if result is None or result.objective is None:
        return SlotWhy(role_id, partner_id, "not_solved" if result is None else "irreplaceable",
                       None, None, None,
                       "no plan keeps every rule without it" if result is not None
                       else "not solved (interrupted)", False, None)
    exact, gap = exactness(base, result)
    before, after = rank(network, base), rank(network, result)
    newcomers = [a.partner_id for a in result.assignments
                 if a.role_id == role_id and a.partner_id not in
                 {b.partner_id for b in base.assignments if b.role_id == role_id}]
    opened = [s for s in result.shortfalls if s.role_id == role_id]
    if after[0] > before[0]:  # no plan without it keeps as many critical slots filled
        if opened:
            s = opened[0]
            reason = f"{s.reason_code}: {s.reason}"
        else:
            was = {(s.role_id, s.slot) for s in base.critical_shortfalls}
            elsewhere = sorted({s.role_id or s.touchpoint_id for s in result.critical_shortfalls
                                if (s.role_id, s.slot) not in was})
            reason = (f"another partner can take it, but then {after[0] - before[0]} more "
                      f"critical slot(s) stay open ({', '.join(elsewhere)})")
        return SlotWhy(role_id, partner_id, "irreplaceable", None, None, None, reason, exact,
                       gap)
    cost = objective_of(network, profile, result) - objective_of(network, profile, base)
    change = rank_change(before, after)
    was_open = sum(1 for s in base.shortfalls if s.role_id == role_id)
    if not newcomers and len(opened) > was_open:
        change = ", ".join(filter(None, ["the slot is left open", change]))
    return SlotWhy(role_id, partner_id, "replaceable", cost,
                   result.total_cost - base.total_cost, newcomers[0] if newcomers else None,
                   change, exact, gap)


def explain_candidate(network: Network, profile: Profile, base: Plan, role_id: str,
                      partner_id: str, result: Plan | None) -> CandidateWhy:
    """The explanation of one candidate from the re-solve with it on the role at no cost:
    price_to_win = (O - O_q) / (load x cost weight x the share of the horizon it is paid),
    the share being 1 unless it waits for a contract of today's to run out."""
    role = network.role[role_id]
    unit_cost = network.offer(partner_id, role).unit_cost

    def why(status: str, reason: str, price: float | None = None, exact: bool = False,
            gap: float | None = None) -> CandidateWhy:
        cut = (1 - price / unit_cost if status == "can_win" and price is not None
               and unit_cost > 0 else None)
        return CandidateWhy(role_id, partner_id, unit_cost, status, price, cut, reason, exact,
                            gap)

    if result is None:
        return why("not_solved", "not solved (interrupted)")
    if result.objective is None:
        return why("cannot_serve", _obstacle(network, base, role_id, partner_id))
    exact, gap = exactness(base, result)
    before, after = rank(network, base), rank(network, result)
    change = rank_change(before, after)
    if after > before:
        if after[0] == before[0] and after[1] > before[1]:  # a standard it would break
            return why("cannot_win", standards_lost(network, base, result, role_id,
                                                     partner_id), exact=exact, gap=gap)
        return why("cannot_win", f"with {partner_id} on {role_id}: {change}", exact=exact,
                   gap=gap)
    if role.load <= 0:  # the slot costs nothing at any unit price: price cannot decide
        if after < before or (objective_of(network, profile, result)
                              < objective_of(network, profile, base) - EPS):
            return why("can_win", f"{role_id} has no load, so its unit price costs nothing: "
                       f"with {partner_id} on it the plan is better at any price", None, exact,
                       gap)
        return why("cannot_win", f"{role_id} has no load, so no price changes the plan: it is "
                   f"as good or better without {partner_id}", None, exact, gap)
    # At a unit cost up to the headroom, the re-solved plan keeps the budget as it is.
    budget = base.rules.budget
    headroom = (budget - result.total_cost) / role.load if budget is not None else None
    if after < before:
        # At no cost it lets the plan fill what it cannot (the budget had no room): it wins
        # at least up to the headroom that plan leaves; above it the plan falls back to the
        # plan's ranks, where it may still win, which this one re-solve cannot tell.
        return why("can_win", f"with {partner_id} on {role_id} at no cost: {change}; it wins "
                   "at least up to this price (the budget's room)", headroom, False, gap)
    weight = base.rules.profile.cost_weight
    if weight <= 0:
        return why("cost_not_weighed", "the profile does not weigh cost", exact=exact, gap=gap)
    free = objective_of(network, profile, result)
    paid = share_paid(network, result, role_id, partner_id)
    if paid <= 0:  # it takes over after the horizon: its price weighs nothing in it
        return why("can_win", f"{partner_id} takes {role_id} over after the horizon: within "
                   "it, its price costs nothing", None, exact, gap)
    price = (objective_of(network, profile, base) - free) / (role.load * weight * paid)
    if price < -EPS:
        return why("cannot_win", f"loses even at no cost: the plan stays "
                   f"{-price * role.load * weight:,.2f} better on the objective (its fixed "
                   "cost, its capacity or what it displaces)", price, exact, gap)
    if headroom is not None and price > headroom + EPS:
        # Above the headroom the re-solved plan breaks the budget: it certainly wins at the
        # headroom; where between the two it stops winning takes more solves.
        return why("can_win", f"wins at least up to this price, where the budget binds "
                   f"(at most {price:,.2f})", headroom, False, gap)
    return why("can_win", "", max(price, 0.0), exact, gap)


def share_paid(network: Network, result: Plan, role_id: str, partner_id: str) -> float:
    """The share of the horizon a newcomer on ``role_id`` is paid in ``result``: 1 without a
    contract calendar, else the periods from its takeover on (it waits for the contract it
    takes over to run out)."""
    cal = calendar_of(network)
    if cal is None:
        return 1.0
    start = schedule(network, result).starts.get((role_id, partner_id), 1)
    return (cal.horizon - start + 1) / cal.horizon


def standards_lost(network: Network, base: Plan, result: Plan, role_id: str | Sequence[str],
                   partner_id: str) -> str:
    """The standards the plan keeps and the re-solve with ``partner_id`` on ``role_id`` (or on
    each of several roles) misses, by touchpoint, metric and target, with the candidate's own
    figure where it works on a covered slot: "T02 on_time_rate at least 0.995; AHT delivers
    0.99"."""
    kept = {o.key for o in standard_outcomes(network, base) if o.met}
    roles = [network.role[r] for r in ((role_id,) if isinstance(role_id, str) else role_id)]
    role = roles[0]
    said = []
    for o in standard_outcomes(network, result):
        if o.met is not False or o.key not in kept:
            continue
        standard = next(s for s in network.standards if s.key == o.key)
        hours = o.metric == "response_hours"
        head = (f"{o.touchpoint_id} {o.subject} {'within' if hours else 'at least'} "
                f"{o.target:g}{' h' if hours else ''}")
        covered = [r for r in roles if r in network.covered(standard)]
        if covered:
            role = covered[0]
            figure = (network.response_of(partner_id, role) if hours
                      else network.reliability_of(partner_id, role))
            shown = "states no response time" if figure is None else (
                f"answers in {figure:g} h" if hours else f"delivers {figure:g}")
            said.append(f"{head}; {network.who(partner_id)} {shown}")
        else:
            said.append(f"{head}; the plan around it would deliver "
                        f"{'-' if o.achieved is None else format(o.achieved, '.4g')}")
    on = role_id if isinstance(role_id, str) else ", ".join(role_id)
    return "; ".join(said) or f"with {partner_id} on {on}: more hard standards missed"


def _obstacle(network: Network, base: Plan, role_id: str, partner_id: str) -> str:
    """Why no plan keeps every rule with ``partner_id`` on ``role_id``: the first structural
    cause found, else the general statement."""
    role, partner = network.role[role_id], network.partner[partner_id]
    offer = network.offer(partner_id, role)
    locked = sum(network.role[lk.role_id].load * network.offer(partner_id, lk.role_id).effort
                 for lk in network.locks if lk.partner_id == partner_id)
    need = role.load * offer.effort
    if need + locked > partner.capacity + 1e-9:
        return (f"capacity: {partner_id} has {partner.capacity - locked:g} capacity free of "
                f"locks, the role needs {need:g}")
    budget = base.rules.budget
    if budget is not None and partner.fixed_cost + role.load * offer.unit_cost > budget:
        return f"budget: {partner_id} alone costs more than the budget {budget:,.2f}"
    for rule in network.rules:
        if partner_id in rule.partners or role_id in rule.roles:
            return f"rule: no plan keeps {rule} with {partner_id} on {role_id}"
    return f"no plan keeps every rule with {partner_id} on {role_id}"


def explain_rule(network: Network, profile: Profile, base: Plan, rule: str, subject: str,
                 relaxed_by: str, result: Plan | None) -> RuleWhy:
    """What relaxing one rule gains, from its re-solve."""
    if result is None or result.objective is None:
        return RuleWhy(rule, subject, relaxed_by, "not_solved", None,
                       "not solved (interrupted)" if result is None else "no plan", False, None)
    exact, gap = exactness(base, result)
    before, after = rank(network, base), rank(network, result)
    gain = objective_of(network, profile, base) - objective_of(network, profile, result)
    change = rank_change(before, after)
    binds = after < before or gain > EPS * max(1.0, abs(base.objective or 0))
    return RuleWhy(rule, subject, relaxed_by, "binds" if binds else "slack", gain,
                   f"relaxed: {change}" if change else "", exact, gap)


def relaxations(network: Network, base: Plan) -> list[tuple[str, str, str, Network]]:
    """Each rule that may bind the plan, with its relaxation: (rule, subject, relaxed by, the
    network relaxed). Capacity of every partner too full for one more role it qualifies for
    (+1 unit), the budget (+1 typical slot cost), max_partners (+1), each forbidden pair with a
    selected partner (allowed), each must_include, exclusion, lock and rules-sheet rule
    (dropped), each hard standard the plan meets (dropped), max_changes (+1)."""
    policy, rules = network.policy, base.rules
    out: list[tuple[str, str, str, Network]] = []
    used: dict[str, float] = {}
    for a in base.assignments:
        used[a.partner_id] = used.get(a.partner_id, 0.0) + a.capacity_used
    on = {(a.role_id, a.partner_id) for a in base.assignments}
    for pid in base.selected:
        partner = network.partner[pid]
        free = partner.capacity - used.get(pid, 0.0)
        needs = [role.load * offer.effort for role in network.roles
                 if (offer := network.offer(pid, role)) is not None
                 and offer.level >= role.min_level and (role.role_id, pid) not in on]
        if needs and min(needs) > free + 1e-9:
            grown = tuple(replace(p, capacity=p.capacity + 1) if p.partner_id == pid else p
                          for p in network.partners)
            out.append(("capacity", pid, "+1 unit", replace(network, partners=grown)))
    if policy.budget is not None:
        unit = ModelData(network, rules).typical_slot_cost
        out.append(("budget", f"{policy.budget:,.2f}", f"+{unit:,.2f} (a typical slot)",
                    replace(network, policy=replace(policy, budget=policy.budget + unit))))
    if policy.max_partners is not None and len(base.selected) >= policy.max_partners:
        out.append(("max_partners", str(policy.max_partners), "+1", replace(
            network, policy=replace(policy, max_partners=policy.max_partners + 1))))
    threshold = policy.forbid_below_strength
    if threshold is not None:
        team = set(base.selected)
        for k, rel in enumerate(network.relationships):
            if rel.strength < threshold and {rel.partner_a, rel.partner_b} & team:
                allowed = list(network.relationships)
                allowed[k] = replace(rel, strength=threshold)
                out.append(("forbidden_pair", f"{rel.partner_a}-{rel.partner_b}", "allowed",
                            replace(network, relationships=tuple(allowed))))
    for pid in policy.must_include:
        out.append(("must_include", pid, "dropped", replace(network, policy=replace(
            policy, must_include=tuple(p for p in policy.must_include if p != pid)))))
    for pid in policy.exclude:
        out.append(("exclude", pid, "dropped", replace(network, policy=replace(
            policy, exclude=tuple(p for p in policy.exclude if p != pid)))))
    for lock in network.locks:
        out.append(("lock", f"{lock.role_id}->{lock.partner_id}", "dropped", replace(
            network, locks=tuple(lk for lk in network.locks if lk != lock))))
    for k, plan_rule in enumerate(network.rules):
        subject = str(plan_rule).removeprefix(plan_rule.rule).strip(" ()")
        out.append((plan_rule.rule, subject, "dropped", replace(
            network, rules=network.rules[:k] + network.rules[k + 1:])))
    if rules.meet_standards:
        met = {o.key for o in standard_outcomes(network, base) if o.met}
        for k, standard in enumerate(network.standards):
            if standard.key in met:
                out.append(("standard", f"{standard.label} "
                            f"{standard.target:g}", "dropped", replace(
                                network, standards=network.standards[:k]
                                + network.standards[k + 1:])))
    if policy.max_changes is not None and network.current:
        out.append(("max_changes", str(policy.max_changes), "+1", replace(
            network, policy=replace(policy, max_changes=policy.max_changes + 1))))
    return out


def candidates_of(network: Network, base: Plan, role_id: str, every: bool = False,
                  top: int = 3) -> list[str]:
    """The qualified partners not on ``role_id`` in the plan that may be put on it: the
    ``top`` cheapest by unit cost, or ``every`` one."""
    role = network.role[role_id]
    on = {a.partner_id for a in base.assignments if a.role_id == role_id}
    rules = base.rules
    offers = sorted((c for c in network.qualified(role)
                     if c.partner_id not in on and c.partner_id not in rules.exclude
                     and (role_id, c.partner_id) not in rules.barred),
                    key=lambda c: (c.unit_cost, c.partner_id))
    return [c.partner_id for c in (offers if every else offers[:top])]


def replan(stop: threading.Event, network: Network, profile: Profile, each: SolveSettings,
            base: Plan) -> Plan:
    """One re-solve of a changed network, warm-started from the plan it explains."""
    return plan(network, profile, each, warm_start=base, stop=stop, check_reasons=False)


def explain(network: Network, profile: Profile, base: Plan, roles: Sequence[str] = (),
            partners: Sequence[str] = (), every: bool = False, with_rules: bool = True,
            settings: SolveSettings | None = None, on_done: OnDone | None = None
            ) -> Explanations:
    """Explain ``base``, a plan of ``network`` under ``profile``: each filled slot, the
    candidates of each role (the 3 cheapest, or ``every`` one), each rule that may bind
    (``with_rules``) and the objective's anatomy. ``roles`` and ``partners`` narrow the slots
    and candidates to those named. Ctrl-C raises ``Interrupted`` with what finished.

    >>> import orchestra
    >>> net = orchestra.load_workbook("inputs/bank.xlsx")
    >>> profile, quick = orchestra.load_profile("lowest_cost"), SolveSettings(time_limit_s=10)
    >>> why = explain(net, profile, plan(net, profile, quick), roles=["R07"], settings=quick)
    >>> [(s.role_id, s.status) for s in why.assignments]
    [('R07', 'replaceable')]
    """
    settings = settings or SolveSettings()
    fixed = same_unit(network, profile)
    wanted_roles = set(roles) or {r.role_id for r in network.roles}
    wanted_partners = set(partners)

    def wanted(role_id: str, pid: str) -> bool:
        return role_id in wanted_roles and (not wanted_partners or pid in wanted_partners)

    slots = sorted({(a.role_id, a.partner_id) for a in base.assignments
                    if wanted(a.role_id, a.partner_id)})
    cands = [(r.role_id, pid) for r in network.roles if r.role_id in wanted_roles
             for pid in candidates_of(network, base, r.role_id, every, len(network.partners)
                                      if wanted_partners else 3)
             if wanted(r.role_id, pid)]
    rules = relaxations(fixed, base) if with_rules else []
    changed: list[Network] = ([kept_off(fixed, *s) for s in slots]
                              + [on_role_at_no_cost(fixed, *c) for c in cands]
                              + [net for *_, net in rules])
    _, each = parallel_settings(settings, len(changed))

    def assemble(solved: Sequence[Plan | None]) -> Explanations:
        n, m = len(slots), len(cands)
        return Explanations(
            base,
            tuple(explain_slot(network, profile, base, *s, r)
                  for s, r in zip(slots, solved[:n], strict=True)),
            tuple(explain_candidate(network, profile, base, *c, r)
                  for c, r in zip(cands, solved[n:n + m], strict=True)),
            tuple(explain_rule(network, profile, base, rule, subject, by, r)
                  for (rule, subject, by, _), r in zip(rules, solved[n + m:], strict=True)),
            anatomy(network, profile, base), waits(network, base, wanted))

    try:
        solved = run_all([Job(replan, (net, profile, each, base)) for net in changed],
                         settings, on_done)
    except Interrupted as stopped:
        raise Interrupted(assemble(stopped.partial), stopped.finished, stopped.total) from None
    return assemble(solved)


# --- the objective's anatomy ---------------------------------------------------------------------


def anatomy(network: Network, profile: Profile, base: Plan) -> Anatomy:
    """The plan's objective by term, by partner and by touchpoint (see ``Anatomy``)."""
    data = ModelData(network, Rules.of(network, profile))
    shares: dict[str, list[tuple[str, float]]] = {}  # partner -> (touchpoint, share of fixed)
    for (pid, tid), part in fixed_cost_shares(network, base).items():
        fixed = network.partner[pid].fixed_cost
        if tid != UNALLOCATED and fixed > 0:
            shares.setdefault(pid, []).append((tid, part / fixed))
    terms: dict[str, float] = {}
    by_partner: dict[str, dict[str, float]] = {}
    by_touchpoint: dict[str, dict[str, float]] = {}

    def add(table: dict, key: str, term: str, value: float) -> None:
        row = table.setdefault(key, {})
        row[term] = row.get(term, 0.0) + value

    for part in objective_parts(data, base):
        terms[part.term] = terms.get(part.term, 0.0) + part.value
        if part.partner_id is not None:
            add(by_partner, part.partner_id, part.term, part.value)
        if part.touchpoint_id is not None:
            add(by_touchpoint, part.touchpoint_id, part.term, part.value)
        elif part.term == "cost" and shares.get(part.partner_id):
            # A fixed cost, shared over the partner's slots by load (``fixed_cost_shares``).
            for tid, share in shares[part.partner_id]:
                add(by_touchpoint, tid, "cost", part.value * share)
        else:
            add(by_touchpoint, TEAM, part.term, part.value)
    weights = {k: getattr(base.rules.profile, k) for k in WEIGHT_MEANINGS}
    return Anatomy(terms, sum(terms.values()), by_partner, by_touchpoint, weights,
                   team_parts(network, base))
