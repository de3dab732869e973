"""Today's network as the baseline of a plan: scored exactly like a plan, and what changes.

Every figure a manager signs against: the recurring cost today and planned (the saving), the
one-off transition cost and its payback, and, role by role, which contracts are kept, replaced,
ended or new, with the partners who join and who leave.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from orchestra.calendar import calendar_of
from orchestra.domain import Network, Plan, Profile
from orchestra.model.given import given_plan
from orchestra.model.transition import Schedule, schedule
from orchestra.score import Scores, score


@dataclass(frozen=True)
class Changes:
    """From today's (role, partner) pairs to the plan's."""

    kept: tuple[tuple[str, str], ...]  # (role, partner) in both
    replaced: tuple[tuple[str, str, str], ...]  # (role, today's partner, planned partner)
    ended: tuple[tuple[str, str], ...]  # today's pairs the plan ends, no one taking over
    new: tuple[tuple[str, str], ...]  # planned pairs on slots nobody holds today
    new_partners: tuple[str, ...]  # joining: selected, not in today's network
    dropped_partners: tuple[str, ...]  # leaving: in today's network, not selected

    @property
    def count(self) -> int:
        """Contracts that change: every replaced, ended or new assignment."""
        return len(self.replaced) + len(self.ended) + len(self.new)


def changes(network: Network, plan: Plan, phased: Schedule | None = None) -> Changes:
    """Role by role, today's partners against the planned ones. Where a role loses some and
    gains others, they are paired as the schedule hands the slots over (``phased``, with a
    contract calendar), else in id order as replacements; the rest end or are new."""
    if phased is not None and phased.calendar is not None:
        return _scheduled(network, plan, phased)
    today: dict[str, list[str]] = {}
    for pair in network.current:
        today.setdefault(pair.role_id, []).append(pair.partner_id)
    planned: dict[str, list[str]] = {}
    for a in plan.assignments:
        planned.setdefault(a.role_id, []).append(a.partner_id)
    kept, replaced, ended, new = [], [], [], []
    for role in network.roles:
        was, now = today.get(role.role_id, []), planned.get(role.role_id, [])
        kept += [(role.role_id, p) for p in sorted(set(was) & set(now))]
        gone, came = sorted(set(was) - set(now)), sorted(set(now) - set(was))
        replaced += [(role.role_id, a, b) for a, b in zip(gone, came, strict=False)]
        ended += [(role.role_id, p) for p in gone[len(came):]]
        new += [(role.role_id, p) for p in came[len(gone):]]
    team = set(plan.selected)
    return Changes(tuple(kept), tuple(replaced), tuple(ended), tuple(new),
                   tuple(sorted(team - network.incumbents)),
                   tuple(sorted(network.incumbents - team)))


def _scheduled(network: Network, plan: Plan, phased: Schedule) -> Changes:
    held = {(c.role_id, c.partner_id) for c in network.current}
    planned = {(a.role_id, a.partner_id) for a in plan.assignments}
    order = {role.role_id: k for k, role in enumerate(network.roles)}
    taken = {(h.role_id, h.to_partner) for h in phased.handovers if h.to_partner}
    team = set(plan.selected)
    return Changes(
        tuple(sorted(held & planned, key=lambda t: (order[t[0]], t[1]))),
        tuple((h.role_id, h.from_partner, h.to_partner) for h in phased.handovers
              if h.to_partner),
        tuple((h.role_id, h.from_partner) for h in phased.handovers if not h.to_partner),
        tuple(sorted(planned - held - taken, key=lambda t: (order[t[0]], t[1]))),
        tuple(sorted(team - network.incumbents)), tuple(sorted(network.incumbents - team)))


@dataclass(frozen=True)
class Period:
    """One period of the horizon as the plan phases in: what it costs against today."""

    period: int
    start: date
    recurring_cost: float  # the plan's, as its changes take effect
    baseline_cost: float  # today's network's
    one_off_cost: float  # termination fees, exit costs, onboarding, paid in this period
    cumulative_savings: float  # baseline less recurring and one-off costs, to this period


def timeline(network: Network, plan: Plan, today_cost: float, phased: Schedule
             ) -> tuple[tuple[Period, ...], float]:
    """Period by period over the horizon, the plan phasing in against today's recurring cost
    ``today_cost``; and the one-off costs falling after the horizon (an exit at the end of a
    contract that outruns it). A slot's cost runs from the period its pair takes effect, a
    contract that runs out is paid at today's price until it ends, a newcomer's fixed cost
    from its first period, a leaver's until its last."""
    cal = phased.calendar
    contracted = network.as_contracted
    fee_at: dict[int, float] = {}
    for h in phased.handovers:
        fee_at[1] = fee_at.get(1, 0.0) + h.fee
        fee_at[h.effective] = fee_at.get(h.effective, 0.0) + h.exit_cost
    for pid, first in phased.first.items():
        fee_at[first] = fee_at.get(first, 0.0) + network.partner[pid].onboarding_cost
    for pid, last in phased.last.items():
        fee_at[last + 1] = fee_at.get(last + 1, 0.0) + network.partner[pid].exit_cost
    running = [(h.paid, contracted.role[h.role_id].load
                * contracted.offer(h.from_partner, h.role_id).unit_cost)
               for h in phased.handovers if h.paid]
    rows, saved = [], 0.0
    for t in range(1, cal.horizon + 1):
        recurring = sum(a.cost for a in plan.assignments
                        if phased.starts.get((a.role_id, a.partner_id), 1) <= t)
        recurring += sum(cost for paid, cost in running if t <= paid)
        recurring += sum(network.partner[p].fixed_cost for p in plan.selected
                         if phased.first.get(p, 1) <= t)
        recurring += sum(network.partner[p].fixed_cost for p, last in phased.last.items()
                         if t <= last)
        once = fee_at.get(t, 0.0)
        saved += today_cost - recurring - once
        rows.append(Period(t, cal.begins(t), recurring, today_cost, once, saved))
    after = sum(v for t, v in fee_at.items() if t > cal.horizon)
    return tuple(rows), after


def payback(periods: tuple[Period, ...]) -> Period | None:
    """The first period from which the cumulative savings stay at or above zero; None when
    they end below it."""
    found = None
    for row in periods:
        if row.cumulative_savings >= -1e-9:
            found = found or row
        else:
            found = None
    return found


@dataclass(frozen=True)
class Baseline:
    """Today's network, scored like a plan, set against ``changes`` of the plan."""

    plan: Plan
    scores: Scores
    changes: Changes
    transition_cost: float  # one-off: onboarding the newcomers, exit of those who leave
    savings: float  # per period: today's total cost minus the plan's (negative: it costs more)
    schedule: Schedule | None = None  # how the plan phases in (a contract calendar)
    periods: tuple[Period, ...] = ()  # the horizon period by period (a contract calendar)
    after_horizon: float = 0.0  # one-off costs falling after the horizon

    @property
    def payback_periods(self) -> float | None:
        """How many periods of savings pay for the transition; None if nothing is saved. With
        a contract calendar: the period from which the cumulative savings stay at or above
        zero (``payback``), None when they end below it."""
        if self.periods:
            found = payback(self.periods)
            return None if found is None else float(found.period)
        if self.transition_cost == 0:
            return 0.0
        return self.transition_cost / self.savings if self.savings > 0 else None

    @property
    def payback_date(self) -> date | None:
        """With a contract calendar, the last day of the payback period (``payback``)."""
        found = payback(self.periods) if self.periods else None
        return None if found is None else self.schedule.calendar.ends(found.period)


def baseline(network: Network, profile: Profile, plan: Plan) -> Baseline | None:
    """Today's network (the ``current`` sheet) as a plan at today's prices (before any
    returned bids), scored, against ``plan``; None when the input has no today's network."""
    if not network.current:
        return None
    contracted = network.as_contracted  # today's contracts at today's prices, not the bids
    today = given_plan(contracted, profile, network.current)
    # The plan's own schedule, worked out with it (``transition.with_schedule``).
    phased = (plan.schedule or schedule(network, plan)) if calendar_of(network) is not None \
        else None
    if phased is None:
        return Baseline(today, score(contracted, today), changes(network, plan),
                        plan.transition_cost, today.total_cost - plan.total_cost)
    periods, after = timeline(network, plan, today.total_cost, phased)
    return Baseline(today, score(contracted, today), changes(network, plan, phased),
                    plan.transition_cost, today.total_cost - plan.total_cost, phased, periods,
                    after)
