"""Procurement: candidate partner sets side by side, and what happens when a partner drops out.

Every set and every drop-out is an independent solve of the same loaded network with one rule
changed (the partners outside the set, or the dropped partner, are excluded). They run in
parallel threads: CP-SAT releases the GIL while it searches, so threads share the network
without copying it.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from orchestra.domain import CandidateSet, Lock, Network, Plan, Profile, Shortfall
from orchestra.errors import InputError, Problem
from orchestra.execution import Interrupted, Job, OnDone, parallel_settings, run_all
from orchestra.io.contract import RESERVED_SET_NAMES, TODAY, YARDSTICK  # noqa: F401 (re-exported)
from orchestra.model import SolveSettings, plan
from orchestra.model.evaluate import objective_of
from orchestra.model.given import given_plan
from orchestra.score import Scores, score
from orchestra.score.standards import standard_outcomes

# --- compare -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Closing:
    """The cheapest way to fill a set's open critical slots from the whole network, the set's
    own assignments held."""

    added: tuple[str, ...]
    extra_cost: float
    closed: int
    still_open: tuple[Shortfall, ...]
    plan: Plan  # the set's plan with the added partners


@dataclass(frozen=True)
class SetResult:
    """One row of every table that sets plans side by side (candidate sets, profiles,
    alternatives, today's network): the plan, its scores and the figures the dominance rule
    weighs (``dominators``). An infeasible row (no plan keeps the rules) says why and has no
    figures: it is never starred and never dominates."""

    set_id: str
    members: tuple[str, ...]
    plan: Plan
    scores: Scores
    closing: Closing | None = None
    dominated_by: tuple[str, ...] = ()
    infeasible: str = ""  # why no plan keeps the rules for this row ("" when one does)
    contracts_changed: int | None = None  # today's (role, partner) pairs it ends

    @property
    def feasible(self) -> bool:
        return not self.infeasible

    @property
    def total_cost(self) -> float:
        return self.plan.total_cost

    @property
    def transition_cost(self) -> float:
        return self.plan.transition_cost

    @property
    def horizon_cost(self) -> float:
        """Total cost per period with the one-off transition (and, with a contract calendar,
        the phasing in) spread over the horizon."""
        return self.total_cost + (self.transition_cost + self.plan.phasing_cost) / (
            self.plan.rules.horizon_periods or 1)

    @property
    def standards_met(self) -> int:
        return sum(1 for o in self.scores.standards if o.met)

    @property
    def standards_missed(self) -> tuple[str, ...]:
        return tuple(f"{o.touchpoint_id} {o.subject}" for o in self.scores.standards
                     if o.met is False)

    @property
    def filled_share(self) -> float:
        return self.scores.by_group["all"]["filled_share"] or 0.0

    @property
    def expected_share(self) -> float:
        return self.scores.by_group["all"]["expected_share"] or 0.0

    @property
    def cohesion(self) -> float:
        return self.scores.cohesion.index

    @property
    def critical_shortfalls(self) -> int:
        return len(self.plan.critical_shortfalls)

    def gap_counts(self) -> dict[str, int]:
        counts = {"major": 0, "minor": 0}
        for gap in self.scores.gaps:
            if gap.severity in counts:
                counts[gap.severity] += 1
        return counts


@dataclass(frozen=True)
class Comparison:
    profile: Profile
    rows: tuple[SetResult, ...]  # the candidate sets, then the yardstick

    def row(self, set_id: str) -> SetResult:
        return next(r for r in self.rows if r.set_id == set_id)


def restricted(network: Network, members: Iterable[str]) -> Network:
    """``network`` where only ``members`` may join, besides the partners the policy or a lock
    already forces in (an internal team, say, is in every set)."""
    keep = (set(members) | set(network.policy.must_include)
            | {lk.partner_id for lk in network.locks})
    outside = tuple(p.partner_id for p in network.partners if p.partner_id not in keep)
    policy = replace(network.policy, exclude=tuple(dict.fromkeys(
        (*network.policy.exclude, *outside))))
    return replace(network, policy=policy)


def candidate_sets(network: Network, extra: Sequence[tuple[str, Sequence[str]]] = ()
                   ) -> list[CandidateSet]:
    """The ``sets`` sheet plus ``extra`` (from ``--set NAME=P1,P2``); unknown ids and duplicate
    names are errors."""
    problems = []
    sets = list(network.sets)
    names = {s.set_id.lower() for s in sets}
    for name, members in extra:
        unknown = [p for p in members if network.partner_id(p) is None]
        if unknown:
            problems.append(Problem(f"--set {name}", f"unknown partner(s) {', '.join(unknown)}",
                                    "partner ids from the partners sheet"))
        if name.lower() in names or name.lower() in RESERVED_SET_NAMES:
            problems.append(Problem(f"--set {name}", "the set name is already used",
                                    f"a new name, not {' or '.join(RESERVED_SET_NAMES)}"))
        names.add(name.lower())
        sets.append(CandidateSet(name, tuple(dict.fromkeys(network.partner_id(p) or p
                                                           for p in members))))
    if problems:
        raise InputError(problems)
    return sets


def sets_from_bids(network: Network) -> list[CandidateSet]:
    """One candidate set per returned bid: the bidding partner beside today's partners (or,
    without a current sheet, beside every partner that did not bid), named after the bidder."""
    bidders = set(network.bidders)
    base = (set(network.incumbents) if network.current
            else {p.partner_id for p in network.partners} - bidders)
    return [CandidateSet(pid, tuple(sorted(base | {pid}))) for pid in network.bidders]


def closing(network: Network, result: Plan, settings: SolveSettings,
            stop: threading.Event | None = None) -> Closing | None:
    """The cheapest partners to add so that the set's open critical slots are filled, the set's
    plan held as locks; ``None`` when it has none. Slots no partner in the network can fill
    stay open, with their reasons."""
    if not result.critical_shortfalls:
        return None
    held = replace(network, locks=tuple(Lock(a.role_id, a.partner_id)
                                        for a in result.assignments))
    cheapest = Profile("closing", "fill critical slots at the least cost", cost_weight=1.0,
                       fill_weight=0.0, reliability_weight=0.0, cohesion_weight=0.0,
                       min_partners_per_touchpoint=result.rules.min_partners_per_touchpoint)
    closed = plan(held, cheapest, settings, warm_start=result, stop=stop)
    added = tuple(p for p in closed.selected if p not in result.selected)
    return Closing(added, closed.total_cost - result.total_cost,
                   len(result.critical_shortfalls) - len(closed.critical_shortfalls),
                   closed.critical_shortfalls, closed)


DOMINANCE_RULE = (
    "rows are compared only when a plan keeps their rules (infeasible rows never are); a row "
    "is dominated when another is no worse on every one of critical slots open, standards met, "
    "total cost with the transition over the horizon, slots filled, expected delivered, "
    "cohesion and single points of failure, and better on one; the best of a row is starred "
    "among the rows with the fewest critical slots open and, among them, the most standards met")


def dominance_key(row: SetResult) -> tuple[float, ...]:
    """The figures the dominance rule weighs, each lower is better."""
    return (row.critical_shortfalls, -row.standards_met, row.horizon_cost, -row.filled_share,
            -row.expected_share, -row.cohesion, len(row.scores.single_points_of_failure))


def dominators(rows: Sequence[SetResult], row: SetResult) -> tuple[str, ...]:
    """The feasible rows no worse than ``row`` on every figure of ``dominance_key`` and better
    on one (``DOMINANCE_RULE``); none for an infeasible row."""
    if not row.feasible:
        return ()
    eps = 1e-9
    mine = dominance_key(row)
    found = []
    for other in rows:
        if other is row or not other.feasible:
            continue
        theirs = dominance_key(other)
        if (all(t <= m + eps for t, m in zip(theirs, mine, strict=True))
                and any(t < m - eps for t, m in zip(theirs, mine, strict=True))):
            found.append(other.set_id)
    return tuple(found)


def _solve_set(stop: threading.Event, network: Network, set_id: str, members: tuple[str, ...],
               profile: Profile, each: SolveSettings) -> SetResult:
    """One row of a comparison: the set's plan (today's network as it stands), its scores and
    its closing; or, where no plan keeps the rules within the set, why."""
    if set_id == TODAY:  # today's contracts at today's prices, not at the bids'
        net = network.as_contracted
        result = given_plan(net, profile, network.current)
    else:
        net = network if set_id == YARDSTICK else restricted(network, members)
        result = plan(net, profile, each, stop=stop)
    why = infeasibility(network, net, result)
    return set_result(network, set_id, members, result, score(net, result),
                      None if why else closing(network, result, each, stop), why)


def set_result(network: Network, set_id: str, members: tuple[str, ...], result: Plan,
               scores: Scores, closing_: Closing | None = None, infeasible: str = ""
               ) -> SetResult:
    """A row of a side-by-side table, with the contracts of today's network its plan ends."""
    kept = {(a.role_id, a.partner_id) for a in result.assignments}
    changed = (sum(1 for c in network.current if (c.role_id, c.partner_id) not in kept)
               if network.current and not infeasible else None)
    return SetResult(set_id, members, result, scores, closing_, infeasible=infeasible,
                     contracts_changed=changed)


def infeasibility(network: Network, restricted_net: Network, result: Plan) -> str:
    """Why no plan keeps the rules for a row, in the words of the rules that conflict (the
    exclusions that only make up a candidate set left out); "" when a plan does."""
    from orchestra.model.conflicts import conflict, items, least

    if result.stopped_by != "no solution (INFEASIBLE)":
        return ""
    own = set(network.policy.exclude)

    def of_the_set(item) -> bool:  # an exclusion that only makes up the candidate set
        return item.what.startswith("exclude ") and item.what[8:] not in own

    # The rules are tried (and dropped) before the set's own exclusions, so that what is left
    # names the rules the set cannot keep rather than the partners it leaves out.
    every = sorted(items(restricted_net), key=of_the_set)
    core = conflict(restricted_net, every)
    if not core:
        return "no plan keeps the rules"
    named = [i.what for i in core if not of_the_set(i)]
    if len(named) < len(core):
        named.append("with only the set's partners")
    if any(i.key == "max_changes" for i in core):
        unlimited = replace(restricted_net, policy=replace(restricted_net.policy,
                                                           max_changes=None))
        ended = least(unlimited, "max_changes")
        if ended is not None:
            return (f"would end {ended:.0f} of today's {len(network.current)} contracts; "
                    f"max_changes is {network.policy.max_changes}")
    return "; ".join(named) or "no plan keeps the rules within the set"


def compare(network: Network, sets: Sequence[CandidateSet], profile: Profile,
            settings: SolveSettings | None = None, on_done: OnDone | None = None) -> Comparison:
    """The best plan restricted to each set (same profile and rules), scored, with the cost of
    closing its critical shortfalls, and the unrestricted optimum as the yardstick.

    >>> import orchestra
    >>> net = orchestra.load_workbook("inputs/bank.xlsx")
    >>> table = compare(net, net.sets[:1], orchestra.load_profile("lowest_cost"),
    ...                 SolveSettings(time_limit_s=10))
    >>> [r.set_id for r in table.rows]
    ['incumbent', 'today', "orchestra's choice"]
    """
    settings = settings or SolveSettings()
    _, each = parallel_settings(settings, len(sets) + 1)
    # The yardstick first, so that Ctrl-C leaves it among the finished solves; today's network
    # (no solve, only its closing) beside it.
    # (set id, members): each set's network is restricted where its job runs (``_solve_set``).
    targets: list[tuple[str, tuple[str, ...]]] = [(YARDSTICK, ())]
    targets += [(s.set_id, s.partner_ids) for s in sets]
    if network.current:
        targets.append((TODAY, tuple(sorted(network.incumbents))))

    def assemble(solved: Sequence[SetResult | None]) -> Comparison:
        rows = [outcome for outcome in solved if outcome is not None]
        # The candidate sets, then today's network, then the yardstick.
        rows = ([r for r in rows if r.set_id not in (TODAY, YARDSTICK)]
                + [r for r in rows if r.set_id == TODAY]
                + [r for r in rows if r.set_id == YARDSTICK])
        rows = [replace(r, dominated_by=dominators(rows, r)) for r in rows]
        return Comparison(profile, tuple(rows))

    try:
        solved = run_all([Job(_solve_set, (network, set_id, members, profile, each),
                              f"set {set_id}") for set_id, members in targets],
                         settings, on_done)
    except Interrupted as stopped:
        raise Interrupted(assemble(stopped.partial), stopped.finished, stopped.total) from None
    return assemble(solved)


# --- stress ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Impact:
    """What dropping ``dropped`` does to the plan."""

    dropped: tuple[str, ...]
    plan: Plan
    cost_increase: float
    # On the profile's objective, both plans priced in the full network's units; None when the
    # re-plan found nothing. Open critical slots are ranked before it (``severity_key``).
    objective_change: float | None
    unfilled: tuple[str, ...]  # roles with more open slots than before, critical first
    critical_unfilled: int  # more open critical slots than before
    lost_coverage: tuple[tuple[str, float], ...]  # (touchpoint, fall in filled share)
    takeover: tuple[tuple[str, str], ...] = ()  # (role, partner) taking the dropped slots
    standards_lost: tuple[str, ...] = ()  # standards the plan met and the re-plan misses
    over_budget: float = 0.0  # a backfill of critical slots the budget could not hold
    infeasible: str = ""  # why no re-plan keeps the rules without the partner
    record: SetResult | None = None  # the re-plan's comparison record

    @property
    def severity_key(self) -> tuple:
        """Worst first: no re-plan at all, then critical slots lost, standards lost, roles left
        unfilled, coverage lost, and the cost last."""
        if self.infeasible:
            return (1, 0, 0, 0, 0.0, 0.0)
        return (0, self.critical_unfilled, len(self.standards_lost), len(self.unfilled),
                sum(loss for _, loss in self.lost_coverage), self.cost_increase)


REPLAN_MODES = ("backfill", "all")


def without(network: Network, dropped: Iterable[str], keep: Plan | None = None) -> Network:
    """``network`` after ``dropped`` left: excluded, and no longer locked or forced in. With
    ``keep``, the rest of that plan is held as locks, so only the dropped slots are re-filled."""
    gone = set(dropped)
    policy = replace(network.policy,
                     exclude=tuple(dict.fromkeys((*network.policy.exclude, *sorted(gone)))),
                     must_include=tuple(p for p in network.policy.must_include if p not in gone))
    locks = [lk for lk in network.locks if lk.partner_id not in gone]
    if keep is not None:
        held = {(lk.role_id, lk.partner_id) for lk in locks}
        locks += [Lock(a.role_id, a.partner_id) for a in keep.assignments
                  if a.partner_id not in gone and (a.role_id, a.partner_id) not in held]
    return replace(network, policy=policy, locks=tuple(locks))


def sole_source_slots(network: Network, base: Plan) -> dict[str, int]:
    """Per selected partner, the critical slots it holds that no other partner in the network
    could take: the slots certainly lost if it drops out."""
    excluded = set(network.policy.exclude)
    lost: dict[str, int] = {}
    for a in base.assignments:
        role = network.role[a.role_id]
        if not role.critical:
            continue
        others = [o for o in network.qualified(role)
                  if o.partner_id != a.partner_id and o.partner_id not in excluded]
        if len(others) < role.slots:
            lost[a.partner_id] = lost.get(a.partner_id, 0) + 1
    return lost


def leaned_on(network: Network, base: Plan, scores: Scores) -> list[str]:
    """Selected partners, the ones the plan leans on most first: critical slots no one else
    could take, single points of failure, then slots held, then money."""
    sole = sole_source_slots(network, base)
    spofs = scores.failure_points()
    slots: dict[str, int] = {}
    spend: dict[str, float] = {}
    for a in base.assignments:
        slots[a.partner_id] = slots.get(a.partner_id, 0) + 1
        spend[a.partner_id] = spend.get(a.partner_id, 0.0) + a.cost
    return sorted(base.selected, key=lambda p: (-sole.get(p, 0), -spofs.get(p, 0),
                                                -slots.get(p, 0), -spend.get(p, 0.0), p))


def impact(network: Network, profile: Profile, base: Plan, dropped: tuple[str, ...],
           result: Plan, infeasible: str = "") -> Impact:
    if infeasible:
        return Impact(dropped, result, 0.0, None, (), 0, (), infeasible=infeasible)

    def open_by_role(p: Plan) -> dict[str, int]:
        counts: dict[str, int] = {}
        for s in p.shortfalls:
            if s.role_id:
                counts[s.role_id] = counts.get(s.role_id, 0) + 1
        return counts

    before, after = open_by_role(base), open_by_role(result)
    unfilled = sorted((r for r in after if after[r] > before.get(r, 0)),
                      key=lambda r: (not network.role[r].critical, r))
    critical = len(result.critical_shortfalls) - len(base.critical_shortfalls)

    def filled(p: Plan) -> dict[str, int]:
        counts = {t.touchpoint_id: 0 for t in network.touchpoints}
        for a in p.assignments:
            counts[network.role[a.role_id].touchpoint_id] += 1
        return counts

    was, now = filled(base), filled(result)
    lost = []
    for tp in network.touchpoints:
        required = sum(r.slots for r in network.roles_of(tp.touchpoint_id))
        if required and now[tp.touchpoint_id] < was[tp.touchpoint_id]:
            lost.append((tp.touchpoint_id,
                         (was[tp.touchpoint_id] - now[tp.touchpoint_id]) / required))
    change = None
    if result.status != "no solution":
        change = objective_of(network, profile, result) - objective_of(network, profile, base)
    gone = set(dropped)
    roles_left = {a.role_id for a in base.assignments if a.partner_id in gone}
    had = {(a.role_id, a.partner_id) for a in base.assignments}
    takeover = tuple(sorted((a.role_id, a.partner_id) for a in result.assignments
                            if a.role_id in roles_left and (a.role_id, a.partner_id) not in had))
    met_before = {o.key for o in standard_outcomes(network, base) if o.met}
    standards_lost = tuple(f"{o.touchpoint_id} {o.subject}"
                           for o in standard_outcomes(network, result)
                           if o.met is False and o.key in met_before)
    budget = base.rules.budget
    over = result.total_cost - budget if budget is not None else 0.0
    record = set_result(network, " + ".join(dropped), (), result, score(network, result))
    return Impact(dropped, result, result.total_cost - base.total_cost, change, tuple(unfilled),
                  max(0, critical), tuple(lost), takeover, standards_lost, max(0.0, over),
                  record=record)


def _replan_without(stop: threading.Event, network: Network, profile: Profile, base: Plan,
                    drop: tuple[str, ...], each: SolveSettings, replan: str) -> Impact:
    """One drop-out: the plan re-made without ``drop``. With "backfill" the rest is held and
    the budget does not stop the dropped critical slots from being filled again (a manager
    covers them on the day: the row says by how much it goes over)."""
    backfill = replan == "backfill"
    net = without(network, drop, keep=base if backfill else None)
    if backfill:
        net = replace(net, policy=replace(net.policy, budget=None))
    result = plan(net, profile, each, warm_start=base, stop=stop, check_reasons=False)
    return impact(network, profile, base, drop, result, infeasibility(network, net, result))


def stress(network: Network, profile: Profile, base: Plan, scores: Scores,
           partners: Sequence[str] | None = None, top: int | None = None, pairs: bool = False,
           settings: SolveSettings | None = None, on_done: OnDone | None = None,
           replan: str = "backfill") -> list[Impact]:
    """Re-plan without each partner (``partners``, else the ``top`` the plan leans on most,
    else every selected one), warm-started from ``base``; with ``pairs``, also without each
    pair of the (up to) five partners whose loss hurts most. Ranked by impact, worst first.

    ``replan`` "backfill" (the default) holds the rest of the plan and re-fills only the
    dropped partner's slots, as a manager would on the day; "all" re-plans everything.

    >>> import orchestra
    >>> from orchestra.score import score
    >>> net = orchestra.load_workbook("inputs/bank.xlsx")
    >>> profile, quick = orchestra.load_profile("lowest_cost"), SolveSettings(time_limit_s=10)
    >>> base = plan(net, profile, quick)
    >>> impacts = stress(net, profile, base, score(net, base), top=1, settings=quick)
    >>> len(impacts), impacts[0].dropped[0] in base.selected
    (1, True)
    """
    if replan not in REPLAN_MODES:
        raise ValueError(f"replan must be one of {REPLAN_MODES}, got {replan!r}")
    settings = settings or SolveSettings()
    chosen = list(partners) if partners is not None else leaned_on(network, base, scores)[:top]
    drops = [(pid,) for pid in chosen]

    def solve(drop: tuple[str, ...], each: SolveSettings) -> Job:
        return Job(_replan_without, (network, profile, base, drop, each, replan),
                   "without " + " and ".join(drop))

    def ranked(impacts: Iterable[Impact | None]) -> list[Impact]:
        return sorted((i for i in impacts if i is not None), key=lambda i: i.severity_key,
                      reverse=True)

    _, each = parallel_settings(settings, len(drops))
    impacts: list[Impact] = []
    try:
        impacts = run_all([solve(d, each) for d in drops], settings, on_done)
        if pairs and len(impacts) >= 2:
            worst = [i.dropped[0] for i in ranked(impacts)[:5]]
            couples = list(itertools.combinations(worst, 2))
            _, each = parallel_settings(settings, len(couples))
            impacts += run_all([solve(c, each) for c in couples], settings, on_done)
    except Interrupted as stopped:
        partial = ranked([*impacts, *stopped.partial])
        raise Interrupted(partial, len(partial), len(impacts) + stopped.total) from None
    return ranked(impacts)
