"""Trade-offs in view: genuinely different good teams, profiles side by side, and the frontier
of cost against coverage as a budget (or another limit) moves.

Alternatives are solved one after another (each must differ from the plan and every earlier
alternative: ``Policy.other_than``, enforced by ``add_different_teams``); profiles and frontier
points are independent solves, run in parallel like ``compare``.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from orchestra.domain import Network, Plan, Profile, Scenario
from orchestra.execution import Interrupted, Job, OnDone, parallel_settings, run_all
from orchestra.explanations import rank
from orchestra.model import SolveSettings, plan
from orchestra.model.evaluate import objective_of
from orchestra.model.given import given_plan
from orchestra.procurement import (
    TODAY,
    Comparison,
    SetResult,
    dominators,
    infeasibility,
    set_result,
)
from orchestra.score import score

PLAN = "plan"
VARIES = ("budget", "max_partners", "min_partners_per_touchpoint")
LOOSER_UPWARDS = ("budget", "max_partners")  # a higher value admits every plan of a lower


# --- alternatives --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Alternative:
    rank: int  # 1, 2, ...
    plan: Plan
    added: tuple[str, ...]  # partners in it and not in the plan
    removed: tuple[str, ...]  # partners in the plan and not in it


def alternative_name(k: int) -> str:
    return f"alternative {k}"


def alternatives(network: Network, profile: Profile, base: Plan, count: int,
                 min_difference: int = 2, within: float | None = None,
                 settings: SolveSettings | None = None,
                 stop: threading.Event | None = None) -> list[Alternative]:
    """Up to ``count`` more plans, each the best plan (same profile and rules) whose team
    differs from the plan's and from every earlier alternative's in at least
    ``min_difference`` partners; stops at the first that ranks worse than the plan on open
    critical slots, finds no plan, or (``within``, a share such as 0.05) costs more than that
    share above the plan's objective.

    >>> import orchestra
    >>> net = orchestra.load_workbook("inputs/bank.xlsx")
    >>> profile, quick = orchestra.load_profile("lowest_cost"), SolveSettings(time_limit_s=10)
    >>> base = plan(net, profile, quick)
    >>> [len(set(a.plan.selected) ^ set(base.selected)) >= 2
    ...  for a in alternatives(net, profile, base, 2, settings=quick)]
    [True, True]
    """
    settings = settings or SolveSettings()
    teams = [tuple(base.selected)]
    found: list[Alternative] = []
    target = base.objective
    for k in range(1, count + 1):
        policy = replace(network.policy, other_than=tuple(teams), min_difference=min_difference)
        result = plan(replace(network, policy=policy), profile, settings,
                      warm_start=found[-1].plan if found else base, stop=stop,
                      check_reasons=False)
        if result.objective is None or rank(network, result)[0] > rank(network, base)[0]:
            break
        if within is not None and target is not None and (
                objective_of(network, profile, result) > target + within * abs(target)):
            break
        team = set(result.selected)
        found.append(Alternative(k, result, tuple(sorted(team - set(base.selected))),
                                 tuple(sorted(set(base.selected) - team))))
        teams.append(tuple(result.selected))
        if stop is not None and stop.is_set():
            break
    return found


def side_by_side(network: Network, profile: Profile, base: Plan,
                 found: Sequence[Alternative]) -> Comparison:
    """The plan and its alternatives in the comparison layout (rows scored, dominated named)."""
    rows = [set_result(network, PLAN, (), base, score(network, base))]
    rows += [set_result(network, alternative_name(a.rank), (), a.plan, score(network, a.plan))
             for a in found]
    return Comparison(profile, tuple(replace(r, dominated_by=dominators(rows, r)) for r in rows))


# --- profiles side by side -----------------------------------------------------------------------


def _plan_profile(stop: threading.Event, network: Network, profile: Profile,
                  each: SolveSettings) -> SetResult:
    result = plan(network, profile, each, stop=stop)
    return set_result(network, profile.name, (), result, score(network, result))


def compare_profiles(network: Network, profiles: Sequence[Profile],
                     settings: SolveSettings | None = None,
                     on_done: OnDone | None = None) -> Comparison:
    """The unrestricted network planned once per profile, in the comparison layout (the
    first profile is the comparison's own). Ctrl-C: ``Interrupted`` with what finished.

    >>> import orchestra
    >>> net = orchestra.load_workbook("inputs/bank.xlsx")
    >>> side = compare_profiles(net, [orchestra.load_profile(n) for n in ("balanced",
    ...                         "lowest_cost")], SolveSettings(time_limit_s=10))
    >>> [r.set_id for r in side.rows]
    ['balanced', 'lowest_cost']
    """
    settings = settings or SolveSettings()
    _, each = parallel_settings(settings, len(profiles))

    def assemble(done: Sequence[SetResult | None]) -> Comparison:
        rows = [r for r in done if r is not None]
        return Comparison(profiles[0], tuple(replace(r, dominated_by=dominators(rows, r))
                                             for r in rows))

    try:
        return assemble(run_all([Job(_plan_profile, (network, p, each), f"profile {p.name}")
                                 for p in profiles], settings, on_done))
    except Interrupted as stopped:
        raise Interrupted(assemble(stopped.partial), stopped.finished, stopped.total) from None


# --- scenarios side by side ----------------------------------------------------------------------


def scenario_network(network: Network, scenario: Scenario) -> Network:
    """``network`` as ``scenario`` sets it: its limits and standards where given, its partners
    forced in and kept out, its locks (from ``locks_from``, beside the input) in place of the
    input's. A problem is an ``InputError`` at the scenario's cell."""
    from orchestra.errors import InputError, Problem

    net = network
    if scenario.locks_from:
        from orchestra.io.loader import load_with_locks

        folder = Path(network.source).parent if network.source else Path.cwd()
        try:
            net = load_with_locks(network.source, folder / scenario.locks_from).network
        except InputError as exc:
            raise InputError([Problem(scenario.where, f"locks_from {scenario.locks_from}: "
                                      f"{p}") for p in exc.problems]) from None
        net = replace(net, bids_sources=network.bids_sources, bidders=network.bidders,
                      capabilities=network.capabilities, partners=network.partners)
    policy = net.policy
    changes = {key: value for key in ("budget", "max_partners", "max_changes", "meet_standards")
               if (value := getattr(scenario, key)) is not None}
    if scenario.include:
        changes["must_include"] = tuple(dict.fromkeys((*policy.must_include, *scenario.include)))
        changes["exclude"] = tuple(p for p in policy.exclude if p not in scenario.include)
    if scenario.exclude:
        changes["exclude"] = tuple(dict.fromkeys((*changes.get("exclude", policy.exclude),
                                                  *scenario.exclude)))
        changes["must_include"] = tuple(p for p in changes.get("must_include",
                                                               policy.must_include)
                                        if p not in scenario.exclude)
    return replace(net, policy=replace(policy, **changes))


def _plan_scenario(stop: threading.Event, network: Network, name: str, scenario_net: Network,
                   profile: Profile, each: SolveSettings) -> SetResult:
    result = plan(scenario_net, profile, each, stop=stop)
    return set_result(network, name, (), result, score(scenario_net, result),
                      infeasible=infeasibility(network, scenario_net, result))


def compare_scenarios(network: Network, planned: Sequence[tuple[str, Network, Profile]],
                      settings: SolveSettings | None = None,
                      on_done: OnDone | None = None) -> Comparison:
    """Each scenario (name, its network, its profile) planned, side by side in the comparison
    layout, with today's network beside them when the input has one. Ctrl-C: ``Interrupted``
    with what finished."""
    settings = settings or SolveSettings()
    _, each = parallel_settings(settings, len(planned))

    def assemble(done: Sequence[SetResult | None]) -> Comparison:
        rows = [r for r in done if r is not None]
        if network.current:
            contracted = network.as_contracted  # today's prices, not the bids'
            today = given_plan(contracted, planned[0][2], network.current)
            rows.append(set_result(network, TODAY, (), today, score(contracted, today)))
        return Comparison(planned[0][2], tuple(replace(r, dominated_by=dominators(rows, r))
                                               for r in rows))

    try:
        return assemble(run_all([Job(_plan_scenario, (network, name, net, profile, each),
                                     f"scenario {name}") for name, net, profile in planned],
                                settings, on_done))
    except Interrupted as stopped:
        raise Interrupted(assemble(stopped.partial), stopped.finished, stopped.total) from None


def differing_partners(comparison: Comparison) -> dict[str, tuple[str, ...]]:
    """Per row, its partners that are not in every row's team."""
    teams = [set(r.plan.selected) for r in comparison.rows]
    common = set.intersection(*teams) if teams else set()
    return {r.set_id: tuple(p for p in r.plan.selected if p not in common)
            for r in comparison.rows}


# --- the frontier --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FrontierPoint:
    value: float  # the budget (or the varied limit)
    plan: Plan
    filled_share: float
    expected_share: float
    cohesion_index: float
    objective: float | None  # on the profile, in the network's own units
    added: tuple[str, ...] = ()  # against the previous point
    removed: tuple[str, ...] = ()
    kept_from: float | None = None  # the value whose plan was kept (see ``frontier``)
    infeasible: str = ""  # why no plan keeps the rules at this value ("" when one does)
    record: SetResult | None = None  # the comparison record every side-by-side table shares

    # Read off the record (none for an infeasible point).
    @property
    def critical_open(self) -> int:
        return self.record.critical_shortfalls if self.record else 0

    @property
    def standards_met(self) -> int:
        return self.record.standards_met if self.record else 0

    @property
    def standards_total(self) -> int:
        return len(self.record.scores.standards) if self.record else 0


def with_limit(network: Network, vary: str, value: float) -> Network:
    """``network`` with the policy's ``vary`` limit set to ``value``."""
    if vary not in VARIES:
        raise ValueError(f"vary must be one of {VARIES}, got {vary!r}")
    number = value if vary == "budget" else int(value)
    return replace(network, policy=replace(network.policy, **{vary: number}))


def _plan_at(stop: threading.Event, network: Network, vary: str, value: float,
             profile: Profile, each: SolveSettings) -> Plan:
    return plan(with_limit(network, vary, value), profile, each, stop=stop,
                check_reasons=False)


def frontier(network: Network, profile: Profile, values: Sequence[float],
             vary: str = "budget", settings: SolveSettings | None = None,
             on_done: OnDone | None = None) -> list[FrontierPoint]:
    """The plan at each value of the limit ``vary`` (ascending), in parallel. A higher budget
    or max_partners admits every plan of a lower one, so where a point's own search ended worse
    (on the model's ranks, then the objective) than a lower point's plan, that plan is kept for
    it and named in ``kept_from``: more budget never gives a worse plan. (A higher
    min_partners_per_touchpoint asks more, so its points stand as solved.) Ctrl-C:
    ``Interrupted`` with the points that finished.

    >>> import orchestra
    >>> net = orchestra.load_workbook("inputs/bank.xlsx")
    >>> points = frontier(net, orchestra.load_profile("lowest_cost"), [400_000, 600_000],
    ...                   settings=SolveSettings(time_limit_s=10))
    >>> [p.plan.total_cost <= p.value for p in points]
    [True, True]
    """
    settings = settings or SolveSettings()
    values = sorted(set(values))
    _, each = parallel_settings(settings, len(values))

    def assemble(solved: Sequence[Plan | None]) -> list[FrontierPoint]:
        points: list[FrontierPoint] = []
        best: tuple | None = None  # (key, value, plan) of the best plan of a tighter limit
        for value, result in zip(values, solved, strict=True):
            if result is None:
                continue
            if result.stopped_by == "no solution (INFEASIBLE)":
                why = infeasibility(network, with_limit(network, vary, value), result)
                points.append(FrontierPoint(value, result, 0.0, 0.0, 0.0, None,
                                            infeasible=why))
                continue
            kept = None
            if result.objective is not None and vary in LOOSER_UPWARDS:
                key = (*rank(network, result), objective_of(network, profile, result))
                if best is not None and best[0] < key:
                    kept, result = best[1], best[2]
                    key = best[0]
                if best is None or key <= best[0]:
                    best = (key, value if kept is None else best[1], result)
            scores = score(network, result)
            planned = [q for q in points if not q.infeasible]
            previous = set(planned[-1].plan.selected) if planned else set(result.selected)
            team = set(result.selected)
            group = scores.by_group["all"]
            points.append(FrontierPoint(
                value, result, group["filled_share"] or 0.0, group["expected_share"] or 0.0,
                scores.cohesion.index,
                objective_of(network, profile, result) if result.objective is not None
                else None, tuple(sorted(team - previous)), tuple(sorted(previous - team)),
                kept, record=set_result(network, f"{value:g}", (), result, scores)))
        return points

    try:
        return assemble(run_all([Job(_plan_at, (network, vary, v, profile, each),
                                     f"{vary} {v:g}") for v in values], settings, on_done))
    except Interrupted as stopped:
        raise Interrupted(assemble(stopped.partial), stopped.finished, stopped.total) from None


MAX_POINTS = 100  # a frontier of more points takes hours and reads no better


def parse_values(text: str) -> list[float]:
    """``from:to:points`` (evenly spaced, both ends included) or a comma-separated list of
    finite numbers, at most ``MAX_POINTS`` of them.

    >>> parse_values("0:10:3"), parse_values("5, 7")
    ([0.0, 5.0, 10.0], [5.0, 7.0])
    """
    text = text.strip()
    try:
        if ":" in text:
            parts = text.split(":")
            if len(parts) != 3:
                raise ValueError(f'"{text}": expected FROM:TO:POINTS or a list A,B,C')
            low, high, count = _finite(parts[0], text), _finite(parts[1], text), int(parts[2])
            if count < 2 or high <= low:
                raise ValueError(f'"{text}": TO must exceed FROM and POINTS be at least 2')
            if count > MAX_POINTS:
                raise ValueError(f'"{text}": at most {MAX_POINTS} points')
            return [low + (high - low) * k / (count - 1) for k in range(count)]
        values = [_finite(v, text) for v in text.split(",") if v.strip()]
    except ValueError as exc:
        if str(exc).startswith('"'):
            raise
        raise ValueError(f'"{text}": expected numbers, as FROM:TO:POINTS or A,B,C') from None
    if not values:
        raise ValueError(f'"{text}": no values')
    if len(values) > MAX_POINTS:
        raise ValueError(f'"{text}": at most {MAX_POINTS} points')
    return values


def _finite(part: str, text: str) -> float:
    value = float(part)
    if not math.isfinite(value):
        raise ValueError(f'"{text}": {part.strip()} is not a finite number')
    return value
