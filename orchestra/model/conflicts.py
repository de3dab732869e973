"""When no plan keeps every hard rule: the smallest set of rows and keys that contradict.

Open slots are always allowed, so a network without locks, ``must_include`` or
``max_changes`` always has a plan (the empty one). With them, rules can contradict: a lock on
a partner that a ``single_source`` rule keeps out, ``max_changes 0`` beside a ``requires``
that today's network breaks. Such an input is bad input, not a plan with shortfalls: this module
finds an irreducible set of the rules in conflict (dropping any one of them leaves a plan) by
deletion, each step a feasibility solve of the model with some rules left out. Feasibility is
monotone in the rules (leaving one out never removes a plan), so a rule found necessary stays
necessary as others go, and chunks are dropped first, halving, to keep the solves few.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from ortools.sat.python import cp_model

from orchestra.domain import Network, Profile, Rules
from orchestra.errors import InputError, Problem
from orchestra.model.data import ModelData
from orchestra.model.rules import build_model, cost_expression

CHECK_SECONDS = 10.0  # each feasibility solve; a solve that cannot tell keeps the rule


@dataclass(frozen=True, eq=False)
class Item:
    """One rule that can be left out: a lock, a policy key (or one partner of a list key), a
    row of the rules sheet. ``drop`` returns the network without it."""

    where: str
    what: str
    drop: Callable[[Network], Network]
    key: str = ""  # the policy key, for the limits whose conflict is measured


class RulesConflict(InputError):
    """No plan keeps every hard rule: the rules in conflict, each at its cell."""

    def __init__(self, problems: list[Problem]):
        super().__init__(problems)
        self.args = ("\n".join([
            f"the rules contradict each other: no plan keeps these {len(problems)} together "
            "(drop or change one of them):", *(f"  {p}" for p in problems)]),)


def forcing(network: Network) -> bool:
    """Whether anything forces a partner in or a slot filled: without it the empty plan keeps
    every rule, and no feasibility solve is needed."""
    policy = network.policy
    return bool(network.locks or policy.must_include
                or (policy.max_changes is not None and network.current))


def items(network: Network) -> list[Item]:
    """Every rule that can be left out, in the input's order."""
    policy = network.policy
    cell = policy.cells.get
    # Rows are dropped by identity: equal rows (their cells do not count in equality) and
    # earlier drops must not make one item drop another's row.
    out = [Item(lock.where or "locks", f"lock: {lock.partner_id} on {lock.role_id}",
                lambda n, lock=lock: replace(n, locks=tuple(x for x in n.locks
                                                            if x is not lock)))
           for lock in network.locks]
    for key in ("must_include", "exclude"):
        for pid in getattr(policy, key):
            out.append(Item(cell(key, "policy"), f"{key} {pid}",
                            lambda n, key=key, pid=pid: _policy(
                                n, **{key: tuple(p for p in getattr(n.policy, key) if p != pid)})))
    limits = {"budget": lambda v: f"{v:,.2f}", "max_partners": str, "max_changes": str,
              "forbid_below_strength": lambda v: f"{v:g}"}
    for key, shown in limits.items():
        value = getattr(policy, key)
        if value is not None:
            out.append(Item(cell(key, "policy"), f"{key} {shown(value)}",
                            lambda n, key=key: _policy(n, **{key: None}), key))
    out += [Item(rule.where or "rules", f"{rule}",
                 lambda n, rule=rule: replace(n, rules=tuple(x for x in n.rules
                                                             if x is not rule)))
            for rule in network.rules]
    return out


def _policy(network: Network, **changes) -> Network:
    return replace(network, policy=replace(network.policy, **changes))


def _without(network: Network, dropped: Sequence[Item]) -> Network:
    for item in dropped:
        network = item.drop(network)
    return network


def _model(network: Network) -> tuple[ModelData, cp_model.CpModel, object]:
    data = ModelData(network, Rules.of(network, Profile("feasibility")))
    pm = build_model(data)
    return data, pm.model, pm


def quick_solver(seconds: float = CHECK_SECONDS) -> cp_model.CpSolver:
    """A solver for a quick question about a model (is there a plan? the least of a measure?):
    two workers, no interleaved search (see ``solve._infeasibility_check``), Ctrl-C left to
    Python."""
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = 2
    solver.parameters.catch_sigint_signal = False
    return solver


def feasible(network: Network, seconds: float = CHECK_SECONDS) -> bool | None:
    """True when a plan keeps every hard rule, False when none can, None when the solver could
    not tell within ``seconds``."""
    _, model, _ = _model(network)
    status = quick_solver(seconds).solve(model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return True
    return False if status == cp_model.INFEASIBLE else None


def conflict(network: Network, every: list[Item], seconds: float = CHECK_SECONDS
             ) -> list[Item] | None:
    """An irreducible set of ``every`` (the network's ``items``) that no plan keeps together;
    None when a plan keeps them all (or the solver cannot tell)."""
    if not forcing(network) or feasible(network, seconds) is not False:
        return None
    core = list(every)

    def infeasible(kept: list[Item]) -> bool:
        dropped = [i for i in every if i not in kept]
        return feasible(_without(network, dropped), seconds) is False

    chunk = max(1, len(core) // 2)
    while True:
        k = 0
        while k < len(core):
            trial = core[:k] + core[k + chunk:]
            if infeasible(trial):
                core = trial
            else:
                k += chunk
        if chunk == 1:
            return core
        chunk = max(1, chunk // 2)


def least(network: Network, measure: str) -> float | None:
    """The least total cost, partner count or contracts ended of any plan of ``network``."""
    data, model, pm = _model(network)
    if measure == "budget":
        model.minimize(cost_expression(pm))
        scale = data.money_scale
    elif measure == "max_partners":
        model.minimize(sum(pm.select.values()))
        scale = 1
    else:
        model.minimize(sum(1 - pm.assign[(c.role_id, c.partner_id)]
                           if (c.role_id, c.partner_id) in pm.assign else 1
                           for c in network.current))
        scale = 1
    solver = quick_solver()
    if solver.solve(model) != cp_model.OPTIMAL:
        return None
    return solver.objective_value / scale


def check_rules_agree(network: Network, seconds: float = CHECK_SECONDS) -> None:
    """Raise ``RulesConflict`` naming the smallest set of rules no plan keeps together, each
    at its cell; a limit in the set says what the others need of it."""
    every = items(network)
    core = conflict(network, every, seconds)
    if core is None:
        return
    others = _without(network, [i for i in every if i not in core])
    problems = []
    for item in core:
        what = item.what
        if item.key in ("budget", "max_partners", "max_changes"):
            needed = least(item.drop(others), item.key)
            if needed is not None:
                what += "; " + _need(item.key, needed, network)
        problems.append(Problem(item.where, what))
    raise RulesConflict(problems)


def _need(key: str, needed: float, network: Network) -> str:
    if key == "budget":
        return f"the other rules here cost at least {needed:,.2f}"
    if key == "max_partners":
        return f"the other rules here need at least {needed:.0f} partners"
    return (f"the other rules here end at least {needed:.0f} of today's "
            f"{len(network.current)} contracts")
