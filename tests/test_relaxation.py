"""The model's linear relaxation (GLOP) and reduced-cost fixing: the bound against hand-worked
LPs, every fixing checked against all plans of small assignment models, and plans searched on
a core first against the brute-force optimum."""

from __future__ import annotations

import dataclasses
import itertools
import random

import pytest
from hypothesis import given, settings
from ortools.sat.python import cp_model
from test_model import LOWEST, assert_brute_force_optimum, brute_force, small_networks
from test_neighbourhood import slots_only

import orchestra.model.solve as solve
from orchestra.model import SolveSettings, check_plan, plan
from orchestra.model.relaxation import fixable, solve_relaxation


def test_the_bound_is_the_lp_optimum_of_a_knapsack():
    # max 5a + 4b + 3c with 2a + 3b + c <= 4: by ratio c (3), a (2.5), then b by a third:
    # 3 + 5 + 4/3; the best whole plan is a + c = 8.
    model = cp_model.CpModel()
    a, b, c = (model.new_bool_var(n) for n in "abc")
    model.add(2 * a + 3 * b + c <= 4)
    model.minimize(-(5 * a + 4 * b + 3 * c))
    relaxation = solve_relaxation(model, 5)
    assert relaxation.bound == pytest.approx(-28 / 3)
    assert relaxation.values == pytest.approx((1, 1 / 3, 1))


def test_clauses_with_negated_literals_and_the_offset_are_read():
    # not x or not y (x + y <= 1) and x + y + z >= 2 force z and one of x, y: y is cheaper.
    model = cp_model.CpModel()
    x, y, z = (model.new_bool_var(n) for n in "xyz")
    model.add_bool_or([~x, ~y])
    model.add(x + y + z >= 2)
    model.minimize(4 * x + 3 * y + 5 * z + 10)
    relaxation = solve_relaxation(model, 5)
    assert relaxation.bound == pytest.approx(18)
    assert relaxation.values == pytest.approx((0, 1, 1))


def test_a_constraint_under_an_enforcement_literal_is_left_out():
    # Left out, the relaxation is weaker (0 rather than 1), never wrong.
    model = cp_model.CpModel()
    x, on = model.new_bool_var("x"), model.new_bool_var("on")
    model.add(x >= 1).only_enforce_if(on)
    model.add(on == 1)
    model.minimize(x)
    assert solve_relaxation(model, 5).bound == pytest.approx(0)


def test_an_implication_is_read_as_its_clause():
    # x is required and x => selected (CP-SAT writes it as an enforced bool_and): the LP pays
    # the whole fixed cost 10, not 0; an enforced clause (y or z, when x) is read too.
    model = cp_model.CpModel()
    x, selected, y, z = (model.new_bool_var(n) for n in ("x", "selected", "y", "z"))
    model.add(x == 1)
    model.add_implication(x, selected)
    model.add_bool_or([y, z]).only_enforce_if(x)
    model.minimize(10 * selected + x + 3 * y + 2 * z)
    relaxation = solve_relaxation(model, 5)
    assert relaxation.bound == pytest.approx(13)
    assert relaxation.values == pytest.approx((1, 1, 0, 1))


def test_a_row_whose_enforcement_literal_is_fixed_true_is_read():
    # The literal's domain says it holds (as the plan's search fixes a standard it must meet):
    # the row binds, x >= 1, where a literal merely constrained to 1 by a row would leave it out.
    model = cp_model.CpModel()
    x, missed = model.new_bool_var("x"), model.new_int_var(0, 0, "missed")
    model.add(x >= 1).only_enforce_if(missed.Not())
    model.minimize(x)
    assert solve_relaxation(model, 5).bound == pytest.approx(1)


def _assignment_model(rng: random.Random, agents: int, jobs: int, fixed: bool = False):
    """A small generalised assignment model (each job to one agent, within the agents'
    capacities; an agent takes jobs only if selected, at a fixed cost with ``fixed``, else
    free), its variables by key ((agent, job), or ("selected", agent)), and every plan of it
    with its cost, enumerated."""
    model = cp_model.CpModel()
    x = {(i, j): model.new_bool_var(f"x{i}{j}") for i in range(agents) for j in range(jobs)}
    cost = {k: rng.randint(1, 20) for k in x}
    weight = {k: rng.randint(1, 9) for k in x}
    capacity = [rng.randint(6, 14) for _ in range(agents)]
    fixed_cost = [rng.randint(2, 12) if fixed else 0 for _ in range(agents)]
    selected = [model.new_bool_var(f"y{i}") for i in range(agents)]
    for j in range(jobs):
        model.add_exactly_one(x[i, j] for i in range(agents))
    for i in range(agents):
        model.add(sum(weight[i, j] * x[i, j] for j in range(jobs)) <= capacity[i])
        for j in range(jobs):
            model.add_implication(x[i, j], selected[i])
    model.minimize(sum(cost[k] * x[k] for k in x)
                   + sum(f * y for f, y in zip(fixed_cost, selected, strict=True)))
    variables = {**x, **{("selected", i): y for i, y in enumerate(selected)}}
    plans = []
    for chosen in itertools.product(range(agents), repeat=jobs):
        load = [sum(weight[i, j] for j, a in enumerate(chosen) if a == i) for i in range(agents)]
        if not all(load[i] <= capacity[i] for i in range(agents)):
            continue
        paid = sum(cost[j_agent, j] for j, j_agent in enumerate(chosen))
        for picked in itertools.product((0, 1), repeat=agents):  # idle agents selected too
            if all(picked[i] for i in chosen):
                values = {(i, j): int(chosen[j] == i) for i, j in x}
                values |= {("selected", i): picked[i] for i in range(agents)}
                plans.append((values, paid + sum(f * p for f, p in zip(fixed_cost, picked,
                                                                         strict=True))))
    return model, variables, plans


@pytest.mark.parametrize("charged", [False, True], ids=["slots", "fixed-costs"])
@pytest.mark.parametrize("seed", range(8))
def test_every_fixed_variable_keeps_its_value_in_every_plan_as_good(seed, charged):
    model, variables, plans = _assignment_model(random.Random(seed), agents=3, jobs=5,
                                                fixed=charged)
    assert plans, "the draw has no plan: pick another seed"
    relaxation = solve_relaxation(model, 5)
    best = min(c for _, c in plans)
    assert relaxation.bound <= best + 1e-6
    fixed_somewhere = False
    for objective in (best, best + 2, best + 5):
        fixed = fixable(model, relaxation, objective)
        fixed_somewhere |= bool(fixed)
        for values, plan_cost in plans:
            if plan_cost <= objective:
                for key, var in variables.items():
                    if var.index in fixed:
                        assert values[key] == fixed[var.index], (objective, key)
    assert fixed_somewhere, "nothing was fixed: the draw checks nothing"


# The search on a core first (``solve._core_first``), then on the model narrowed by
# reduced-cost fixing: the plan must be the full model's optimum however narrow the core.

def _core_spy(calls: list):
    real = solve._core_first

    def spied(pm, *args, **kwargs):
        core = real(pm, *args, **kwargs)
        calls.append(core)
        return core

    return spied


def _gap_file(path, rng: random.Random, agents: int, jobs: int):
    """A random instance in the OR-Library format (costs, resources, capacities)."""
    cost = [[rng.randint(10, 50) for _ in range(jobs)] for _ in range(agents)]
    resource = [[rng.randint(5, 25) for _ in range(jobs)] for _ in range(agents)]
    capacity = [int(1.2 * sum(row) / agents) for row in resource]
    numbers = [1, agents, jobs, *sum(cost, []), *sum(resource, []), *capacity]
    path.write_text(" ".join(map(str, numbers)))
    return path


# Draws whose optimum lies outside the core: slots alone priced, or agents at a fixed cost.
@pytest.mark.parametrize(("seed", "charged"), [(1, False), (3, False), (5, False), (11, False),
                                               (3, True), (5, True), (7, True), (11, True)])
def test_a_plan_searched_first_on_a_core_is_the_optimum_outside_it(seed, charged, monkeypatch,
                                                                    tmp_path):
    from orchestra.io.orlib import read_gap_file

    rng = random.Random(seed)
    net = read_gap_file(_gap_file(tmp_path / "gap.txt", rng, 3, 7))[0]
    if charged:
        net = dataclasses.replace(net, partners=tuple(
            dataclasses.replace(p, fixed_cost=float(rng.randint(10, 60))) for p in net.partners))
    calls: list = []
    monkeypatch.setattr(solve, "CORE_EXTRA", 1)  # two candidates a job, and the LP's pairs
    monkeypatch.setattr(solve, "_core_first", _core_spy(calls))
    result = plan(net, LOWEST, SolveSettings(time_limit_s=10, workers=2, hint=False))
    assert calls and calls[0] is not None, "the search did not start on a core"
    core_best = calls[0].outcome.solver.objective_value / result.settings["money_scale"]
    assert core_best > result.objective, "the core held the optimum: the draw checks less"
    assert check_plan(net, result) == []
    assert (0, 0, pytest.approx(result.total_cost)) == brute_force(net)
    assert result.status == "optimal" and result.bound == result.objective


@pytest.mark.parametrize("charged", [False, True], ids=["slots-only", "as-drawn"])
@settings(max_examples=30, deadline=None)
@given(net=small_networks())
def test_plans_searched_on_a_core_are_brute_force_optima_and_keep_every_rule(charged, net):
    # As drawn: fixed costs, standards and rules. (hypothesis runs the examples inside one
    # test: the setting is changed by hand)
    net = net if charged else slots_only(net)
    saved = solve.CORE_EXTRA
    solve.CORE_EXTRA = 0
    try:
        result = plan(net, LOWEST, SolveSettings(time_limit_s=5, workers=2, hint=False))
    finally:
        solve.CORE_EXTRA = saved
    if assert_brute_force_optimum(net, result):  # proven, too
        assert result.bound == result.objective
