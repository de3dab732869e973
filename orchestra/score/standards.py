"""The hard standards a plan keeps or misses, and why a standard no plan can meet is missed."""

from __future__ import annotations

from dataclasses import dataclass

from orchestra.domain import Network, Plan, Standard
from orchestra.score.gaps import delivered


@dataclass(frozen=True)
class StandardOutcome:
    touchpoint_id: str
    metric: str
    target: float
    achieved: float | None  # what the plan delivers (None: nobody assigned, or no figure)
    met: bool | None  # None when there is nothing to judge
    enforced: bool  # the plan was made to keep it (meet_standards)
    unmeetable: str  # why no plan can meet it, with the best figure on offer; "" if one can

    def __str__(self) -> str:
        unit = " h" if self.metric == "response_hours" else ""
        shown = "-" if self.achieved is None else f"{self.achieved:.4g}{unit}"
        what = "met" if self.met else "missed" if self.met is False else "no data"
        word = "within" if self.metric == "response_hours" else "at least"
        tail = f": {self.unmeetable}" if self.unmeetable and not self.met else ""
        return (f"{self.touchpoint_id} {self.metric} {word} {self.target:g}{unit}: {what} "
                f"({shown}){tail}")


def best_on_offer(network: Network, standard: Standard) -> str:
    """Why no plan can meet ``standard``, naming the best figure any qualified partner offers;
    "" when some plan can. Response: a role of the touchpoint every qualified partner answers
    too slowly for. On-time: not even the most reliable qualified partner reaches the target."""
    roles = network.roles_of(standard.touchpoint_id)
    excluded = set(network.policy.exclude)
    target = standard.target
    if standard.metric == "response_hours":
        for role in roles:
            hours = [network.response_of(o.partner_id, role) for o in network.qualified(role)
                     if o.partner_id not in excluded]
            if role.critical and hours and all(h is not None and h > target for h in hours):
                return (f"the fastest qualified partner for {role.role_id} answers in "
                        f"{min(hours):g} h")
        return ""
    rates = [network.reliability_of(o.partner_id, role) for role in roles
             for o in network.qualified(role) if o.partner_id not in excluded]
    if rates and max(rates) < target:
        return f"the most reliable qualified partner delivers {max(rates):g}"
    return ""


def standard_outcomes(network: Network, plan: Plan) -> tuple[StandardOutcome, ...]:
    """Every hard standard on a metric the plan determines: what the plan achieves."""
    rows = []
    for standard in network.standards:
        if not standard.plannable:
            continue
        achieved, _ = delivered(network, plan, standard)
        met = None
        if achieved is not None:
            met = (achieved <= standard.target + 1e-9 if standard.metric == "response_hours"
                   else achieved >= standard.target - 1e-9)
        why = best_on_offer(network, standard)
        if (not why and met is False and plan.rules.meet_standards
                and plan.stopped_by == "proven optimal"):
            why = "no plan that fills the critical slots and keeps the other rules meets it"
        rows.append(StandardOutcome(standard.touchpoint_id, standard.metric, standard.target,
                                    achieved, met, plan.rules.meet_standards, why))
    return tuple(rows)
