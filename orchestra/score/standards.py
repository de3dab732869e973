"""The hard standards a plan keeps or misses, and why a standard no plan can meet is missed."""

from __future__ import annotations

from dataclasses import dataclass

from orchestra.domain import Network, Plan, StandardNamed, judge


@dataclass(frozen=True)
class StandardOutcome(StandardNamed):
    touchpoint_id: str
    metric: str
    target: float
    achieved: float | None  # what the plan delivers (None: nothing covered, or no figure)
    met: bool | None  # None when there is nothing to judge
    enforced: bool  # the plan was made to keep it (meet_standards)
    unmeetable: str  # why no plan can meet it, with the best figure on offer; "" if one can
    roles: tuple[str, ...] = ()  # the roles it covers
    open_slots: int = 0  # covered slots the plan leaves open
    missed_by: float = 0.0  # in the metric's units; 0 when met
    site_id: str = ""  # kept at this site; "" across the network

    def __str__(self) -> str:
        unit = " h" if self.metric == "response_hours" else ""
        shown = "-" if self.achieved is None else f"{self.achieved:.4g}{unit}"
        what = "met" if self.met else "missed" if self.met is False else "no data"
        word = "within" if self.metric == "response_hours" else "at least"
        by = []
        if self.met is False and self.missed_by > 0:
            by.append(f"missed by {self.missed_by:.4g}{unit}")
        if self.open_slots:
            by.append(f"{self.open_slots} covered slot(s) open")
        detail = f"{shown}{'; ' if by else ''}{'; '.join(by)}"
        tail = f": {self.unmeetable}" if self.unmeetable and not self.met else ""
        return (f"{self.touchpoint_id} {self.subject} {word} {self.target:g}{unit}: {what} "
                f"({detail}){tail}")


def standard_outcomes(network: Network, plan: Plan) -> tuple[StandardOutcome, ...]:
    """Every hard standard on a metric the plan determines: what the plan achieves over the
    slots it covers (``domain.judge``)."""
    rows = []
    pairs = [(a.role_id, a.partner_id) for a in plan.assignments]
    for standard in network.standards:
        if not standard.plannable:
            continue
        figures = judge(network, standard, pairs)
        why = network.out_of_reach(standard)
        if (not why and figures.met is False and plan.rules.meet_standards
                and plan.stopped_by == "proven optimal"):
            why = "no plan that fills the critical slots and keeps the other rules meets it"
        rows.append(StandardOutcome(
            standard.touchpoint_id, standard.metric, standard.target, figures.achieved,
            figures.met, plan.rules.meet_standards, why,
            tuple(r.role_id for r in network.covered(standard)), figures.open_slots,
            figures.missed_by, standard.site_id))
    return tuple(rows)
