"""Our own large-neighbourhood search around the incumbent, for when CP-SAT's search stalls.

Each step frees a group of roles (those one or a few partners serve, a touchpoint's, a
capability's, or a random handful), fixes every other assignment to the incumbent's, and
solves what is left, small, from the incumbent. A better plan becomes the incumbent. The kinds
of group that found improvements are chosen more often; the groups grow while their solves
finish proven and shrink while they run out of time. One search runs per core, each on its
own copy of the model, all from the best incumbent so far (a neighbourhood's solve takes one
CP-SAT worker). The same model is solved every time, its variables' domains narrowed and
restored, so the plan keeps every rule and the bound of the search before stays valid.

The LNS cannot prove a plan optimal. With ``prove``, one core instead runs a CP-SAT worker on
the whole model from the incumbent, raising the bound (and handing any better plan it finds to
the searches); once the bound meets the best plan, every search ends with it proven.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from orchestra.model.rules import PlanningModel

SUB_LIMIT = 1.0  # seconds for one neighbourhood's solve at most
KINDS = ("partners", "touchpoint", "capability", "random")
PROVE_LINEARIZATION = 2


@dataclass(frozen=True)
class Incumbent:
    values: tuple[int, ...]  # every variable of the model, by index
    objective: int


class _Groups:
    """The role groups a step can free, read from the model and the incumbent."""

    def __init__(self, pm: PlanningModel):
        self.pm = pm
        network = pm.data.network
        self.roles = [r.role_id for r in network.roles if pm.data.candidates[r.role_id]]
        self.by_touchpoint: dict[str, list[str]] = {}
        self.by_capability: dict[str, list[str]] = {}
        for role_id in self.roles:
            role = network.role[role_id]
            self.by_touchpoint.setdefault(role.touchpoint_id, []).append(role_id)
            self.by_capability.setdefault(role.capability, []).append(role_id)
        self.indices = {role_id: [pm.assign[c.key].Index() for c in pm.data.candidates[role_id]]
                        for role_id in self.roles}

    def pick(self, kind: str, size: int, values: tuple[int, ...], rng: random.Random
             ) -> set[str]:
        """About ``size`` roles of one kind of group."""
        chosen: set[str] = set()
        if kind == "partners":
            served: dict[str, list[str]] = {}
            for (role_id, pid), var in self.pm.assign.items():
                if values[var.Index()]:
                    served.setdefault(pid, []).append(role_id)
            partners = list(served)
            rng.shuffle(partners)
            for pid in partners:
                if len(chosen) >= size:
                    break
                chosen.update(served[pid])
        elif kind in ("touchpoint", "capability"):
            groups = list((self.by_touchpoint if kind == "touchpoint"
                           else self.by_capability).values())
            rng.shuffle(groups)
            for group in groups:
                if len(chosen) >= size:
                    break
                chosen.update(group)
        if len(chosen) < size // 2 or kind == "random":
            chosen.update(rng.sample(self.roles, min(size, len(self.roles))))
        return chosen


Solve = Callable[[cp_model.CpSolver, cp_model.CpModel, threading.Event | None,
                   cp_model.CpSolverSolutionCallback | None], tuple[int, bool]]


def improve(pm: PlanningModel, start: Incumbent, seconds: float, seed: int, solve: Solve,
            on_better: Callable[[int, float | None], None] | None = None, searches: int = 1,
            prove: bool = False, bound: float | None = None
            ) -> tuple[Incumbent, bool, float | None]:
    """The best incumbent found from ``start`` within ``seconds``, whether the search was
    interrupted, and the bound: ``bound`` (the search's before, if known), raised by ``prove``.
    The searches end once the incumbent meets it. ``searches`` threads run at
    once (one per core), each on its own copy of the model, all from the best incumbent so
    far; with ``prove`` the last of them (at least the second) runs ``_prove``.
    ``solve(solver, model, halt, callback)`` runs one solve (Ctrl-C and the caller's stop event
    handled there, and ``halt``, set when the searches should end) with ``callback`` as its
    solution callback (or none of its own) and returns its status and whether it was
    interrupted."""
    deadline = time.perf_counter() + seconds
    groups = _Groups(pm)
    if not groups.roles:
        return start, False, bound
    searches = max(searches, 2) if prove else searches
    halt = threading.Event()  # set when the searches should end: proven, or an error
    state = _State(start, max(2, min(len(groups.roles), round(0.05 * len(groups.roles)) or 2)),
                   halt, on_better, bound)
    errors: list[BaseException] = []

    def run(k: int, model: cp_model.CpModel) -> None:
        if prove and k == searches - 1:
            _prove(model, state, deadline, seed + k, solve)
        else:
            _search(groups, model, state, deadline, random.Random(seed + k),
                    lambda solver: solve(solver, model, halt, None))

    def other(k: int, model: cp_model.CpModel) -> None:
        try:
            run(k, model)
        except BaseException as exc:  # re-raised in the calling thread below
            errors.append(exc)
            halt.set()

    threads = [threading.Thread(target=other, args=(k, pm.model.clone()), daemon=True)
               for k in range(1, searches)]
    for thread in threads:
        thread.start()
    try:
        run(0, pm.model)
    finally:
        halt.set()
        for thread in threads:
            thread.join()
    if errors:
        raise errors[0]
    return state.incumbent, state.interrupted, state.bound


class _State:
    """What the searches share: the incumbent, the group size, each kind's weight, the bound
    ``_prove`` raised, ``halt``, which ends every search, and ``on_better``, told of each
    better plan (its objective, and the bound so far)."""

    def __init__(self, start: Incumbent, size: int, halt: threading.Event,
                 on_better: Callable[[int, float | None], None] | None = None,
                 bound: float | None = None):
        self.lock = threading.Lock()
        self.halt, self.on_better = halt, on_better
        self.incumbent = start
        self.size = size
        self.weights = dict.fromkeys(KINDS, 1.0)
        self.interrupted = False
        self.bound = bound  # raised by ``_prove``

    def offer(self, values: tuple[int, ...], objective: int) -> bool:
        """Take a plan if it is better (under the lock); every search ends once the incumbent
        meets the bound."""
        if objective >= self.incumbent.objective:
            return False
        self.incumbent = Incumbent(values, objective)
        if self.on_better:
            self.on_better(objective, self.bound)
        self._check()
        return True

    def raise_bound(self, bound: float) -> None:
        self.bound = bound if self.bound is None else max(self.bound, bound)
        self._check()

    def _check(self) -> None:
        if self.bound is not None and self.incumbent.objective <= self.bound + 1e-6:
            self.halt.set()


class _Better(cp_model.CpSolverSolutionCallback):
    """Hands each better plan a solve finds to the searches."""

    def __init__(self, state: _State):
        super().__init__()
        self.state = state

    def on_solution_callback(self) -> None:
        with self.state.lock:
            self.state.offer(tuple(self.response_proto.solution), round(self.objective_value))


def _prove(model: cp_model.CpModel, state: _State, deadline: float, seed: int, solve: Solve
           ) -> None:
    """One CP-SAT worker on ``model`` from the incumbent, raising the bound until it meets the
    searches' best plan (which it then proves optimal); better plans it finds go to them."""
    hint_values(model, state.incumbent.values)
    solver = _one_worker(max(0.05, deadline - time.perf_counter()), seed)
    solver.parameters.linearization_level = PROVE_LINEARIZATION

    def on_bound(bound: float) -> None:
        with state.lock:
            state.raise_bound(bound)

    solver.best_bound_callback = on_bound
    status, interrupted = solve(solver, model, state.halt, _Better(state))
    with state.lock:
        if status == cp_model.OPTIMAL:
            state.raise_bound(solver.best_objective_bound)
        if interrupted:  # Ctrl-C or the caller's stop; a halted search just ends
            state.interrupted = state.interrupted or not state.halt.is_set()


def _search(groups: _Groups, model: cp_model.CpModel, state: _State,
            deadline: float, rng: random.Random,
            solve: Callable[[cp_model.CpSolver], tuple[int, bool]]) -> None:
    """One search: neighbourhood after neighbourhood of ``model`` until the deadline, an
    interruption, or the state's ``halt``."""
    while (left := deadline - time.perf_counter()) > 0.05 and not state.halt.is_set():
        with state.lock:
            kind = rng.choices(KINDS, [state.weights[k] for k in KINDS])[0]
            incumbent, size = state.incumbent, state.size
        free = groups.pick(kind, size, incumbent.values, rng)
        saved = set_domains(model, {index: incumbent.values[index] for role_id in groups.roles
                                    if role_id not in free
                                    for index in groups.indices[role_id]})
        hint_values(model, incumbent.values)
        solver = _one_worker(min(SUB_LIMIT, left), rng.randrange(2**31))
        try:
            status, interrupted = solve(solver)
        finally:
            set_domains(model, saved)
        found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        with state.lock:
            if found and state.offer(tuple(solver.response_proto.solution),
                                     round(solver.objective_value)):
                state.weights[kind] += 1.0
            if interrupted:  # Ctrl-C or the caller's stop; a halted search just ends
                state.interrupted = state.interrupted or not state.halt.is_set()
                return
            if status == cp_model.OPTIMAL:  # proven small: look wider next time
                state.size = min(len(groups.roles), state.size + max(1, state.size // 5))
            else:
                state.size = max(2, state.size - max(1, state.size // 5))


def _one_worker(seconds: float, seed: int) -> cp_model.CpSolver:
    """A solver of one CP-SAT worker for ``seconds`` (Ctrl-C handled by the caller's solve)."""
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.num_workers = 1
    params.max_time_in_seconds = seconds
    params.random_seed = seed
    params.catch_sigint_signal = False
    return solver


def fixed_solver(pm: PlanningModel, incumbent: Incumbent) -> cp_model.CpSolver:
    """A solver whose solution is ``incumbent``: the model solved with every variable fixed
    to its hinted value (read like any solve's, objective and terms evaluated by CP-SAT)."""
    hint_values(pm.model, incumbent.values)
    return solve_hinted(pm.model)[1]


def solve_hinted(model: cp_model.CpModel, seconds: float | None = None
                 ) -> tuple[int, cp_model.CpSolver]:
    """``model`` solved with every hinted variable fixed to its hint, the others solved (one
    worker; Ctrl-C is ours to handle): its status and the solver holding the solution."""
    solver = cp_model.CpSolver()
    solver.parameters.fix_variables_to_their_hinted_value = True
    solver.parameters.num_workers = 1
    solver.parameters.catch_sigint_signal = False
    if seconds is not None:
        solver.parameters.max_time_in_seconds = seconds
    return solver.solve(model), solver


def hint_values(model: cp_model.CpModel, values: Sequence[int]) -> None:
    """Hint every variable of ``model`` with its value in ``values`` (by index)."""
    model.clear_hints()
    hint = model.proto.solution_hint
    hint.vars.extend(range(len(values)))
    hint.values.extend(values)


def set_domains(model: cp_model.CpModel, domains: Mapping[int, int | list[int]]
                ) -> dict[int, list[int]]:
    """Set variables' domains in ``model``'s proto, by index: one value, or a list of bounds
    (as a call returns, to restore them). Returns the domains they had."""
    variables = model.proto.variables
    before = {}
    for index, domain in domains.items():
        before[index] = list(variables[index].domain)
        variables[index].domain.clear()
        variables[index].domain.extend([domain, domain] if isinstance(domain, int) else domain)
    return before
