"""Our own large-neighbourhood search around the incumbent, for when CP-SAT's search stalls.

Each step frees a group of roles (those one or a few partners serve, a touchpoint's, a
capability's, or a random handful), fixes every other assignment to the incumbent's, and
solves what is left, small, from the incumbent. A better plan becomes the incumbent. The kinds
of group that found improvements are chosen more often; the groups grow while their solves
finish proven and shrink while they run out of time. The same model is solved every time, its
variables' domains narrowed and restored, so the plan keeps every rule and the bound of the
search before stays valid.
"""

from __future__ import annotations

import random
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
            solve: Callable[[cp_model.CpSolver], tuple[int, bool]],
            on_better: Callable[[int], None] | None = None) -> tuple[Incumbent, bool]:
    """The best incumbent found from ``start`` within ``seconds``, and whether the search was
    interrupted. ``solve(solver)`` runs one solve of ``pm.model`` (Ctrl-C and the stop event
    handled there) and returns its status and whether it was interrupted."""
    deadline = time.perf_counter() + seconds
    rng = random.Random(seed)
    groups = _Groups(pm)
    if not groups.roles:
        return start, False
    proto = pm.model.proto
    incumbent = start
    size = max(2, min(len(groups.roles), round(0.05 * len(groups.roles)) or 2))
    weights = dict.fromkeys(KINDS, 1.0)
    while (left := deadline - time.perf_counter()) > 0.05:
        kind = rng.choices(KINDS, [weights[k] for k in KINDS])[0]
        free = groups.pick(kind, size, incumbent.values, rng)
        saved = []
        for role_id in groups.roles:
            if role_id in free:
                continue
            for index in groups.indices[role_id]:
                saved.append((index, list(proto.variables[index].domain)))
                _set_domain(proto.variables[index], incumbent.values[index])
        _hint(pm, incumbent)
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
        if found and round(solver.objective_value) < incumbent.objective:
            incumbent = Incumbent(tuple(solver.response_proto.solution),
                                  round(solver.objective_value))
            weights[kind] += 1.0
            if on_better:
                on_better(incumbent.objective)
        if interrupted:
            return incumbent, True
        if status == cp_model.OPTIMAL:  # proven small: look wider next time
            size = min(len(groups.roles), size + max(1, size // 5))
        else:
            size = max(2, size - max(1, size // 5))
    return incumbent, False


def fixed_solver(pm: PlanningModel, incumbent: Incumbent) -> cp_model.CpSolver:
    """A solver whose solution is ``incumbent``: the model solved with every variable fixed
    to its hinted value (read like any solve's, objective and terms evaluated by CP-SAT)."""
    _hint(pm, incumbent)
    solver = cp_model.CpSolver()
    solver.parameters.fix_variables_to_their_hinted_value = True
    solver.parameters.num_workers = 1
    solver.parameters.catch_sigint_signal = False
    solver.solve(pm.model)
    return solver


def _hint(pm: PlanningModel, incumbent: Incumbent) -> None:
    """Hint every variable of the model with the incumbent's value."""
    pm.model.clear_hints()
    hint = pm.model.proto.solution_hint
    hint.vars.extend(range(len(incumbent.values)))
    hint.values.extend(incumbent.values)


def _set_domain(variable, *bounds: int) -> None:
    """A variable's domain in the model's proto: one value, or the saved list of bounds."""
    domain = variable.domain
    domain.clear()
    domain.extend(bounds if len(bounds) > 1 else (bounds[0], bounds[0]))
