"""Scores of a plan on its network: cohesion, coverage and resilience, and the six value gaps."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from orchestra.domain import Network, Plan
from orchestra.score.cohesion import Cohesion, cohesion, positive_ties, team_graph
from orchestra.score.coverage import (
    SiteCoverage,
    TouchpointCoverage,
    coverage_by_group,
    coverage_graph,
    site_coverage,
    touchpoint_coverage,
)
from orchestra.score.gaps import GAPS, Gap, largest, value_gaps
from orchestra.score.standards import StandardOutcome, standard_outcomes
from orchestra.score.team import team_parts


@dataclass(frozen=True)
class Scores:
    cohesion: Cohesion
    coverage: tuple[TouchpointCoverage, ...]
    by_group: dict[str, dict[str, float | None]]
    gaps: tuple[Gap, ...]
    standards: tuple[StandardOutcome, ...] = ()  # the hard standards a plan determines
    parts: Mapping[str, str] = field(default_factory=dict)  # each member's part, in words
    ties: Mapping[str, int] = field(default_factory=dict)  # each member's positive ties inside
    sites: tuple[SiteCoverage, ...] = ()  # per site, on a network of sites

    @property
    def single_points_of_failure(self) -> list[tuple[str, str]]:
        """(touchpoint, partner) pairs, moments of truth first."""
        rows = sorted(self.coverage, key=lambda r: not r.moment_of_truth)
        return [(r.touchpoint_id, pid) for r in rows for pid in r.single_points_of_failure]

    def failure_points(self) -> dict[str, int]:
        """For each partner that is one, on how many touchpoints it is a single point of failure."""
        counts: dict[str, int] = {}
        for _tid, pid in self.single_points_of_failure:
            counts[pid] = counts.get(pid, 0) + 1
        return counts

    def worst_covered(self, count: int = 3) -> list[TouchpointCoverage]:
        """Touchpoints by expected share delivered, lowest first (moments of truth break ties)."""
        rows = [r for r in self.coverage if r.required]
        return sorted(rows, key=lambda r: (r.expected_share, not r.moment_of_truth))[:count]

    def largest_gaps(self, count: int = 3) -> list[Gap]:
        return largest(list(self.gaps), count)


def score(network: Network, plan: Plan) -> Scores:
    """Every score of ``plan``: graphs are built once here and shared by the metrics."""
    graph = coverage_graph(network, plan)
    rows = touchpoint_coverage(network, plan, graph)
    ties = positive_ties(team_graph(network, plan.selected))
    return Scores(
        cohesion=cohesion(network, plan.selected),
        coverage=tuple(rows),
        by_group=coverage_by_group(rows),
        gaps=tuple(value_gaps(network, plan)),
        standards=standard_outcomes(network, plan),
        parts=team_parts(network, plan),
        ties={pid: ties.degree(pid) for pid in plan.selected},
        sites=tuple(site_coverage(network, plan, graph)),
    )


__all__ = ["GAPS", "Cohesion", "Gap", "Scores", "SiteCoverage", "TouchpointCoverage", "score"]
