"""The hard standards a plan keeps or misses, and why a standard no plan can meet is missed."""

from __future__ import annotations

from dataclasses import dataclass

from orchestra.domain import Network, Plan
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
        why = network.out_of_reach(standard)
        if (not why and met is False and plan.rules.meet_standards
                and plan.stopped_by == "proven optimal"):
            why = "no plan that fills the critical slots and keeps the other rules meets it"
        rows.append(StandardOutcome(standard.touchpoint_id, standard.metric, standard.target,
                                    achieved, met, plan.rules.meet_standards, why))
    return tuple(rows)
