"""The memo: what a manager reads in one minute, computed once from the plan, its scores and
today's network, and rendered alike by the terminal, the summary sheet, the JSON and the
blueprint's header.

It answers four questions: what to do (the recommendation), how good and what it costs (the
headline figures, each with a traffic light whose rule it states), what is at risk (the three
largest risks, ranked here) and what must be decided (the approvals the plan needs). Every
figure in it is one the plan's own sheets show.
"""

from __future__ import annotations

from dataclasses import dataclass

from orchestra.domain import Network, Plan
from orchestra.score import Scores
from orchestra.score.baseline import Baseline

GREEN, AMBER, RED, NONE = "green", "amber", "red", "none"
WORDS = {GREEN: "ok", AMBER: "watch", RED: "act", NONE: "-"}  # a light on a sheet or a page
DELIVERED_GREEN, DELIVERED_AMBER = 0.95, 0.85  # expected share delivered
BUDGET_AMBER = 0.90  # share of the budget from which the headroom is thin
MAX_RISKS = 3


@dataclass(frozen=True)
class Light:
    """A headline figure with its traffic light and the rule that set it."""

    label: str
    value: str
    status: str  # GREEN, AMBER, RED, or NONE (nothing to judge)
    rule: str

    @property
    def word(self) -> str:
        """The light in a word, beside its colour: ok, watch, act, or - (nothing to judge)."""
        return WORDS[self.status]


@dataclass(frozen=True)
class Risk:
    kind: str  # "standard", "sole source", "reliance", "open slot"
    text: str
    weight: float  # the ranking: larger first


@dataclass(frozen=True)
class Memo:
    recommendation: tuple[str, ...]
    lights: tuple[Light, ...]
    risks: tuple[Risk, ...]  # the largest, at most MAX_RISKS
    decisions: tuple[str, ...]
    currency: str  # "EUR per month", or the words for an input that names none

    def lines(self) -> list[str]:
        """The memo as plain lines (the terminal, and ``--brief``)."""
        out = list(self.recommendation)
        width = max(len(light.label) for light in self.lights)
        out += [""] + [f"[{_mark(light.status)}] {light.label:<{width}}  {light.value}"
                       for light in self.lights]
        out += ["", "risks:"] + ([f"  {k}. {r.text}" for k, r in enumerate(self.risks, 1)]
                                 or ["  none found"])
        out += ["", "decisions:"] + ([f"  - {d}" for d in self.decisions] or ["  none"])
        return out


def _mark(status: str) -> str:
    return {GREEN: "ok", AMBER: "!!", RED: "XX", NONE: "--"}[status]


def money_words(network: Network) -> str:
    """How money is labelled everywhere: the policy's currency and period, or the words for an
    input that names no currency."""
    unit = network.policy.money_unit
    if network.policy.currency:
        return unit
    return "amounts in the input's currency" + (f", {unit}" if unit else "")


def memo(network: Network, plan: Plan, scores: Scores, today: Baseline | None) -> Memo:
    """The memo of ``plan`` (see the module)."""
    return Memo(_recommendation(network, plan, today), _lights(network, plan, scores, today),
                tuple(sorted(_risks(network, plan, scores), key=lambda r: -r.weight)
                      [:MAX_RISKS]),
                _decisions(network, plan, today), money_words(network))


def _names(network: Network, ids, most: int = 6) -> str:
    ids = list(ids)
    shown = ", ".join(network.who(p) for p in ids[:most])
    return shown + (f" and {len(ids) - most} more" if len(ids) > most else "")


def _recommendation(network: Network, plan: Plan, today: Baseline | None) -> tuple[str, ...]:
    if plan.status == "no solution":
        return (f"No plan keeps every rule: {plan.stopped_by}.",)
    budget = plan.rules.budget
    lines = [f"Engage {len(plan.selected)} partners: {_names(network, plan.selected)}."]
    cost = f"It costs {plan.total_cost:,.2f}"
    if budget is not None:
        cost += f", {plan.total_cost / budget:.0%} of the budget of {budget:,.2f}" if budget \
            else ", against a budget of 0"
    if today is not None:
        cost += (f"; today's network costs {today.plan.total_cost:,.2f}, so it "
                 + (f"saves {today.savings:,.2f}" if today.savings >= 0
                    else f"costs {-today.savings:,.2f} more"))
    lines.append(cost + f" ({money_words(network)}).")
    if today is not None:
        changed = today.changes
        lines.append(
            f"{changed.count} of today's contracts change ({len(changed.replaced)} replaced, "
            f"{len(changed.ended)} ended, {len(changed.new)} new): "
            f"{len(changed.new_partners)} partner(s) join, {len(changed.dropped_partners)} "
            f"leave, for a one-off {today.transition_cost:,.2f}.")
    else:
        lines.append("No today's network was given: every contract is new.")
    return tuple(lines)


def _lights(network: Network, plan: Plan, scores: Scores, today: Baseline | None
            ) -> tuple[Light, ...]:
    critical = len(plan.critical_shortfalls)
    lights = [Light("critical slots open", str(critical), RED if critical else GREEN,
                    "green at 0, else red")]
    judged = [o for o in scores.standards if o.met is not None]
    missed = [o for o in judged if not o.met]
    lights.append(Light(
        "standards met", f"{len(judged) - len(missed)} of {len(judged)}" if judged else "none",
        NONE if not judged else RED if missed else GREEN,
        "green when every judged standard is met, else red"))
    share = scores.by_group["all"]["expected_share"]
    lights.append(Light(
        "expected delivered", "-" if share is None else f"{share:.1%}",
        NONE if share is None else GREEN if share >= DELIVERED_GREEN
        else AMBER if share >= DELIVERED_AMBER else RED,
        f"green from {DELIVERED_GREEN:.0%}, amber from {DELIVERED_AMBER:.0%}, else red "
        "(importance-weighted share of slots delivered)"))
    budget = plan.rules.budget
    if budget is None:
        lights.append(Light("budget", "no budget set", NONE, "no budget to judge"))
    else:
        used = plan.total_cost / budget if budget else float("inf")
        lights.append(Light(
            "budget", f"{plan.total_cost:,.2f} of {budget:,.2f}",
            RED if used > 1 + 1e-9 else AMBER if used >= BUDGET_AMBER else GREEN,
            f"green below {BUDGET_AMBER:.0%} of the budget, amber up to it, red over it"))
    if today is None:
        lights.append(Light("payback", "no today's network", NONE, "nothing to pay back"))
    else:
        periods = today.payback_periods
        horizon = plan.rules.horizon_periods or 1
        if today.periods:  # a contract calendar: the cash flow says when
            lights.append(Light(
                "payback", "not within the horizon" if periods is None else
                f"by {today.payback_date.isoformat()} (period {periods:.0f})",
                GREEN if periods is not None else RED,
                f"green when the cumulative savings reach zero within the horizon "
                f"({horizon:g} periods), red when they do not"))
            return tuple(lights)
        lights.append(Light(
            "payback", "no one-off cost" if periods == 0 else "never" if periods is None
            else f"{periods:.1f} periods",
            GREEN if periods is not None and periods <= horizon
            else AMBER if periods is not None else RED,
            f"green within the horizon ({horizon:g} periods), amber beyond it, red when the "
            "plan saves nothing to pay the transition back"))
    return tuple(lights)


def _risks(network: Network, plan: Plan, scores: Scores) -> list[Risk]:
    """Every risk found, weighed: an open critical slot and a missed standard by the
    touchpoint's importance (a standard also by how far it misses), a sole source on a moment
    of truth by the touchpoint's importance, a partner the plan leans on by its share of the
    filled slots."""
    risks = []
    for s in plan.critical_shortfalls:
        if s.role_id:
            tp = network.touchpoint[s.touchpoint_id]
            risks.append(Risk("open slot", f"critical {network.where(s.role_id)} "
                              f"{network.role[s.role_id].name}"
                              f" stays open ({s.reason_code}): {s.reason}",
                              100 * tp.importance))
    for o in scores.standards:
        if o.met is False:
            tp = network.touchpoint[o.touchpoint_id]
            hours = o.metric == "response_hours"
            got = "-" if o.achieved is None else format(o.achieved, ".4g")
            miss = (abs(o.achieved - o.target) / max(abs(o.target), 1e-9)
                    if o.achieved is not None else 1.0)
            risks.append(Risk(
                "standard", f"{o.touchpoint_id} {tp.name}: {o.subject} "
                f"{'within' if hours else 'at least'} {o.target:g}{' h' if hours else ''} "
                f"is missed ({got})", 10 * tp.importance * (1 + miss)))
    for r in scores.coverage:
        if r.moment_of_truth and r.single_points_of_failure:
            risks.append(Risk(
                "sole source", f"{r.touchpoint_id} {r.name}, a moment of truth, rests on "
                f"{_names(network, r.single_points_of_failure)} alone", 5 * r.importance))
    filled = len(plan.assignments)
    if filled:
        counts: dict[str, int] = {}
        for a in plan.assignments:
            counts[a.partner_id] = counts.get(a.partner_id, 0) + 1
        for pid, n in counts.items():
            if n / filled >= 0.2 and n >= 2:
                risks.append(Risk("reliance", f"the plan leans on {network.who(pid)}: {n} of "
                                  f"{filled} filled slots ({n / filled:.0%})", n / filled))
    return risks


def _when(today: Baseline, role_id: str, partner_id: str, sep: str) -> str:
    """With a contract calendar, when a change takes effect: "from 2027-03-01", "early"."""
    phased = today.schedule
    if phased is None:
        return ""
    h = phased.handover(role_id, partner_id)
    when = f"from {phased.effective(h).isoformat()}"
    return f"{sep or ' ('}{'ended early, ' if h.early else ''}{when}{'' if sep else ')'}"


def _decisions(network: Network, plan: Plan, today: Baseline | None) -> tuple[str, ...]:
    out = []
    if today is not None:
        changed = today.changes
        ending = [f"{network.where(r)} {p}{_when(today, r, p, '')}" for r, p in changed.ended] + [
            f"{network.where(r)} {old} (to {new}{_when(today, r, old, ', ')})"
            for r, old, new in changed.replaced]
        if ending:
            out.append(f"end {len(ending)} contract(s): {', '.join(ending[:8])}"
                       + (" ..." if len(ending) > 8 else ""))
        if changed.new_partners:
            onboarding = sum(network.partner[p].onboarding_cost for p in changed.new_partners)
            out.append(f"onboard {len(changed.new_partners)} new partner(s): "
                       f"{_names(network, changed.new_partners)} (onboarding "
                       f"{onboarding:,.2f} once)")
    else:
        out.append(f"contract {len(plan.selected)} partner(s) for "
                   f"{len(plan.assignments)} slot(s)")
    if plan.critical_shortfalls:
        out.append(f"accept {len(plan.critical_shortfalls)} critical slot(s) open, or widen "
                   "the rules that leave them open (see shortfalls)")
    if plan.rules.budget is not None and plan.total_cost > plan.rules.budget + 1e-6:
        out.append(f"approve {plan.total_cost - plan.rules.budget:,.2f} over the budget")
    return tuple(out)
