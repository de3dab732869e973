"""The model's linear relaxation, solved by GLOP: a core of candidates to search first, and
reduced-cost fixing that shrinks the model without losing any plan as good as one in hand.

The relaxation is read off the CP-SAT model itself: every variable between its domain's ends,
every linear constraint and at-most/exactly-one without an enforcement literal (or with one its
domain fixes true), every clause and implication as a row; the rest is left out, so it is weaker
than the model, never wrong. The implications matter where partners carry fixed costs: an
assignment implies its partner's selection, and without that row the LP pays no fixed cost at
all (on the benchmark's M network, lowest_cost, the bound was 45,346 instead of CP-SAT's own
root bound, 103,677, which the LP now equals). Its reduced costs
rank candidates (the LP's own measure of how much a pair would cost a plan), a far better
guide than the price alone: on OR-Library d20200 (2 cores, 30 s, CP-SAT alone) a model of the
three pairs per job with the least reduced cost reached 12,288, where the full model's search
reached 12,371-12,392; the three cheapest pairs per job leave no plan at all.

Fixing: in every plan x, objective(x) >= bound + |reduced cost| times each variable's distance
from its LP value at a bound (the LP's optimality). So where that exceeds a plan's objective,
the variable keeps its bound in every plan at least as good: fixed there, the model still holds
the plan and every better one, and its optimum and bound are the full model's.
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

# How far GLOP's optimum may be trusted, relative to the objective: fixing keeps this margin.
TOLERANCE = 1e-6


@dataclass(frozen=True)
class Relaxation:
    bound: float  # the LP's optimum, in the model's objective units (offset included)
    values: tuple[float, ...]  # each model variable's LP value, by index
    reduced_costs: tuple[float, ...]


def solve_relaxation(model: cp_model.CpModel, seconds: float) -> Relaxation | None:
    """The linear relaxation of ``model`` (minimising), or None if GLOP does not solve it to
    optimality within ``seconds`` (or the objective is not CP-SAT's integer kind)."""
    proto = model.proto
    if not proto.has_objective() or proto.objective.scaling_factor not in (0, 1):
        return None
    lp = pywraplp.Solver.CreateSolver("GLOP")
    lp.SetTimeLimit(max(1, int(seconds * 1000)))
    x = [lp.NumVar(*map(float, _ends(v.domain)), "") for v in proto.variables]

    # A reference's LP variable and sign: a negated reference is -x in a linear expression.
    def term(ref: int):
        return (x[ref], 1) if ref >= 0 else (x[-ref - 1], -1)

    def fixed_true(ref: int) -> bool:
        low, high = _ends(proto.variables[ref if ref >= 0 else -ref - 1].domain)
        return low == high == (1 if ref >= 0 else 0)

    def add_row(low: float, high: float, refs, coeffs) -> None:
        constraint = lp.RowConstraint(low, high)
        for ref, coeff in zip(refs, coeffs, strict=True):
            column, sign = term(ref)
            constraint.SetCoefficient(column, constraint.GetCoefficient(column) + sign * coeff)

    def add_literals(low: float, high: float, refs) -> None:
        """low <= the number of true literals <= high: a negated literal is 1 - x, its
        constant moved across."""
        negated = sum(1 for ref in refs if ref < 0)
        add_row(low - negated, high - negated, refs, [1] * len(refs))

    for constraint in proto.constraints:
        kind = next((k for k in ("linear", "bool_or", "bool_and", "at_most_one", "exactly_one")
                     if getattr(constraint, f"has_{k}")()), None)
        # Enforced, a clause is the clause with its enforcement literals negated added (an
        # implication a => b is: not a, or b); any other enforced constraint is left out.
        # An enforcement literal fixed true by its domain enforces nothing.
        unless = [-ref - 1 for ref in constraint.enforcement_literal if not fixed_true(ref)]
        if kind == "linear" and not unless:
            lin = constraint.linear
            low, high = _ends(lin.domain)
            add_row(-lp.infinity() if low <= -2**62 else float(low),
                    lp.infinity() if high >= 2**62 else float(high), lin.vars, lin.coeffs)
        elif kind == "bool_or":
            add_literals(1, lp.infinity(), [*constraint.bool_or.literals, *unless])
        elif kind == "bool_and":  # each literal is a clause of its own
            for ref in constraint.bool_and.literals:
                add_literals(1, lp.infinity(), [ref, *unless])
        elif kind in ("at_most_one", "exactly_one") and not unless:
            add_literals(-lp.infinity() if kind == "at_most_one" else 1, 1,
                         getattr(constraint, kind).literals)
    objective = lp.Objective()
    for var, coeff in zip(proto.objective.vars, proto.objective.coeffs, strict=True):
        column, sign = term(var)
        objective.SetCoefficient(column, objective.GetCoefficient(column) + sign * coeff)
    objective.SetOffset(proto.objective.offset)
    objective.SetMinimization()
    if lp.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    return Relaxation(objective.Value(), tuple(v.solution_value() for v in x),
                      tuple(v.reduced_cost() for v in x))


def fixable(model: cp_model.CpModel, relaxation: Relaxation, objective: float
            ) -> dict[int, int]:
    """The variables (by index) that keep the value given in every plan of ``model`` whose
    objective is at most ``objective``: those whose reduced cost alone would take the LP's
    bound above it, at the end of their domain where the LP leaves them."""
    room = objective - relaxation.bound + TOLERANCE * max(1.0, abs(objective))
    fixed = {}
    for index, variable in enumerate(model.proto.variables):
        low, high = _ends(variable.domain)
        if low == high:
            continue
        cost = relaxation.reduced_costs[index]
        if cost > room and abs(relaxation.values[index] - low) <= 1e-9:
            fixed[index] = low
        elif -cost > room and abs(relaxation.values[index] - high) <= 1e-9:
            fixed[index] = high
    return fixed


def _ends(domain) -> tuple[int, int]:
    """A domain's least and greatest value (the proto's repeated fields take no negative
    index)."""
    return domain[0], domain[len(domain) - 1]
