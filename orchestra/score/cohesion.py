"""Cohesion of the selected team on the relationship graph: pure functions, graph first.

The team graph holds every team member as a node and every relationship between two members as
an edge with its ``strength`` (-1..1). The positive-tie graph keeps the edges with strength > 0
and gives each a ``distance`` of ``1 - strength`` (a strong tie is a short path), the
communication cost of team-formation research.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx

from orchestra.domain import Network


def team_graph(network: Network, team: Iterable[str]) -> nx.Graph:
    """The team members and the relationships between them (``strength`` on each edge).

    >>> from orchestra.domain import Relationship
    >>> net = Network((), (), (), (), relationships=(Relationship("a", "b", 0.5),
    ...                                              Relationship("a", "z", 0.9)))
    >>> sorted(team_graph(net, ["a", "b", "c"]).edges(data="strength"))
    [('a', 'b', 0.5)]
    """
    members = set(team)
    graph = nx.Graph()
    graph.add_nodes_from(sorted(members))
    for rel in network.relationships:
        if rel.partner_a in members and rel.partner_b in members and rel.strength != 0:
            graph.add_edge(rel.partner_a, rel.partner_b, strength=rel.strength)
    return graph


def positive_ties(graph: nx.Graph) -> nx.Graph:
    """Every node, and the edges of positive strength with ``distance = 1 - strength``."""
    ties = nx.Graph()
    ties.add_nodes_from(graph)
    for a, b, strength in graph.edges(data="strength"):
        if strength > 0:
            ties.add_edge(a, b, strength=strength, distance=1.0 - strength)
    return ties


def weighted_density(graph: nx.Graph) -> float:
    """Sum of positive strengths inside the team over the number of member pairs (0-1);
    1.0 for a team of one (nobody to be apart from).

    >>> g = nx.Graph([("a", "b", {"strength": 0.6}), ("b", "c", {"strength": -0.3})])
    >>> round(weighted_density(g), 3)  # 0.6 over 3 pairs
    0.2
    """
    n = graph.number_of_nodes()
    if n < 2:
        return 1.0
    total = sum(s for _, _, s in graph.edges(data="strength") if s > 0)
    return total / (n * (n - 1) / 2)


def friction_pairs(graph: nx.Graph) -> list[tuple[str, str, float]]:
    """Team pairs with negative strength, worst first."""
    pairs = [(*sorted((a, b)), s) for a, b, s in graph.edges(data="strength") if s < 0]
    return sorted(pairs, key=lambda p: (p[2], p[0], p[1]))


def isolated_members(ties: nx.Graph) -> list[str]:
    """Members with no positive tie to anyone else in the team (none in a team of one)."""
    if ties.number_of_nodes() < 2:
        return []
    return sorted(n for n in ties if ties.degree(n) == 0)


def brokers(ties: nx.Graph) -> list[str]:
    """Articulation points of the positive-tie graph: members whose departure splits the team."""
    return sorted(nx.articulation_points(ties))


def largest_share(ties: nx.Graph) -> float:
    """Share of the team in its largest positive-tie component (1.0 for an empty team)."""
    n = ties.number_of_nodes()
    if n == 0:
        return 1.0
    return max(len(c) for c in nx.connected_components(ties)) / n


def diameter(ties: nx.Graph) -> float | None:
    """Longest shortest path between two members, in ``distance``; ``None`` (infinite) when the
    team is split, 0.0 for a team of one."""
    if ties.number_of_nodes() <= 1:
        return 0.0
    if not nx.is_connected(ties):
        return None
    lengths = dict(nx.all_pairs_dijkstra_path_length(ties, weight="distance"))
    return max(max(row.values()) for row in lengths.values())


def spanning_tree_weight(ties: nx.Graph) -> float | None:
    """Weight (sum of ``distance``) of the minimum spanning tree; ``None`` (infinite) when the
    team is split."""
    if ties.number_of_nodes() > 1 and not nx.is_connected(ties):
        return None
    edges = nx.minimum_spanning_edges(ties, weight="distance", data=True)
    return sum(d["distance"] for _, _, d in edges)


def spanning_tie_strength(ties: nx.Graph) -> float:
    """Mean strength of the ties in the team's maximum spanning forest: how strong the ties are
    that hold the team together (0.0 when no member has a tie; 1.0 for a team of one)."""
    if ties.number_of_nodes() < 2:
        return 1.0
    edges = list(nx.maximum_spanning_edges(ties, weight="strength", data=True))
    return sum(d["strength"] for _, _, d in edges) / len(edges) if edges else 0.0


def friction_share(graph: nx.Graph) -> float:
    """Share of the absolute relationship strength inside the team that is friction (0 when the
    team has no relationships at all)."""
    total = sum(abs(s) for _, _, s in graph.edges(data="strength"))
    friction = sum(-s for _, _, s in graph.edges(data="strength") if s < 0)
    return friction / total if total else 0.0


def cohesion_index(graph: nx.Graph) -> float:
    """One number in 0-1: reach x tie strength x (1 - friction share).

    reach is the share of the team in its largest positive-tie group; tie strength the mean
    strength of the ties in the maximum spanning forest; friction share the share of the
    team's relationship weight that is negative. A triangle of 0.8 ties scores 0.8; a team of
    three where only one pair (0.6) knows each other scores 2/3 x 0.6 = 0.4.

    >>> g = nx.Graph([("a", "b", {"strength": 0.8}), ("b", "c", {"strength": 0.8}),
    ...               ("a", "c", {"strength": 0.8})])
    >>> round(cohesion_index(g), 6)
    0.8
    """
    ties = positive_ties(graph)
    return largest_share(ties) * spanning_tie_strength(ties) * (1.0 - friction_share(graph))


@dataclass(frozen=True)
class Cohesion:
    """The team's cohesion figures (``diameter``/``spanning_tree`` are ``None`` when split)."""

    team_size: int
    ties: int  # positive ties inside the team
    density: float
    components: int
    largest_share: float
    isolated: tuple[str, ...]
    friction_pairs: tuple[tuple[str, str, float], ...]
    brokers: tuple[str, ...]
    diameter: float | None
    spanning_tree: float | None
    tie_strength: float
    friction_share: float
    index: float

    @property
    def split(self) -> bool:
        return self.components > 1


def cohesion(network: Network, team: Iterable[str]) -> Cohesion:
    """Every cohesion figure of ``team`` on ``network``'s relationship graph."""
    graph = team_graph(network, team)
    ties = positive_ties(graph)
    return Cohesion(
        team_size=graph.number_of_nodes(),
        ties=ties.number_of_edges(),
        density=weighted_density(graph),
        components=nx.number_connected_components(ties),
        largest_share=largest_share(ties),
        isolated=tuple(isolated_members(ties)),
        friction_pairs=tuple(friction_pairs(graph)),
        brokers=tuple(brokers(ties)),
        diameter=diameter(ties),
        spanning_tree=spanning_tree_weight(ties),
        tie_strength=spanning_tie_strength(ties),
        friction_share=friction_share(graph),
        index=cohesion_index(graph),
    )
