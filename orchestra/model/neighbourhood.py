"""Our own large-neighbourhood search around the incumbent, for when CP-SAT's search stalls.

Each step frees a group of roles (those one or a few partners serve, a touchpoint's, a
capability's, or a random handful), fixes every other assignment to the incumbent's, and
solves what is left, small, from the incumbent. A better plan becomes the incumbent. The kinds
of group that found improvements are chosen more often; the groups grow while their solves
finish proven and shrink while they run out of time. One search runs per core, each on its
own copy of the model, all from the best incumbent so far (a neighbourhood's solve takes one
CP-SAT worker). The same model is solved every time, its variables' domains narrowed and
restored, so the plan keeps every rule and the bound of the search before stays valid.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from orchestra.model.rules import PlanningModel

SUB_LIMIT = 1.0  # seconds for one neighbourhood's solve at most
KINDS = ("partners", "touchpoint", "capability", "random")


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


def improve(pm: PlanningModel, start: Incumbent, seconds: float, seed: int,
            solve: Callable[[cp_model.CpSolver, cp_model.CpModel, threading.Event | None],
                            tuple[int, bool]],
            on_better: Callable[[int], None] | None = None, searches: int = 1
            ) -> tuple[Incumbent, bool]:
    """The best incumbent found from ``start`` within ``seconds``, and whether the search was
    interrupted. ``searches`` neighbourhoods are solved at once (one per core), each on its own
    copy of the model, all from the best incumbent so far. ``solve(solver, model, halt)`` runs
    one solve (Ctrl-C and the caller's stop event handled there, ``halt`` too when given: the
    calling thread's search gets none, the others stop when it ends) and returns its status
    and whether it was interrupted."""
    deadline = time.perf_counter() + seconds
    groups = _Groups(pm)
    if not groups.roles:
        return start, False
    state = _State(start, max(2, min(len(groups.roles), round(0.05 * len(groups.roles)) or 2)))
    halt = threading.Event()
    errors: list[BaseException] = []

    def run(k: int, model: cp_model.CpModel) -> None:
        own_halt = halt if k else None  # the calling thread's search stops by itself
        _search(groups, model, state, deadline, random.Random(seed + k),
                lambda solver: solve(solver, model, own_halt), on_better, halt)

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
    return state.incumbent, state.interrupted


class _State:
    """What the searches share: the incumbent, the group size, each kind's weight."""

    def __init__(self, start: Incumbent, size: int):
        self.lock = threading.Lock()
        self.incumbent = start
        self.size = size
        self.weights = dict.fromkeys(KINDS, 1.0)
        self.interrupted = False


def _search(groups: _Groups, model: cp_model.CpModel, state: _State,
            deadline: float, rng: random.Random,
            solve: Callable[[cp_model.CpSolver], tuple[int, bool]],
            on_better: Callable[[int], None] | None, halt: threading.Event) -> None:
    """One search: neighbourhood after neighbourhood of ``model`` until the deadline, an
    interruption, or ``halt``."""
    proto = model.proto
    while (left := deadline - time.perf_counter()) > 0.05 and not halt.is_set():
        with state.lock:
            kind = rng.choices(KINDS, [state.weights[k] for k in KINDS])[0]
            incumbent, size = state.incumbent, state.size
        free = groups.pick(kind, size, incumbent.values, rng)
        saved = []
        for role_id in groups.roles:
            if role_id in free:
                continue
            for index in groups.indices[role_id]:
                saved.append((index, list(proto.variables[index].domain)))
                _set_domain(proto.variables[index], incumbent.values[index])
        _hint(model, incumbent)
        solver = cp_model.CpSolver()
        params = solver.parameters
        params.num_workers = 1
        params.max_time_in_seconds = min(SUB_LIMIT, left)
        params.random_seed = rng.randrange(2**31)
        params.catch_sigint_signal = False
        try:
            status, interrupted = solve(solver)
        finally:
            for index, domain in saved:
                _set_domain(proto.variables[index], *domain)
        found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        with state.lock:
            if found and round(solver.objective_value) < state.incumbent.objective:
                state.incumbent = Incumbent(tuple(solver.response_proto.solution),
                                            round(solver.objective_value))
                state.weights[kind] += 1.0
                if on_better:
                    on_better(state.incumbent.objective)
            if interrupted:  # Ctrl-C or the caller's stop; a halted search just ends
                state.interrupted = state.interrupted or not halt.is_set()
                return
            if status == cp_model.OPTIMAL:  # proven small: look wider next time
                state.size = min(len(groups.roles), state.size + max(1, state.size // 5))
            else:
                state.size = max(2, state.size - max(1, state.size // 5))


def fixed_solver(pm: PlanningModel, incumbent: Incumbent) -> cp_model.CpSolver:
    """A solver whose solution is ``incumbent``: the model solved with every variable fixed
    to its hinted value (read like any solve's, objective and terms evaluated by CP-SAT)."""
    _hint(pm.model, incumbent)
    solver = cp_model.CpSolver()
    solver.parameters.fix_variables_to_their_hinted_value = True
    solver.parameters.num_workers = 1
    solver.parameters.catch_sigint_signal = False
    solver.solve(pm.model)
    return solver


def _hint(model: cp_model.CpModel, incumbent: Incumbent) -> None:
    """Hint every variable of ``model`` with the incumbent's value."""
    model.clear_hints()
    hint = model.proto.solution_hint
    hint.vars.extend(range(len(incumbent.values)))
    hint.values.extend(incumbent.values)


def _set_domain(variable, *bounds: int) -> None:
    """A variable's domain in the model's proto: one value, or the saved list of bounds."""
    domain = variable.domain
    domain.clear()
    domain.extend(bounds if len(bounds) > 1 else (bounds[0], bounds[0]))
