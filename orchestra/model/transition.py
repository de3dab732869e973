"""Today's contracts over the horizon: when each change takes effect, and what it costs.

A contract of today's network that the plan ends keeps being paid until it ends (its
``contract_end``, in periods of the calendar), unless ending it early at plan_start (its
``termination_fee``) is cheaper; a new partner on its slot is paid from the period after. A
new partner's fixed cost runs from its first start, a leaving partner's until its last
contract ends. Exit costs count per contract.

The model prices this as its ``calendar`` term: the horizon's cost beyond the plan's
steady-state cost (which the cost term already counts for every period), divided by the
horizon. ``timing`` builds it once for two uses: the plan's model (every assignment a
variable) and ``schedule`` (a given plan's assignments fixed: the cheapest way to phase it in,
solved exactly by CP-SAT on the calendar's few variables).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from types import MappingProxyType

from ortools.sat.python import cp_model

from orchestra.calendar import Calendar, at_once, calendar_of
from orchestra.domain import Lock, Network, Plan

Literal = cp_model.LinearExprT  # a variable, or 0 / 1 where the plan is given


@dataclass
class Timing:
    """The calendar's variables in one model, and its cost as (money over the horizon,
    expression) pieces."""

    contracts: list[tuple[Lock, int]]  # today's contracts, each with its paid periods
    early: dict[int, cp_model.IntVar] = field(default_factory=dict)  # contract -> ended early
    takes: dict[tuple[int, str], cp_model.IntVar] = field(default_factory=dict)  # -> successor
    starts: dict[str, list] = field(default_factory=dict)  # newcomer -> active per period
    ends: dict[str, cp_model.IntVar] = field(default_factory=dict)  # leaver -> last period paid
    pieces: list[tuple[float, Literal]] = field(default_factory=list)


def timing(model: cp_model.CpModel, network: Network, cal: Calendar,
           assign: Callable[[tuple[str, str]], Literal],
           select: Callable[[str], Literal],
           prices: Callable[[tuple[str, str]], Sequence[tuple[float, Literal]]],
           candidates: Mapping[str, Sequence[str]]) -> Timing:
    """The calendar of today's contracts in ``model``: ``assign`` gives a (role, partner)
    pair's literal, ``select`` a partner's, ``prices`` a pair's slot cost per period at each
    price it may be paid (with the literal set when it is), ``candidates`` each role's
    partners. A contract running to the horizon's end is kept unless it is ended early: a
    successor could not take over within the horizon, where its price would weigh nothing (a
    plan given by hand that drops one that cannot be ended early is priced as it stands)."""
    horizon = cal.horizon
    held = {(c.role_id, c.partner_id) for c in network.current}
    contracted = network.as_contracted
    out = Timing([(c, cal.paid(c)) for c in network.current])
    timed: dict[str, list[int]] = {}
    for i, (c, paid) in enumerate(out.contracts):
        kept = assign((c.role_id, c.partner_id))
        if c.exit_cost:
            out.pieces.append((c.exit_cost, 1 - kept))
        if paid == 0:
            continue
        timed.setdefault(c.role_id, []).append(i)
        early: Literal = 0
        if c.termination_fee is not None:
            early = out.early[i] = model.new_bool_var(f"early[{i}]")
            model.add(early + kept <= 1)
            out.pieces.append((c.termination_fee, early))
        if paid >= horizon and not (isinstance(kept, int) and isinstance(early, int)):
            model.add(kept + early >= 1)  # runs to the horizon's end: kept, or ended early
        role = contracted.role[c.role_id]
        offer = contracted.offer(c.partner_id, role)
        today = role.load * offer.unit_cost if offer is not None else 0.0
        out.pieces.append((today * paid, 1 - kept - early))  # paid on while it runs out
    both: dict[tuple[int, str], Literal] = {}
    for role_id, items in timed.items():
        role = network.role[role_id]
        newcomers = [p for p in candidates.get(role_id, ()) if (role_id, p) not in held]
        for i in items:
            contract, paid = out.contracts[i]
            takers = []
            # One slot and its one running contract: a newcomer on the role takes it over, so
            # the takeover is the assignment itself (the tightest form, and no new variable).
            alone = role.slots == 1 and len(items) == 1
            for pid in newcomers:
                if alone:
                    z = out.takes[(i, pid)] = assign((role_id, pid))
                else:
                    z = out.takes[(i, pid)] = model.new_bool_var(f"takes[{i},{pid}]")
                    model.add(z <= assign((role_id, pid)))
                takers.append(z)
                w: Literal = 0
                if i in out.early:
                    w = both[(i, pid)] = model.new_bool_var(f"takes_early[{i},{pid}]")
                    model.add(w >= z + out.early[i] - 1)
                for cost, priced in prices((role_id, pid)):
                    if priced is assign((role_id, pid)):
                        zr, wr = z, w
                    else:  # paid at one of several prices: the delay saves that price
                        zr = model.new_bool_var(f"takes_at[{i},{pid},{cost}]")
                        model.add(zr <= z)
                        model.add(zr <= priced)
                        wr = 0
                        if i in out.early:
                            wr = model.new_bool_var(f"takes_early_at[{i},{pid},{cost}]")
                            model.add(wr >= zr + out.early[i] - 1)
                    out.pieces.append((-cost * paid, zr))  # not paid before it takes over
                    if i in out.early:
                        out.pieces.append((cost * paid, wr))  # unless it ended early
            model.add(sum(takers) + assign((contract.role_id, contract.partner_id)) <= 1)
        for pid in newcomers:
            model.add(sum(out.takes[(i, pid)] for i in items) <= assign((role_id, pid)))
        # Newcomers taking over no contract start at once, on the slots no running contract
        # holds: those of today's contracts without a calendar, kept or not, and vacant ones.
        untimed = [c for c, paid in out.contracts if c.role_id == role_id and paid == 0]
        model.add(sum(assign((role_id, p)) for p in newcomers)
                  - sum(out.takes[(i, p)] for i in items for p in newcomers)
                  <= role.slots - len(items) - sum(assign((c.role_id, c.partner_id))
                                                   for c in untimed))
    if not timed:
        return out
    incumbents = network.incumbents
    roles_of: dict[str, list[str]] = {}
    for role_id, pids in candidates.items():
        for pid in pids:
            roles_of.setdefault(pid, []).append(role_id)
    for pid, role_ids in roles_of.items():
        fixed = network.partner[pid].fixed_cost
        if pid in incumbents or not fixed:
            continue
        # A newcomer's fixed cost runs from its first start: paid in each period it is
        # active, active from the first period any of its slots is (at once on a slot nobody
        # holds or one ended early, after the run-out of a contract it takes over). The
        # periods are counted upward, so the relaxation keeps the fee as a fixed charge.
        active = [model.new_bool_var(f"active[{pid},{t}]") for t in range(1, horizon + 1)]
        out.starts[pid] = active
        for before, after in zip(active, active[1:], strict=False):
            model.add(after >= before)
        for role_id in role_ids:
            taking = [(i, out.takes[(i, pid)]) for i in timed.get(role_id, ())]
            model.add(active[0] >= assign((role_id, pid)) - sum(z for _, z in taking)
                      + sum(both.get((i, pid), 0) for i, _ in taking))
            for i, z in taking:
                paid = out.contracts[i][1]
                if paid < horizon:
                    model.add(active[paid] >= z - both.get((i, pid), 0))
        # A newcomer selected with no slot (must_include) is paid from the start.
        model.add(active[0] >= select(pid) - sum(assign((role_id, pid))
                                                 for role_id in role_ids))
        out.pieces.append((fixed, sum(active)))  # paid while active ...
        out.pieces.append((-fixed * horizon, select(pid)))  # ... not every period
    for pid in sorted(incumbents):
        fixed = network.partner[pid].fixed_cost
        mine = [i for i, (c, paid) in enumerate(out.contracts) if c.partner_id == pid and paid]
        if not fixed or not mine:
            continue
        # A leaving partner's fixed cost runs until its last contract ends.
        end = out.ends[pid] = model.new_int_var(0, horizon, f"ends[{pid}]")
        for i in mine:
            paid = out.contracts[i][1]
            # paid x (1 - early - selected): its run-out when it leaves, nothing when it stays
            model.add(end >= paid - paid * out.early.get(i, 0) - paid * select(pid))
        out.pieces.append((fixed, end))
    return out


@dataclass(frozen=True)
class Handover:
    """One of today's contracts the plan ends: whether it is ended early, how many periods of
    the horizon today's partner is still paid, and who takes the slot over (None: nobody)."""

    role_id: str
    from_partner: str
    to_partner: str | None
    early: bool
    paid: int  # periods today's partner is paid for: 0 when ended early or already rolling
    fee: float  # the termination fee paid (0 unless ended early)
    exit_cost: float
    can_end_early: bool  # the contract has a termination fee and runs into the horizon

    @property
    def effective(self) -> int:
        """The period the change takes effect in (1: at plan_start)."""
        return self.paid + 1


@dataclass(frozen=True)
class Schedule:
    """How a plan phases in over the horizon (``calendar``; None: every change at once)."""

    calendar: Calendar | None
    handovers: tuple[Handover, ...]
    starts: Mapping[tuple[str, str], int]  # each new (role, partner) pair: its first period
    first: Mapping[str, int]  # each partner new to the network: the first period it is paid
    last: Mapping[str, int]  # each partner leaving it: the last period it is paid (0: none)
    cost: float  # the horizon's cost beyond the plan's steady state (termination fees, runs)

    def handover(self, role_id: str, partner_id: str) -> Handover:
        """The handover of today's contract of ``partner_id`` on ``role_id``."""
        return next(h for h in self.handovers if (h.role_id, h.from_partner) == (role_id,
                                                                                  partner_id))

    def effective(self, handover: Handover) -> date:
        """The day a handover takes effect: plan_start, or the day after the contract ends."""
        return self.calendar.begins(handover.effective)


def schedule(network: Network, plan: Plan, early: Mapping[int, bool] | None = None
             ) -> Schedule:
    """The cheapest way to phase ``plan`` in from today's network: for each contract it ends,
    to end it early or let it run out, and which newcomer takes which slot over; solved
    exactly on the calendar's variables alone, the plan fixed. ``early`` forces the choice
    for some contracts (by their place in ``network.current``), as ``explain`` asks."""
    cal = calendar_of(network)
    pairs = {(a.role_id, a.partner_id) for a in plan.assignments}
    cost = {(a.role_id, a.partner_id): a.cost for a in plan.assignments}
    team = set(plan.selected)
    model = cp_model.CpModel()
    found = timing(model, network, cal or at_once(),
                   lambda key: int(key in pairs), lambda pid: int(pid in team),
                   lambda key: [(cost[key], 1)] if key in pairs else [],
                   _by_role(plan))
    for i, value in (early or {}).items():
        if i in found.early:
            model.add(found.early[i] == int(value))
    model.minimize(sum(round(value * 10_000) * expr for value, expr in found.pieces))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise RuntimeError("no schedule for a plan that keeps its own slots")  # pragma: no cover

    def value(expr) -> float:
        return float(solver.value(expr)) if not isinstance(expr, int) else float(expr)

    handovers = []
    starts: dict[tuple[str, str], int] = {}
    for i, (c, paid) in enumerate(found.contracts):
        if (c.role_id, c.partner_id) in pairs:
            continue
        ended = bool(i in found.early and solver.value(found.early[i]))
        taker = next((p for (j, p), z in found.takes.items() if j == i and value(z)),
                     None)
        runs = 0 if ended else paid
        if taker is not None:
            starts[(c.role_id, taker)] = runs + 1
        handovers.append(Handover(c.role_id, c.partner_id, taker, ended, runs,
                                  c.termination_fee or 0.0 if ended else 0.0, c.exit_cost,
                                  c.termination_fee is not None and paid > 0))
    # Successors on slots no running contract holds start at once; where a contract ends at
    # once (rolling, or ended early) with nobody named, the role's first such newcomer (in id
    # order) is its successor.
    for role_id, pid in sorted(pairs - {(c.role_id, c.partner_id) for c in network.current}):
        if (role_id, pid) in starts:
            continue
        starts[(role_id, pid)] = 1
        k = next((k for k, h in enumerate(handovers) if h.role_id == role_id
                  and h.to_partner is None and h.paid == 0), None)
        if k is not None:
            handovers[k] = replace(handovers[k], to_partner=pid)
    # A newcomer with no slot (forced in by must_include) is paid from the start.
    first = {pid: min([s for (_, p), s in starts.items() if p == pid], default=1)
             for pid in sorted(team - network.incumbents)}
    last = {pid: max([h.paid for h in handovers if h.from_partner == pid], default=0)
            for pid in sorted(network.incumbents - team)}
    return Schedule(cal, tuple(handovers), starts, first, last,
                    sum(v * value(expr) for v, expr in found.pieces))


def _by_role(plan: Plan) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for a in plan.assignments:
        out.setdefault(a.role_id, []).append(a.partner_id)
    return out


def phased(network: Network) -> bool:
    """Whether a plan of ``network`` has a phasing to price: contract ends, or exit costs per
    contract (``rules.add_calendar_term`` prices it in the model)."""
    return calendar_of(network) is not None or any(c.exit_cost for c in network.current)


def with_schedule(network: Network, plan: Plan) -> Plan:
    """``plan`` with the cost of phasing it in: its one-off ``transition_cost`` gains each
    ended contract's termination fee and exit cost, ``phasing_cost`` is the rest of the
    horizon's cost beyond the steady state (today's contracts running out, newcomers
    starting late), and the objective's calendar term is that exact cost (a solve stopped
    early may hold a dearer phasing of the same plan)."""
    if not phased(network) or not plan.assignments:
        return plan
    found = schedule(network, plan)
    once = sum(h.fee + h.exit_cost for h in found.handovers)
    changes: dict[str, object] = {"transition_cost": plan.transition_cost + once,
                                  "phasing_cost": found.cost - once, "schedule": found}
    if "calendar" in plan.terms and plan.objective is not None:
        from orchestra.model.solve import relative_gap  # the solver imports this module

        scale = plan.settings["money_scale"]
        weight = plan.rules.profile.cost_weight
        exact = round(weight * found.cost / plan.rules.horizon_periods * scale) / scale
        terms = {**plan.terms, "calendar": exact}
        objective = sum(terms.values())
        bound = objective if plan.stopped_by == "proven optimal" else plan.bound
        changes.update(terms=MappingProxyType(terms), objective=objective, bound=bound,
                       gap=relative_gap(objective, bound) if bound is not None else None)
    return replace(plan, **changes)


def held_to_the_end(network: Network, cal: Calendar) -> list[Lock]:
    """Today's contracts a plan keeps: they run to the horizon's end and cannot be ended
    early (``timing`` holds those that can be, unless ended early)."""
    return [c for c in network.current
            if c.termination_fee is None and cal.paid(c) >= cal.horizon]
