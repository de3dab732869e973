"""Solve the planning model and read the plan back: settings, progress, Ctrl-C, the solution."""

from __future__ import annotations

import math
import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from types import MappingProxyType

import numpy as np
from ortools.sat.python import cp_model

from orchestra.domain import Network, Plan, Profile, Rules, judge
from orchestra.model.assemble import capacity_used, number_slots, shortfalls, total_cost
from orchestra.model.conflicts import quick_solver
from orchestra.model.data import ModelData
from orchestra.model.flat import Companion, FlatModel, flatten
from orchestra.model.flat import fixable as lagrangian_fixable
from orchestra.model.greedy import GreedyPlan, greedy_plan
from orchestra.model.neighbourhood import (
    Incumbent,
    fixed_solver,
    hint_values,
    improve,
    set_domains,
    solve_hinted,
)
from orchestra.model.reasons import BUDGET, explain_open_slot
from orchestra.model.relaxation import Relaxation, fixable, solve_relaxation
from orchestra.model.rules import PlanningModel, build_model
from orchestra.model.transition import with_schedule
from orchestra.signals import ctrl_c_sets

DETERMINISTIC_WORKERS = 2
# The figures behind each setting below are in docs/performance.md.
# A search that has found a plan and then neither bettered it nor raised its bound by
# STALL_PROGRESS of the objective for STALL_SHARE of its time (at least STALL_MIN_S) hands the
# time left to our own large-neighbourhood search (``neighbourhood``), beside one CP-SAT worker
# that raises the bound and so proves the LNS's plan optimal once they meet. Outside
# --deterministic. 5 % hands over sooner and, with that worker, keeps the proofs 15 % kept.
STALL_PROGRESS = 1e-4
STALL_SHARE = 0.05
STALL_MIN_S = 1.0
# CP-SAT returns later than its time limit on large models, and reading the plan back takes a
# moment more: this much per model variable is kept back from the last solve so that the plan
# ends within its limit (XL overran by 1.3 s on 100 s without it).
STOP_SECONDS_PER_VARIABLE = 1e-5
# CP-SAT's search portfolio. Its LP-guided workers find this model's good plans and its bound:
# `reduced_costs` (search guided by the LP's reduced costs) and `max_lp` (the strongest LP, cuts
# included); on 2 cores they beat CP-SAT's default 8 workers on every benchmark network. With
# more cores, half the workers run these full searches in this order, the others
# large-neighbourhood search (not measured: the benchmark machine has 2 cores).
FULL_SUBSOLVERS = ("reduced_costs", "max_lp", "pseudo_costs", "default_lp", "quick_restart",
                   "core", "lb_tree_search", "no_lp")
# From NARROW_FIRST_PAIRS assignment variables the search starts with a narrower model: the
# NARROW_CANDIDATES best-priced candidates per role (see ``ModelData.price``), for NARROW_SHARE of
# the time limit; the full model then starts from its plan, searches on and proves the bound.
# Below that size the full model alone does better; narrower lost good plans, wider was no better.
NARROW_FIRST_PAIRS = 8_000
NARROW_CANDIDATES = 8
NARROW_SHARE = 0.6
# Where the objective has no cohesion term the search starts on a core (``_core_applies``):
# per role, its slots plus CORE_EXTRA candidates with the least reduced cost in the model's
# linear relaxation (solved by GLOP in at most CORE_LP_SHARE of the time), for up to CORE_SHARE
# of the time; the full model then starts from its plan, the variables the reduced costs
# settle for every plan as good fixed (``relaxation``).
CORE_EXTRA = 2
CORE_SHARE = 0.5
CORE_LP_SHARE = 0.1
# From NARROW_FIRST_PAIRS assignment variables CP-SAT presolves a model in one pass instead of
# its default three: on L each pass takes about a tenth of the full search's time, and the
# later passes change little (the proven gap about halves, the plan the same).
LARGE_PRESOLVE_ITERATIONS = 1
# On such models the first full search (`reduced_costs`) gives its worker to CP-SAT's
# large-neighbourhood search, `max_lp` keeps raising the bound: after the narrow search, the
# full one never bettered the narrow plan on L, where LNS brings in candidates the narrow
# model left out.
LARGE_GIVES_WAY = "reduced_costs"
# From this many assignment variables the compiled kernels (``flat.Companion``) run beside
# CP-SAT: a Lagrangian bound, and where the model is all they know an improvement search.
# Below it CP-SAT proves the examples in a second, before the kernels would have compiled.
COMPANION_FROM_PAIRS = 400
# Under --deterministic the companion runs after CP-SAT, for this many rounds.
DETERMINISTIC_ROUNDS = 5


@dataclass(frozen=True)
class SolveSettings:
    """Everything that steers the solver, in one place.

    >>> SolveSettings(time_limit_s=20, seed=7).deterministic
    False
    """

    time_limit_s: float = 60.0
    workers: int = 0  # 0: one per core, at least 2
    seed: int = 0
    deterministic: bool = False  # fixed workers, interleaved search, deterministic time limit
    hint: bool = True  # start from the greedy plan
    log: bool = False  # CP-SAT's own log on stderr

    @property
    def worker_count(self) -> int:
        """The solver threads a search runs outside --deterministic."""
        return self.workers or max(2, os.cpu_count() or 1)

    def apply(self, solver: cp_model.CpSolver) -> None:
        """Set ``solver``'s parameters."""
        params = solver.parameters
        params.random_seed = self.seed
        params.log_search_progress = self.log
        # Ctrl-C is handled in Python (``_solve``): CP-SAT's own handler, installed from the
        # solving thread, aborts the process instead of stopping the search.
        params.catch_sigint_signal = False
        if self.deterministic:
            # Interleaved search is reproducible whatever the machine's load; the limit is
            # counted in CP-SAT's deterministic time units, roughly seconds.
            workers = self.workers or DETERMINISTIC_WORKERS
            params.interleave_search = True
            params.max_deterministic_time = self.time_limit_s
        else:
            workers = self.worker_count
            params.max_time_in_seconds = self.time_limit_s
        params.num_workers = workers
        full = min(len(FULL_SUBSOLVERS), workers if workers <= 2 else max(2, workers // 2))
        params.num_full_subsolvers = full
        params.subsolvers.extend(FULL_SUBSOLVERS[:full])


@dataclass(frozen=True)
class Progress:
    objective: float
    bound: float | None  # None while the narrow model searches: its bound is not the plan's
    gap: float | None
    elapsed_s: float


def relative_gap(objective: float, bound: float) -> float:
    """Gap between the plan and the proven bound, relative to the plan.

    >>> relative_gap(110.0, 100.0)
    0.09090909090909091
    >>> relative_gap(0.0, 0.0)
    0.0
    """
    return abs(objective - bound) / max(1.0, abs(objective))


class _Watcher(cp_model.CpSolverSolutionCallback):
    """Reports each better plan, and notes when the search last made progress (a better plan,
    or a bound raised by at least ``STALL_PROGRESS`` of the objective) for ``_solve`` to stop
    a stalled search when ``stall_after`` is set."""

    def __init__(self, scale: int, on_progress: Callable[[Progress], None] | None,
                 stall_after: float | None = None):
        super().__init__()
        self.scale = scale
        self.on_progress = on_progress
        self.stall_after = stall_after
        self.stalled = False
        self.objective: float | None = None
        self.bound: float | None = None
        self.last_progress = time.perf_counter()
        self.companion: Companion | None = None  # handed each plan (``_companion``)

    def on_solution_callback(self) -> None:
        self.objective = self.objective_value
        self.last_progress = time.perf_counter()
        if self.companion is not None:
            self.companion.offer(self.response_proto.solution, self.objective_value)
        if self.on_progress is None:
            return
        obj = self.objective_value / self.scale
        bound = self.best_objective_bound / self.scale
        self.on_progress(Progress(obj, bound, relative_gap(obj, bound), self.wall_time))

    def on_bound(self, bound: float) -> None:
        if self.objective is not None and (self.bound is None or bound - self.bound
                                           > STALL_PROGRESS * max(1.0, abs(self.objective))):
            self.last_progress = time.perf_counter()
        self.bound = bound if self.bound is None else max(self.bound, bound)

    def is_stalled(self) -> bool:
        return (self.stall_after is not None and self.objective is not None
                and time.perf_counter() - self.last_progress > self.stall_after)


def _solve(solver: cp_model.CpSolver, model: cp_model.CpModel,
           watcher: cp_model.CpSolverSolutionCallback, stop: threading.Event | None = None,
           halt: threading.Event | None = None) -> tuple[int, bool]:
    """Solve in a worker thread so Ctrl-C (or ``stop``, set by another thread: parallel solves
    run off the main thread, where Ctrl-C never arrives; or ``halt``, the same for a search's
    own ends) stops the search and keeps the best plan so far. A ``_Watcher`` with
    ``stall_after`` also stops it when it stalls."""
    stalls = isinstance(watcher, _Watcher) and watcher.stall_after is not None
    result: dict[str, object] = {}
    done = threading.Event()

    def run() -> None:
        try:
            result["status"] = solver.solve(model, watcher)
        except BaseException as exc:  # re-raised in the calling thread below
            result["error"] = exc
        finally:
            done.set()

    if stalls:
        solver.best_bound_callback = watcher.on_bound
    threading.Thread(target=run, daemon=True).start()
    interrupted = False
    # An Event, not Thread.join: a join cut short by Ctrl-C can leave the thread marked as
    # finished while it still runs (CPython issue 21822). Ctrl-C sets ``pressed`` rather than
    # raising, so that it cannot be lost in a finalizer (``signals``).
    with ctrl_c_sets(threading.Event()) as pressed:
        while not done.is_set():
            try:
                done.wait(0.1)
            except KeyboardInterrupt:  # SIGTERM, which the CLI turns into one
                pressed.set()
            if not interrupted and (pressed.is_set() or any(
                    event is not None and event.is_set() for event in (stop, halt))):
                interrupted = True
                solver.stop_search()
            elif stalls and not watcher.stalled and watcher.is_stalled():
                watcher.stalled = True
                solver.stop_search()
    if "error" in result:
        raise result["error"]
    return result["status"], interrupted


def _open_counts(pm: PlanningModel, assigned: set[tuple[str, str]]) -> tuple[int, int]:
    """(critical, optional) open slots of a plan given as (role, partner) pairs, counted the way
    the model counts them (redundancy shortfalls with the critical ones)."""
    data = pm.data
    critical = optional = 0
    filled: dict[str, int] = {}
    for role_id, _pid in assigned:
        filled[role_id] = filled.get(role_id, 0) + 1
    for role in data.network.roles:
        if data.candidates[role.role_id]:
            opened = role.slots - filled.get(role.role_id, 0)
            if role.critical:
                critical += opened
            elif data.rules.profile.fill_all_first:
                optional += opened
    for tid in pm.redundancy_short:
        roles = {r.role_id for r in data.network.roles_of(tid)}
        distinct = {pid for role_id, pid in assigned if role_id in roles}
        critical += max(0, data.rules.min_partners_per_touchpoint - len(distinct))
    return critical, optional


def _missed_by(pm: PlanningModel, assigned: set[tuple[str, str]]) -> set[tuple[str, str, str]]:
    """The standards the model keeps that a plan, given as (role, partner) pairs, misses."""
    network = pm.data.network
    return {s.key for s in network.standards
            if s.key in pm.missed
            and judge(network, s, assigned).met is False}


def _certainly_missed(pm: PlanningModel) -> set[tuple[str, str, str]]:
    """Standards every plan with the fewest open slots misses (``Network.out_of_reach``)."""
    network = pm.data.network
    return {s.key for s in network.standards
            if s.key in pm.missed and network.out_of_reach(s)}


def _fewest_possible(pm: PlanningModel) -> tuple[int, int]:
    """Open slots no plan can avoid: more slots than qualified partners."""
    data = pm.data
    critical = optional = 0
    for role in data.network.roles:
        cands = len(data.candidates[role.role_id])
        if cands:
            short = max(0, role.slots - cands)
            if role.critical:
                critical += short
            elif data.rules.profile.fill_all_first:
                optional += short
    return critical, optional


@dataclass(frozen=True)
class _Outcome:
    status: int
    interrupted: bool
    solver: cp_model.CpSolver
    weighted: bool  # False when the search stopped in phase one: no bound on the weighted terms
    breaks_share: bool = False  # out of time with a plan over a max_share (see ``_search``)
    bound: float | None = None  # the search's bound, when ``solver`` holds a plan found after it
    bound_source: str = "cp-sat"  # or "lagrangian" (``_with_companion``)
    # What the compiled kernels did (``_with_companion``), recorded in the plan's settings.
    compiled: dict | None = None


def _solve_ranked(pm: PlanningModel, start, settings: SolveSettings, watcher: _Watcher,
                  stop: threading.Event | None = None, complete: bool = False) -> _Outcome:
    """Open slots first (critical, then moments of truth without a standby, then optional slots
    when the profile fills everything first), the weighted terms second, as two solves (no
    big-M weights, which would wreck the LP bound). Phase one is skipped when the greedy plan
    already leaves open only the slots no plan can fill and nothing asks for standbys.
    ``complete``: the hint is completed for each phase's objective (``_complete_hint``)."""
    # One open critical slot outranks every missed standard; one missed standard (weighted by
    # importance) every missing standby; one missing standby every open optional slot.
    rank = pm.data.network.slot_count + 1
    standard = rank * (len(pm.unprotected) + 1)
    top = standard * (pm.standards_most + 1)
    began = time.perf_counter()
    spent = 0.0  # deterministic time used by phase one
    if settings.deterministic and (checked := _infeasibility_check(pm)) is not None:
        return _Outcome(cp_model.INFEASIBLE, False, checked, weighted=False)
    # The greedy's counts are a plan's only if it keeps every rule.
    valid = start is not None and start.keeps_every_rule(pm.data)
    greedy_open = _open_counts(pm, start.assigned) if valid else None
    greedy_missed: set[tuple[str, str]] = set()
    if (greedy_open is not None and greedy_open == _fewest_possible(pm) and not pm.unprotected
            and (greedy_missed := _missed_by(pm, start.assigned)) <= _certainly_missed(pm)):
        # The greedy plan is best on every rank: phase one could not do better.
        (critical, optional), protection = greedy_open, 0
        missed = sum(pm.standard_units[key] for key in greedy_missed)
    else:
        pm.model.minimize(top * pm.open_critical + standard * pm.open_standards
                          + rank * pm.open_protection + pm.open_optional)
        if complete:
            _complete_hint(pm, settings)
        solver = cp_model.CpSolver()
        _configure(solver, pm, replace(settings, time_limit_s=settings.time_limit_s / 3))
        status, interrupted = _solve(solver, pm.model, _Watcher(1, None), stop)
        spent = solver.response_proto.deterministic_time
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE) or interrupted:
            return _Outcome(status, interrupted, solver, weighted=False)
        critical = round(solver.value(pm.open_critical))
        missed = round(solver.value(pm.open_standards))
        protection = round(solver.value(pm.open_protection))
        optional = round(solver.value(pm.open_optional))
    pm.model.add(pm.open_critical <= critical)
    if pm.missed:
        pm.model.add(pm.open_standards <= missed)
        if missed == 0:  # every standard met: said by the domains, the relaxation reads the rows
            set_domains(pm.model, {var.Index(): 0 for var in pm.missed.values()})
    if pm.unprotected:
        pm.model.add(pm.open_protection <= protection)
    if pm.data.rules.profile.fill_all_first:
        pm.model.add(pm.open_optional <= optional)
    pm.model.minimize(sum(pm.terms.values()))
    if complete:
        _complete_hint(pm, settings)

    def time_left() -> float:  # CP-SAT stops a little after its limit on large models
        return max(0.1, settings.time_limit_s - (time.perf_counter() - began)
                   - STOP_SECONDS_PER_VARIABLE * len(pm.model.proto.variables))

    if settings.deterministic:  # what phase one used in deterministic time, not on the clock
        left = max(0.1, settings.time_limit_s - spent)
    else:
        left = time_left()
    companion = _companion(pm, settings, critical, optional)
    watcher.companion = companion if not settings.deterministic else None
    if watcher.companion is not None:
        companion.start()
    try:
        outcome = _search_weighted(pm, settings, left, watcher, stop, time_left, began)
    finally:
        if watcher.companion is not None:
            companion.stop()
        watcher.companion = None
    return outcome if companion is None else _with_companion(pm, outcome, companion, settings)


def _search_weighted(pm: PlanningModel, settings: SolveSettings, left: float,
                     watcher: _Watcher, stop: threading.Event | None,
                     time_left: Callable[[], float], began: float) -> _Outcome:
    """The second solve: the weighted terms, the ranks held. A core first where it applies,
    then the full model, and our LNS where the search stalls."""
    solver = cp_model.CpSolver()
    cored = _core_applies(pm, settings)
    core = _core_first(pm, settings, left, watcher, stop) if cored else None
    if core is not None and core.outcome.interrupted:
        return core.outcome
    fixed = {} if core is None else _fix_by_reduced_cost(pm, core, watcher.companion)
    try:
        if cored:  # the time the core's try left, with or without a core (never deterministic)
            left = time_left()
        _configure(solver, pm, replace(settings, time_limit_s=left))
        if not settings.deterministic and _assignment_only(pm):  # a stalled search hands over
            watcher.stall_after = max(STALL_MIN_S, STALL_SHARE * left)
            watcher.last_progress = time.perf_counter()
        status, interrupted = _solve(solver, pm.model, watcher, stop)
        left = settings.time_limit_s - (time.perf_counter() - began)
        if watcher.stalled and status == cp_model.FEASIBLE and not interrupted and left > 0.1:
            outcome = _neighbourhoods(pm, solver, settings, left, watcher, stop)
        else:
            outcome = _Outcome(status, interrupted, solver, weighted=True)
    finally:
        set_domains(pm.model, fixed)
    return outcome if core is None else _better_of(outcome, core)


@dataclass(frozen=True)
class _Core:
    outcome: _Outcome  # the core's search: its plan is the full model's, its bound the LP's
    relaxation: Relaxation


def _infeasibility_check(pm: PlanningModel, seconds: float = 10.0) -> cp_model.CpSolver | None:
    """The solver that proved no plan keeps the model's rules, by a plain feasibility solve
    (no hint, no objective, no interleaved search); None when a plan may. OR-Tools 9.15's
    interleaved (--deterministic) search aborts the process on an infeasible model with a hint
    ("Check failed: heuristics.fixed_search != nullptr", google/or-tools#5025): this check comes
    first."""
    copy = pm.model.clone()
    copy.clear_hints()
    copy.clear_objective()
    solver = quick_solver(seconds)
    return solver if solver.solve(copy) == cp_model.INFEASIBLE else None


def _core_applies(pm: PlanningModel, settings: SolveSettings) -> bool:
    """Whether the search starts on a core of candidates (``_core_first``): where the
    objective has no cohesion term, below the size where the narrow search starts instead,
    outside --deterministic. With cohesion GLOP does not solve the relaxation within its share
    (M balanced, 10 s: 1.8 s lost to it, and no core)."""
    return (not settings.deterministic and "cohesion" not in pm.terms
            and len(pm.assign) < NARROW_FIRST_PAIRS)


def _core_first(pm: PlanningModel, settings: SolveSettings, seconds: float, watcher: _Watcher,
                stop: threading.Event | None) -> _Core | None:
    """Search first, for up to CORE_SHARE of ``seconds``, a core of the model: per role, its
    slots plus CORE_EXTRA candidates with the least reduced cost in the linear relaxation, and
    every pair the relaxation or the hint uses; the other pairs are held at 0 meanwhile. None
    when the relaxation is not solved in time, nothing is left out, or the core has no plan.
    Figures: docs/performance.md."""
    began = time.perf_counter()
    relaxation = solve_relaxation(pm.model, CORE_LP_SHARE * seconds)
    if relaxation is None:
        return None
    proto = pm.model.proto
    hint = proto.solution_hint
    hinted = {var for var, value in zip(hint.vars, hint.values, strict=True) if value}
    outside: dict[int, int] = {}
    for role_id, candidates in pm.data.candidates.items():
        indices = [pm.assign[c.key].Index() for c in candidates]
        ranked = sorted(indices, key=lambda i: relaxation.reduced_costs[i])
        keep = set(ranked[:pm.data.network.role[role_id].slots + CORE_EXTRA])
        outside |= {i: 0 for i in indices if i not in keep and i not in hinted
                    and relaxation.values[i] <= 1e-9}
    if not outside:
        return None
    saved = set_domains(pm.model, outside)
    solver = cp_model.CpSolver()
    limit = CORE_SHARE * seconds - (time.perf_counter() - began)
    _configure(solver, pm, replace(settings, time_limit_s=max(0.1, limit)))
    try:
        status, interrupted = _solve(solver, pm.model, watcher, stop)
    finally:
        set_domains(pm.model, saved)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    proven = solver.objective_value <= relaxation.bound + 1e-6  # the core's proof is its own
    return _Core(_Outcome(cp_model.OPTIMAL if proven else cp_model.FEASIBLE, interrupted,
                          solver, weighted=True, bound=relaxation.bound), relaxation)


def _fix_by_reduced_cost(pm: PlanningModel, core: _Core,
                         companion: Companion | None = None) -> dict[int, list[int]]:
    """Fix the variables the relaxation's reduced costs settle for every plan at least as good
    as the core's (the LP's, and the Lagrangian bound's where the companion has one), and hint
    the core's plan (which the model still holds); the domains they had, to restore."""
    solver = core.outcome.solver
    fixed = fixable(pm.model, core.relaxation, solver.objective_value)
    if companion is not None and companion.bound is not None:
        fixed |= lagrangian_fixable(companion.flat, companion.bound, solver.objective_value)
    best = None if companion is None or not companion.searching else companion.best
    if best is not None and best[0] < solver.objective_value:
        _hint_plan(pm, companion.flat, best[1])  # the compiled search's plan is better
    else:
        hint_values(pm.model, solver.response_proto.solution)
    return set_domains(pm.model, fixed)


def _better_of(outcome: _Outcome, core: _Core) -> _Outcome:
    """The search's outcome, unless it ended without a plan as good as the core's (out of time
    before it took the hint up): then the core's, with the search's bound where it has one."""
    core_solver = core.outcome.solver
    if (outcome.status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
            and outcome.solver.objective_value <= core_solver.objective_value):
        return outcome
    bound = core.relaxation.bound
    if outcome.status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        bound = max(bound, outcome.solver.best_objective_bound if outcome.bound is None
                    else outcome.bound)
    proven = core_solver.objective_value <= bound + 1e-6
    return replace(core.outcome, status=cp_model.OPTIMAL if proven else cp_model.FEASIBLE,
                   interrupted=outcome.interrupted, bound=bound)


def _companion(pm: PlanningModel, settings: SolveSettings, critical: int,
               optional: int) -> Companion | None:
    """The compiled kernels for the weighted solve (``flat.Companion``), from
    COMPANION_FROM_PAIRS assignment variables; None below, or where Numba is missing."""
    if len(pm.assign) < COMPANION_FROM_PAIRS or settings.time_limit_s <= 0:
        return None
    try:
        from orchestra.model import compiled  # noqa: F401  (Numba, and its cache, at hand)
    except (ImportError, RuntimeError):  # no Numba, or nowhere to cache: CP-SAT alone
        return None
    return Companion(flatten(pm, critical, optional), settings.seed)


def _with_companion(pm: PlanningModel, outcome: _Outcome, companion: Companion,
                    settings: SolveSettings) -> _Outcome:
    """The search's outcome with the companion's: its plan where better (CP-SAT evaluates it
    with every variable fixed, so the plan read back is the model's own), and the Lagrangian
    bound where higher than CP-SAT's (``bound_source``). Under --deterministic the companion
    runs here, after CP-SAT, for DETERMINISTIC_ROUNDS rounds from its plan."""
    found = outcome.status in (cp_model.OPTIMAL, cp_model.FEASIBLE) and outcome.weighted
    if not found or outcome.status == cp_model.OPTIMAL:
        return outcome
    solver = outcome.solver
    if settings.deterministic:
        companion.offer(solver.response_proto.solution, solver.objective_value)
        companion.run(DETERMINISTIC_ROUNDS)
    bound = solver.best_objective_bound if outcome.bound is None else outcome.bound
    source = outcome.bound_source
    if companion.bound is not None:
        lagrangian = math.ceil(companion.bound.value - 1e-9 * max(1.0, abs(bound)))
        if lagrangian > bound:
            bound, source = lagrangian, "lagrangian"
    best = companion.best
    if best is not None and best[0] < solver.objective_value - 0.5:
        held = _holding(pm, companion.flat, best[1],
                        min(5.0, max(0.1, settings.time_limit_s / 10)))
        if held is not None and held.objective_value < solver.objective_value:
            solver = held
    objective = solver.objective_value
    status = cp_model.OPTIMAL if objective <= bound + 1e-6 else cp_model.FEASIBLE
    scale = pm.data.money_scale
    compiled = {
        "lagrangian_bound": None if companion.bound is None else companion.bound.value / scale,
        "search_rounds": companion.rounds, "search_improved": companion.improved,
        "search_plan_returned": solver is not outcome.solver,
        **({"error": companion.error} if companion.error else {})}
    return replace(outcome, status=status, solver=solver, bound=min(bound, objective),
                   bound_source=source, compiled=compiled)


def _holding(pm: PlanningModel, flat: FlatModel, x: np.ndarray,
             seconds: float = 5.0) -> cp_model.CpSolver | None:
    """A solver whose solution is the plan ``x`` (a 0/1 per pair of ``flat``): its
    assignments and team fixed, every other variable solved; None if CP-SAT finds it breaks a
    rule."""
    _hint_plan(pm, flat, x)
    status, solver = solve_hinted(pm.model, seconds)
    return solver if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None


def _hint_plan(pm: PlanningModel, flat: FlatModel, x: np.ndarray) -> None:
    """Hint the plan ``x`` (a 0/1 per pair of ``flat``): its assignments and its team."""
    taken = {flat.pair_vars[k] for k in np.flatnonzero(x)}
    team = {pid for (_, pid), var in pm.assign.items() if var.Index() in taken}
    team |= set(pm.data.rules.must_include)
    pm.model.clear_hints()
    for var in pm.assign.values():
        pm.model.add_hint(var, var.Index() in taken)
    for pid, var in pm.select.items():
        pm.model.add_hint(var, pid in team)


def _configure(solver: cp_model.CpSolver, pm: PlanningModel, settings: SolveSettings) -> None:
    """``settings`` on ``solver``, and what the model's size asks for."""
    settings.apply(solver)
    if len(pm.assign) >= NARROW_FIRST_PAIRS:
        params = solver.parameters
        params.max_presolve_iterations = LARGE_PRESOLVE_ITERATIONS
        if params.num_full_subsolvers > 1 and LARGE_GIVES_WAY in params.subsolvers:
            params.ignore_subsolvers.append(LARGE_GIVES_WAY)
            params.num_full_subsolvers -= 1


def _assignment_only(pm: PlanningModel) -> bool:
    """Whether the objective prices slots only (no fixed costs, no cohesion, no transition):
    then freeing roles is a complete move, and our LNS beats a stalled CP-SAT search (measured
    on OR-Library gapd, 30 s: d20100 +1.05 % against +2.80 %, d10100 +0.49 % against +0.72 %).
    Where partners' selection carries costs or ties it does worse than letting CP-SAT go on
    (M balanced 10 s: 202,547-206,932 against 194,985-199,586; L lowest_cost 60 s: 462,655
    against 460,657)."""
    network = pm.data.network
    return (not {"cohesion", "transition"} & set(pm.terms)
            and all(network.partner[pid].fixed_cost == 0 for pid in pm.select))


def _neighbourhoods(pm: PlanningModel, solver: cp_model.CpSolver, settings: SolveSettings,
                    seconds: float, watcher: _Watcher, stop: threading.Event | None
                    ) -> _Outcome:
    """Our own LNS (``neighbourhood.improve``) from the stalled search's plan, for the time
    left; its bound is the search's, or the higher one of the worker beside it."""
    start = Incumbent(tuple(solver.response_proto.solution), round(solver.objective_value))
    began = time.perf_counter()

    def report(objective: int, bound: float) -> None:
        if watcher.on_progress is not None:
            obj, low = objective / watcher.scale, bound / watcher.scale
            watcher.on_progress(Progress(obj, low, relative_gap(obj, low),
                                         solver.wall_time + time.perf_counter() - began))

    best, interrupted, bound = improve(
        pm, start, seconds, settings.seed,
        lambda sub, model, halt, callback: _solve(sub, model, callback or _Watcher(1, None),
                                                  stop, halt),
        # One thread per worker the settings allow: a single one (a cluster task's) runs the
        # LNS alone, without the worker that proves its plan.
        report, searches=settings.worker_count, prove=settings.worker_count > 1,
        bound=solver.best_objective_bound)
    status = cp_model.OPTIMAL if best.objective <= bound + 1e-6 else cp_model.FEASIBLE
    final = solver if best.objective >= start.objective else fixed_solver(pm, best)
    return _Outcome(status, interrupted, final, weighted=True, bound=bound)


def _read(pm: PlanningModel, solver: cp_model.CpSolver, found: bool) -> dict[str, list[str]]:
    """Partners per role in the solution (none if there is no solution)."""
    assigned: dict[str, list[str]] = {r.role_id: [] for r in pm.data.network.roles}
    if found:
        for cand in pm.data.pairs:
            if solver.boolean_value(pm.assign[cand.key]):
                assigned[cand.role.role_id].append(cand.offer.partner_id)
    return assigned


def _hint(pm: PlanningModel, assigned: set[tuple[str, str]], team: set[str]) -> None:
    """Hint a start plan: its assignments and selection."""
    for key, var in pm.assign.items():
        pm.model.add_hint(var, key in assigned)
    for pid, var in pm.select.items():
        pm.model.add_hint(var, pid in team)


def _complete_hint(pm: PlanningModel, settings: SolveSettings) -> None:
    """Extend the hint of assignments and selection to every variable (ties inside the team,
    partners per touchpoint, standbys, missed standards, the rules' helpers): the best values
    they take under the model's current objective with the hinted ones fixed, from a short
    solve of a copy of the model (0.2 s on L). The portfolio's LP-guided workers keep a
    complete hint as their first plan but may find none from a partial one: on L with
    standards and rules, nothing in 22 s from the narrow search's plan hinted partly, that plan
    at once from the completed hint. A hint that breaks a rule of this model stays partial."""
    trial = pm.model.clone()
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.fix_variables_to_their_hinted_value = True
    params.num_workers = 1
    params.catch_sigint_signal = False
    params.random_seed = settings.seed
    limit = min(5.0, max(0.1, settings.time_limit_s / 10))
    if settings.deterministic:
        params.max_deterministic_time = limit
    else:
        params.max_time_in_seconds = limit
    if solver.solve(trial) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return
    values = [solver.value(trial.get_int_var_from_proto_index(i))
              for i in range(len(trial.proto.variables))]
    pm.model.clear_hints()
    for i, value in enumerate(values):
        pm.model.add_hint(pm.model.get_int_var_from_proto_index(i), value)


def plan(network: Network, profile: Profile, settings: SolveSettings | None = None,
         on_progress: Callable[[Progress], None] | None = None,
         warm_start: Plan | None = None, stop: threading.Event | None = None,
         check_reasons: bool = True) -> Plan:
    """The best plan for ``network`` under ``profile`` (overridden by the policy sheet).

    Never raises for an unfillable role: every open slot comes back as a ``Shortfall`` with its
    reason. Stops at the time limit or on Ctrl-C with the best plan found so far. The solver
    starts from the weighted greedy plan, or from ``warm_start`` (a plan of a similar network,
    e.g. before a partner dropped out) where it still applies. ``check_reasons``: an open
    slot's ``budget`` reason is checked by a re-solve without the budget (``_budget_checked``);
    the many re-solves behind explanations, alternatives, frontiers and stress leave it out.

    >>> import orchestra
    >>> net = orchestra.load_workbook("inputs/bank.xlsx")
    >>> result = plan(net, orchestra.load_profile("lowest_cost"), SolveSettings(time_limit_s=10))
    >>> result.status, len(result.critical_shortfalls), result.total_cost
    ('optimal', 0, 468500.0)
    """
    settings = settings or SolveSettings()
    started = time.perf_counter()
    rules = Rules.of(network, profile)
    data = ModelData(network, rules)
    if (settings.hint and warm_start is None and len(data.pairs) >= NARROW_FIRST_PAIRS
            and settings.time_limit_s > 0):
        result = _narrow_first(data, settings, on_progress, started, stop)
    else:
        result = _plan_data(data, settings, on_progress, warm_start, started, stop)
    if not check_reasons:
        return result
    return _budget_checked(network, profile, result, settings, stop)


def _budget_checked(network: Network, profile: Profile, result: Plan,
                    settings: SolveSettings, stop: threading.Event | None) -> Plan:
    """A shortfall says ``budget`` only where the budget binds: the plan re-solved without a
    budget fills that slot. Where it does not, the slot's reason is found again with the
    budget out of the way (capacity, a rule, the profile's valuation...). Checked only on a
    proven plan, against a proven re-solve."""
    if (result.rules.budget is None or result.stopped_by != "proven optimal"
            or not any(s.reason_code == BUDGET for s in result.shortfalls)):
        return result
    free = replace(network, policy=replace(network.policy, budget=None))
    relaxed = plan(free, profile, settings, warm_start=result, stop=stop, check_reasons=False)
    if relaxed.stopped_by != "proven optimal":
        return result
    filled = Counter(a.role_id for a in relaxed.assignments)
    assigned: dict[str, set[str]] = {r.role_id: set() for r in network.roles}
    for a in result.assignments:
        assigned[a.role_id].add(a.partner_id)
    used = capacity_used(result.assignments)
    unbudgeted = replace(result.rules, budget=None)
    rows = []
    for short in result.shortfalls:
        if short.reason_code == BUDGET and filled[short.role_id] < short.slot:
            code, reason = explain_open_slot(network, unbudgeted, network.role[short.role_id],
                                             assigned, used, result.total_cost, False)
            short = replace(short, reason_code=code, reason=reason)
        rows.append(short)
    return replace(result, shortfalls=tuple(rows))


def _narrow_first(data: ModelData, settings: SolveSettings,
                  on_progress: Callable[[Progress], None] | None, started: float,
                  stop: threading.Event | None = None) -> Plan:
    """Search a narrowed model (the best-priced candidates per role) first, then the full model
    from its plan. The narrow model's bound holds for it alone and is never reported."""
    rules = data.rules

    def unbounded(p: Progress) -> None:
        on_progress(replace(p, bound=None, gap=None))

    narrow = _plan_data(data.narrowed(NARROW_CANDIDATES),
                        replace(settings, time_limit_s=NARROW_SHARE * settings.time_limit_s),
                        unbounded if on_progress else None, None, started, stop)
    if narrow.stopped_by.startswith("interrupted"):
        return replace(narrow, bound=None, gap=None, bound_source=None,
                       status="feasible" if narrow.objective is not None else narrow.status)
    if settings.deterministic:  # the same split whatever the machine's speed
        left = (1 - NARROW_SHARE) * settings.time_limit_s
    else:
        left = max(0.0, settings.time_limit_s - (time.perf_counter() - started))
    start = narrow if narrow.objective is not None else None  # else the greedy, as usual
    full = _plan_data(data, replace(settings, time_limit_s=left), on_progress, start, started,
                      stop, trusted=True)

    def rank(p: Plan) -> tuple:  # open slots first, as the model ranks them
        optional = sum(1 for x in p.shortfalls if not x.critical)
        return (len(p.critical_shortfalls), optional if rules.profile.fill_all_first else 0,
                p.objective)

    if start is not None and (full.objective is None
                              or (full.status != "optimal" and rank(narrow) < rank(full))):
        # The full search did not get past the narrow plan: keep it, with the full bound.
        gap = relative_gap(narrow.objective, full.bound) if full.bound is not None else None
        # The full search's own fallback (its greedy start) is not what is returned.
        stopped = full.stopped_by.removesuffix(": greedy start plan")
        full = replace(narrow, status="feasible", bound=full.bound, gap=gap,
                       bound_source=full.bound_source,
                       stopped_by=stopped, wall_time_s=time.perf_counter() - started)
    return replace(full, settings=MappingProxyType({
        **full.settings, **asdict(settings), "narrow_candidates": NARROW_CANDIDATES}))


def _search(data: ModelData, settings: SolveSettings,
            on_progress: Callable[[Progress], None] | None, warm_start: Plan | None,
            stop: threading.Event | None, trusted: bool = False
            ) -> tuple[PlanningModel, object, _Outcome]:
    """Build, hint and solve the model. ``max_share`` constraints are added lazily (outside
    --deterministic): the model starts without them, and the partners a plan puts over their
    share get theirs before the next solve, from that plan. Each model is a relaxation of the
    full one, so a plan that keeps every share is the full model's plan, proven optimal when
    its solve is. Measured on M (lowest_cost, a 20 % max_share that does not bind): 2 s to the
    proof instead of 6.3 s with every partner's constraint from the start."""
    network, rules = data.network, data.rules
    lazy = not settings.deterministic and any(r.rule == "max_share" for r in network.rules)
    shared: frozenset[str] = frozenset()
    began = time.perf_counter()  # the greedy start and each model's build count in the limit
    warm = (None if warm_start is None else
            GreedyPlan({(a.role_id, a.partner_id) for a in warm_start.assignments},
                       set(warm_start.selected), warm_start.total_cost))
    # The narrow search's plan (trusted) is this network's and keeps every rule: it is the
    # start, the fallback, and settles the ranks when it is best on them (so the full model
    # need not search them again); a greedy plan (2 s on L) would be none of these.
    start = (warm if trusted and warm is not None
             else greedy_plan(data, weighted=True) if settings.hint else None)
    if start is not None:
        given = warm if warm is not None else start  # a warm start is hinted over the greedy
        hinted, team = given.assigned, given.selected | set(rules.must_include)
    # The greedy start is hinted partly: on the M benchmark a complete hint (258,590 after 10 s)
    # did worse than letting CP-SAT complete it (235,129). A warm start is a good plan already,
    # hinted completely so that CP-SAT keeps it (measured on L: 805,409 from a complete hint,
    # 923,215 from a partial one). A later lazy round is hinted with the round before's plan.
    # From NARROW_FIRST_PAIRS pairs the greedy start is completed too: XL's narrow model
    # (16,000 pairs) found no plan of its own from the partial hint in 173 s, so XL's plan was
    # the greedy start itself.
    # With a contract calendar the greedy start is completed too: its phasing variables
    # leave CP-SAT with no plan from a partial hint (M balanced: none in 10 s).
    complete = (warm_start is not None or len(data.pairs) >= NARROW_FIRST_PAIRS
                or data.calendar is not None)
    while True:
        model_data = data.holding_shares_of(shared) if lazy else data
        pm = build_model(model_data)
        if start is not None:
            _hint(pm, hinted, team)
        left = max(0.1, settings.time_limit_s - (time.perf_counter() - began))
        outcome = _solve_ranked(pm, start, settings if settings.deterministic
                                else replace(settings, time_limit_s=left),
                                _Watcher(data.money_scale, on_progress), stop,
                                complete=complete and start is not None)
        found = outcome.status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        if not lazy or not found or not outcome.weighted:
            return pm, start, outcome
        pairs = {key for key, var in pm.assign.items() if outcome.solver.boolean_value(var)}
        over = _over_share(network, pairs) - shared
        if not over:
            return pm, start, outcome
        if outcome.interrupted or time.perf_counter() - began >= settings.time_limit_s - 0.1:
            return pm, start, replace(outcome, breaks_share=True)
        shared = shared | over
        hinted, team, complete = pairs, {pid for _, pid in pairs} | set(rules.must_include), False


def _over_share(network: Network, pairs: set[tuple[str, str]]) -> set[str]:
    """Partners holding more than a ``max_share`` rule allows in the plan given as pairs."""
    over = set()
    for rule in network.rules:
        if rule.rule != "max_share":
            continue
        counted = [pid for rid, pid in pairs if rule.shares(rid)]
        held = Counter(counted)
        over |= {pid for pid, n in held.items() if (not rule.partners or pid in rule.partners)
                 and n > rule.limit * len(counted) + 1e-9}
    return over


def _plan_data(data: ModelData, settings: SolveSettings,
               on_progress: Callable[[Progress], None] | None, warm_start: Plan | None,
               started: float, stop: threading.Event | None = None,
               trusted: bool = False) -> Plan:
    """Build, hint, solve and read one model (full or narrowed) into a Plan. ``trusted``: the
    warm start is a plan of this very network (the narrow search's), keeping every rule."""
    network, rules = data.network, data.rules
    pm, start, outcome = _search(data, settings, on_progress, warm_start, stop, trusted)
    status, interrupted, solver = outcome.status, outcome.interrupted, outcome.solver
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE) and not outcome.breaks_share
    # When the solver found nothing in time, the greedy start (which keeps every hard rule) is
    # still a plan: return it rather than nothing, without an objective or bound.
    fallback = (not found and start is not None
                and (status == cp_model.UNKNOWN or outcome.breaks_share)
                and start.keeps_every_rule(data))
    if outcome.breaks_share:
        status = cp_model.UNKNOWN
    if fallback:
        assigned = {r.role_id: [] for r in network.roles}
        for role_id, pid in start.assigned:
            assigned[role_id].append(pid)
        team = start.selected | set(rules.must_include)
        selected = tuple(pid for pid in data.partner_ids if pid in team)
    else:
        assigned = _read(pm, solver, found)
        selected = tuple(pid for pid in data.partner_ids
                         if found and solver.boolean_value(pm.select[pid]))
    accepted = {pid: bid for (pid, bid), var in pm.accepted.items()
                if found and not fallback and solver.boolean_value(var)}
    assignments = number_slots(network, assigned, accepted if found and not fallback else None)
    cost = total_cost(network, selected, assignments)
    short = shortfalls(network, rules, assignments, cost, stopped_early=status != cp_model.OPTIMAL)

    scale = data.money_scale
    terms = {name: solver.value(expr) / scale if found else 0.0
             for name, expr in pm.terms.items()}
    # The weighted objective is the sum of the terms; its bound exists only if the search got
    # as far as the second phase (a Ctrl-C in the first leaves a plan without one).
    objective = sum(terms.values()) if found else None
    searched = solver.best_objective_bound if outcome.bound is None else outcome.bound
    bound = searched / scale if found and outcome.weighted else None
    if status == cp_model.OPTIMAL and outcome.weighted:
        bound = objective  # proven: report the bound exactly equal, not a float neighbour
    status_name = {cp_model.OPTIMAL: "optimal", cp_model.FEASIBLE: "feasible"}.get(
        status, "no solution")
    if (not outcome.weighted and found) or fallback:
        status_name = "feasible"  # the open slots may be settled, the weighted terms are not
    if fallback:
        stopped_by = ("interrupted" if interrupted else "time limit") + ": greedy start plan"
    elif interrupted:
        stopped_by = "interrupted"
    elif status == cp_model.OPTIMAL:
        stopped_by = "proven optimal"
    elif found or status == cp_model.UNKNOWN:
        stopped_by = "time limit"
    else:
        stopped_by = f"no solution ({solver.status_name(status)})"
    return with_schedule(network, Plan(
        status=status_name,
        objective=objective,
        bound=bound,
        bound_source=outcome.bound_source if bound is not None else None,
        gap=relative_gap(objective, bound) if bound is not None else None,
        wall_time_s=time.perf_counter() - started,
        stopped_by=stopped_by,
        terms=MappingProxyType(terms),
        selected=selected,
        assignments=assignments,
        total_cost=cost,
        shortfalls=short,
        rules=rules,
        transition_cost=network.transition_cost(selected),
        settings=MappingProxyType({**asdict(settings), "money_scale": scale,
                                   "capacity_scale": data.capacity_scale,
                                   "typical_slot_cost": data.typical_slot_cost,
                                   **({"compiled": outcome.compiled} if outcome.compiled
                                      else {})}),
    ))
