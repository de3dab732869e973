"""Coverage of each touchpoint on the partner -> role -> touchpoint graph of a plan.

Nodes are ``("partner", id)``, ``("role", id)`` and ``("touchpoint", id)``; an edge runs from a
partner to each role it fills (one per slot it holds, so at most one) and from each role to its
touchpoint. Everything here is a pure function of the network, the plan and that graph.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx

from orchestra.domain import Network, Plan, Role

# Capacity comparisons tolerate float noise in sums of load * effort.
EPS = 1e-9


def coverage_graph(network: Network, plan: Plan) -> nx.DiGraph:
    """partner -> role (one edge per assignment) -> touchpoint (every role)."""
    graph = nx.DiGraph()
    for touchpoint in network.touchpoints:
        graph.add_node(("touchpoint", touchpoint.touchpoint_id))
    for role in network.roles:
        graph.add_edge(("role", role.role_id), ("touchpoint", role.touchpoint_id))
    for a in plan.assignments:
        graph.add_edge(("partner", a.partner_id), ("role", a.role_id))
    return graph


def partners_of_role(graph: nx.DiGraph, role_id: str) -> list[str]:
    return sorted(pid for kind, pid in graph.predecessors(("role", role_id)) if kind == "partner")


def partners_of_touchpoint(graph: nx.DiGraph, touchpoint_id: str) -> list[str]:
    """Distinct partners serving the touchpoint through any of its roles."""
    return sorted({pid for role in graph.predecessors(("touchpoint", touchpoint_id))
                   for kind, pid in graph.predecessors(role) if kind == "partner"})


def spare_capacity(network: Network, plan: Plan) -> dict[str, float]:
    """Capacity each selected partner has left after its assignments."""
    spare = {pid: network.partner[pid].capacity for pid in plan.selected}
    for a in plan.assignments:
        spare[a.partner_id] = spare.get(a.partner_id, 0.0) - a.capacity_used
    return spare


def can_take_over(network: Network, plan: Plan, role: Role, partner_id: str,
                  serving: Iterable[str], spare: dict[str, float]) -> bool:
    """Whether a selected partner, not already on ``role`` and not ``partner_id``, qualifies for
    it and has the spare capacity for one slot of it."""
    busy = set(serving) | {partner_id}
    excluded = set(plan.rules.exclude)
    for offer in network.qualified(role):
        pid = offer.partner_id
        if (pid in spare and pid not in busy and pid not in excluded
                and spare[pid] + EPS >= role.load * offer.effort):
            return True
    return False


def single_points_of_failure(network: Network, plan: Plan, graph: nx.DiGraph,
                             touchpoint_id: str, spare: dict[str, float]) -> list[str]:
    """Partners whose loss leaves a critical role of the touchpoint with an unfilled slot that no
    qualified, selected partner not already on that role can take over within its capacity."""
    weak = set()
    for role in network.roles_of(touchpoint_id):
        if not role.critical:
            continue
        serving = partners_of_role(graph, role.role_id)
        for pid in serving:
            if not can_take_over(network, plan, role, pid, serving, spare):
                weak.add(pid)
    return sorted(weak)


def expected_filled(network: Network, graph: nx.DiGraph, touchpoint_id: str) -> float:
    """Expected number of the touchpoint's slots delivered when each assigned partner delivers
    with probability ``reliability``. Exact by linearity of expectation: each filled slot counts
    its partner's reliability, whether or not partners fail together."""
    return sum(network.reliability_of(pid, role)
               for role in network.roles_of(touchpoint_id)
               for pid in partners_of_role(graph, role.role_id))


class Shares:
    """Filled and expected shares of the slots ``required`` (``filled``, ``expected``)."""

    required: int
    filled: int
    expected: float

    @property
    def filled_share(self) -> float | None:
        """Share of required slots filled; ``None`` where nothing is required."""
        return self.filled / self.required if self.required else None

    @property
    def expected_share(self) -> float | None:
        return self.expected / self.required if self.required else None


@dataclass(frozen=True)
class TouchpointCoverage(Shares):
    touchpoint_id: str
    name: str
    kind: str
    stage: str
    moment_of_truth: bool
    importance: float
    required: int  # slots of every role on the touchpoint
    filled: int
    critical_required: int
    critical_filled: int
    expected: float  # expected number of slots delivered
    partners: tuple[str, ...]
    single_points_of_failure: tuple[str, ...]



def touchpoint_coverage(network: Network, plan: Plan, graph: nx.DiGraph | None = None
                        ) -> list[TouchpointCoverage]:
    """Coverage of every touchpoint, in the network's order."""
    graph = graph if graph is not None else coverage_graph(network, plan)
    spare = spare_capacity(network, plan)
    rows = []
    for tp in network.touchpoints:
        roles = network.roles_of(tp.touchpoint_id)
        filled = {r.role_id: len(partners_of_role(graph, r.role_id)) for r in roles}
        rows.append(TouchpointCoverage(
            touchpoint_id=tp.touchpoint_id, name=tp.name, kind=tp.kind, stage=tp.stage,
            moment_of_truth=tp.moment_of_truth, importance=tp.importance,
            required=sum(r.slots for r in roles),
            filled=sum(filled.values()),
            critical_required=sum(r.slots for r in roles if r.critical),
            critical_filled=sum(filled[r.role_id] for r in roles if r.critical),
            expected=expected_filled(network, graph, tp.touchpoint_id),
            partners=tuple(partners_of_touchpoint(graph, tp.touchpoint_id)),
            single_points_of_failure=tuple(
                single_points_of_failure(network, plan, graph, tp.touchpoint_id, spare)),
        ))
    return rows


def weighted_share(rows: Iterable[TouchpointCoverage], expected: bool = False) -> float | None:
    """Importance-weighted share of required slots filled (or expected to be delivered) over
    ``rows``; ``None`` when they require nothing.

    >>> row = TouchpointCoverage("T1", "", "acquisition", "front", False, 2.0, 4, 3, 4, 3, 2.4,
    ...                          (), ())
    >>> weighted_share([row]), weighted_share([row], expected=True)
    (0.75, 0.6)
    """
    rows = list(rows)
    required = sum(r.importance * r.required for r in rows)
    if not required:
        return None
    got = sum(r.importance * (r.expected if expected else r.filled) for r in rows)
    return got / required


def coverage_by_group(rows: list[TouchpointCoverage]) -> dict[str, dict[str, float | None]]:
    """Filled and expected shares (importance-weighted) for all touchpoints, by stage (front /
    back), by kind (acquisition / utilization) and for the moments of truth."""
    groups = {
        "all": rows,
        "front": [r for r in rows if r.stage == "front"],
        "back": [r for r in rows if r.stage == "back"],
        "acquisition": [r for r in rows if r.kind == "acquisition"],
        "utilization": [r for r in rows if r.kind == "utilization"],
        "moments_of_truth": [r for r in rows if r.moment_of_truth],
    }
    return {name: {"filled_share": weighted_share(group),
                   "expected_share": weighted_share(group, expected=True)}
            for name, group in groups.items()}


@dataclass(frozen=True)
class SiteCoverage(Shares):
    """What a plan puts in place at one site: its sited roles' slots (network-wide roles
    belong to no site), who fills them, what they cost, and who it hangs on."""

    site_id: str
    name: str
    region: str
    required: int
    filled: int
    critical_open: int
    expected: float  # expected number of its slots delivered
    partners: tuple[str, ...]
    single_points_of_failure: tuple[str, ...]
    cost: float  # the slots' cost there (fixed costs are the network's, not a site's)


def site_coverage(network: Network, plan: Plan, graph: nx.DiGraph | None = None
                  ) -> list[SiteCoverage]:
    """Coverage of every site, in the sites sheet's order (none without sites). A single
    point of failure at a site: a partner whose loss leaves a critical role there with a slot
    no selected partner serving the site can take over."""
    graph = graph if graph is not None else coverage_graph(network, plan)
    spare = spare_capacity(network, plan)
    cost: dict[str, float] = {}
    for a in plan.assignments:
        cost[a.role_id] = cost.get(a.role_id, 0.0) + a.cost
    rows = []
    for site in network.sites:
        roles = [r for r in network.roles if r.site_id == site.site_id]
        serving = {r.role_id: partners_of_role(graph, r.role_id) for r in roles}
        weak = {pid for r in roles if r.critical for pid in serving[r.role_id]
                if not can_take_over(network, plan, r, pid, serving[r.role_id], spare)}
        rows.append(SiteCoverage(
            site.site_id, site.name, site.region, sum(r.slots for r in roles),
            sum(len(v) for v in serving.values()),
            sum(r.slots - len(serving[r.role_id]) for r in roles if r.critical),
            sum(network.reliability_of(pid, r) for r in roles for pid in serving[r.role_id]),
            tuple(sorted({pid for v in serving.values() for pid in v})), tuple(sorted(weak)),
            sum(cost.get(r.role_id, 0.0) for r in roles)))
    return rows
