"""Procurement: candidate partner sets side by side, and what happens when a partner drops out.

Every set and every drop-out is an independent solve of the same loaded network with one rule
changed (the partners outside the set, or the dropped partner, are excluded). They run in
parallel threads: CP-SAT releases the GIL while it searches, so threads share the network
without copying it.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace

from orchestra.domain import CandidateSet, Lock, Network, Plan, Profile, Shortfall
from orchestra.errors import InputError, Problem
from orchestra.model import SolveSettings, plan
from orchestra.score import Scores, score

YARDSTICK = "orchestra's choice"
OnDone = Callable[[int, int], None]


# --- running many solves -----------------------------------------------------------------------


def parallel_settings(settings: SolveSettings, jobs: int) -> tuple[int, SolveSettings]:
    """How many solves run at once, and the settings of each: the cores are shared out, one
    solver worker per core unless the user fixed the count.

    Measured on M, 2 cores, two solves at a time: one worker each (the LP-guided search, LNS
    interleaved) against two or four: ``compare`` of 20 sets (8 s each) 46-48 s against 52-56 s
    and 72 s, objectives summed over the sets within 0.2 %; ``stress`` re-plans (2 s each) cost
    +52,885 in all against +224,297-268,109 and +2,139,201 (four workers leave some re-plans
    with slots open)."""
    cores = os.cpu_count() or 1
    at_once = max(1, min(jobs, cores))
    if settings.workers:
        return at_once, settings
    return at_once, replace(settings, workers=max(1, cores // at_once))


def run_all(jobs: Sequence[Callable[[], object]], settings: SolveSettings,
            on_done: OnDone | None = None) -> list[object]:
    """Run ``jobs`` (each a solve) in parallel threads; results in the jobs' order."""
    at_once, _ = parallel_settings(settings, len(jobs))
    results: list[object] = [None] * len(jobs)
    with ThreadPoolExecutor(max_workers=at_once) as pool:
        futures = {pool.submit(job): k for k, job in enumerate(jobs)}
        for done, future in enumerate(as_completed(futures), start=1):
            results[futures[future]] = future.result()
            if on_done:
                on_done(done, len(jobs))
    return results


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
    set_id: str
    members: tuple[str, ...]
    plan: Plan
    scores: Scores
    closing: Closing | None = None
    dominated_by: tuple[str, ...] = ()

    @property
    def total_cost(self) -> float:
        return self.plan.total_cost

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
    names = {s.set_id for s in sets}
    for name, members in extra:
        unknown = [p for p in members if p not in network.partner]
        if unknown:
            problems.append(Problem(f"--set {name}", f"unknown partner(s) {', '.join(unknown)}",
                                    "partner ids from the partners sheet"))
        if name in names or name == YARDSTICK:
            problems.append(Problem(f"--set {name}", "the set name is already used",
                                    "a new name"))
        names.add(name)
        sets.append(CandidateSet(name, tuple(members)))
    if problems:
        raise InputError(problems)
    return sets


def closing(network: Network, result: Plan, settings: SolveSettings) -> Closing | None:
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
    closed = plan(held, cheapest, settings, warm_start=result)
    added = tuple(p for p in closed.selected if p not in result.selected)
    return Closing(added, closed.total_cost - result.total_cost,
                   len(result.critical_shortfalls) - len(closed.critical_shortfalls),
                   closed.critical_shortfalls, closed)


def dominators(rows: Sequence[SetResult], row: SetResult) -> tuple[str, ...]:
    """The rows no worse than ``row`` on cost, filled share and cohesion, and better on one."""
    eps = 1e-9
    found = []
    for other in rows:
        if other is row:
            continue
        no_worse = (other.total_cost <= row.total_cost + eps
                    and other.filled_share >= row.filled_share - eps
                    and other.cohesion >= row.cohesion - eps)
        better = (other.total_cost < row.total_cost - eps
                  or other.filled_share > row.filled_share + eps
                  or other.cohesion > row.cohesion + eps)
        if no_worse and better:
            found.append(other.set_id)
    return tuple(found)


def compare(network: Network, sets: Sequence[CandidateSet], profile: Profile,
            settings: SolveSettings | None = None, on_done: OnDone | None = None) -> Comparison:
    """The best plan restricted to each set (same profile and rules), scored, with the cost of
    closing its critical shortfalls, and the unrestricted optimum as the yardstick."""
    settings = settings or SolveSettings()
    _, each = parallel_settings(settings, len(sets) + 1)
    targets = [(s.set_id, s.partner_ids, restricted(network, s.partner_ids)) for s in sets]
    targets.append((YARDSTICK, (), network))

    def job(net: Network) -> Callable[[], tuple[Plan, Scores, Closing | None]]:
        def run() -> tuple[Plan, Scores, Closing | None]:
            result = plan(net, profile, each)
            return result, score(net, result), closing(network, result, each)
        return run

    solved = run_all([job(net) for _, _, net in targets], settings, on_done)
    rows = [SetResult(set_id, tuple(members), result, scores, close)
            for (set_id, members, _), (result, scores, close) in zip(targets, solved,
                                                                     strict=True)]
    rows = [replace(r, dominated_by=dominators(rows, r)) for r in rows]
    return Comparison(profile, tuple(rows))


# --- stress ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Impact:
    """What dropping ``dropped`` does to the plan."""

    dropped: tuple[str, ...]
    plan: Plan
    cost_increase: float
    objective_change: float | None  # on the profile's objective; None if either is unknown
    unfilled: tuple[str, ...]  # roles with more open slots than before, critical first
    critical_unfilled: int  # more open critical slots than before
    lost_coverage: tuple[tuple[str, float], ...]  # (touchpoint, fall in filled share)

    @property
    def severity_key(self) -> tuple:
        return (self.critical_unfilled, len(self.unfilled),
                sum(loss for _, loss in self.lost_coverage), self.cost_increase)


def without(network: Network, dropped: Iterable[str]) -> Network:
    """``network`` after ``dropped`` left: excluded, and no longer locked or forced in."""
    gone = set(dropped)
    policy = replace(network.policy,
                     exclude=tuple(dict.fromkeys((*network.policy.exclude, *sorted(gone)))),
                     must_include=tuple(p for p in network.policy.must_include if p not in gone))
    return replace(network, policy=policy,
                   locks=tuple(lk for lk in network.locks if lk.partner_id not in gone))


def leaned_on(base: Plan, scores: Scores) -> list[str]:
    """Selected partners, the ones the plan leans on most first: single points of failure,
    then slots held, then money."""
    spofs = scores.failure_points()
    slots: dict[str, int] = {}
    spend: dict[str, float] = {}
    for a in base.assignments:
        slots[a.partner_id] = slots.get(a.partner_id, 0) + 1
        spend[a.partner_id] = spend.get(a.partner_id, 0.0) + a.cost
    return sorted(base.selected, key=lambda p: (-spofs.get(p, 0), -slots.get(p, 0),
                                                -spend.get(p, 0.0), p))


def impact(network: Network, base: Plan, dropped: tuple[str, ...], result: Plan) -> Impact:
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
    change = (result.objective - base.objective
              if result.objective is not None and base.objective is not None else None)
    return Impact(dropped, result, result.total_cost - base.total_cost, change, tuple(unfilled),
                  max(0, critical), tuple(lost))


def stress(network: Network, profile: Profile, base: Plan, scores: Scores,
           partners: Sequence[str] | None = None, top: int | None = None, pairs: bool = False,
           settings: SolveSettings | None = None, on_done: OnDone | None = None
           ) -> list[Impact]:
    """Re-plan without each partner (``partners``, else the ``top`` the plan leans on most,
    else every selected one), warm-started from ``base``; with ``pairs``, also without each
    pair of the (up to) five partners whose loss hurts most. Ranked by impact, worst first."""
    settings = settings or SolveSettings()
    chosen = list(partners) if partners is not None else leaned_on(base, scores)[:top]
    drops = [(pid,) for pid in chosen]

    def solve(drop: tuple[str, ...], each: SolveSettings) -> Callable[[], Impact]:
        def run() -> Impact:
            net = without(network, drop)
            return impact(network, base, drop, plan(net, profile, each, warm_start=base))
        return run

    _, each = parallel_settings(settings, len(drops))
    impacts = run_all([solve(d, each) for d in drops], settings, on_done)
    if pairs and len(impacts) >= 2:
        worst = [i.dropped[0] for i in sorted(impacts, key=lambda i: i.severity_key,
                                              reverse=True)[:5]]
        couples = list(itertools.combinations(worst, 2))
        _, each = parallel_settings(settings, len(couples))
        impacts += run_all([solve(c, each) for c in couples], settings, on_done)
    return sorted(impacts, key=lambda i: i.severity_key, reverse=True)
