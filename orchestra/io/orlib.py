"""OR-Library generalized assignment instances (Beasley), mapped onto orchestra's domain.

Agents become partners (capacity = agent capacity, no fixed cost); each job becomes a one-slot
critical role needing its own capability; agent i offers job j's capability at
``unit_cost = cost[i][j]`` and ``effort = resource[i][j]`` (load 1). The ``lowest_cost`` plan's
total cost is then exactly the minimisation-form optimum of the instance.
"""

from __future__ import annotations

from pathlib import Path

from orchestra.domain import Capability, Network, Partner, Role, Touchpoint


def read_gap_file(path: str | Path) -> list[Network]:
    """Every instance of one OR-Library ``gapN.txt`` file, as networks."""
    tokens = iter(int(t) for t in Path(path).read_text().split())
    count = next(tokens)
    networks = []
    for _ in range(count):
        agents, jobs = next(tokens), next(tokens)
        cost = [[next(tokens) for _ in range(jobs)] for _ in range(agents)]
        resource = [[next(tokens) for _ in range(jobs)] for _ in range(agents)]
        capacity = [next(tokens) for _ in range(agents)]
        networks.append(gap_network(cost, resource, capacity, source=Path(path).name))
    return networks


def gap_network(cost: list[list[int]], resource: list[list[int]], capacity: list[int],
                source: str = "") -> Network:
    """One generalized assignment instance (per agent: each job's cost and resource, and its
    capacity) as a network, mapped as the module says."""
    agents, jobs = len(cost), len(cost[0])
    partners = tuple(Partner(f"A{i + 1}", f"agent {i + 1}", "supplier", float(capacity[i]))
                     for i in range(agents))
    offers = tuple(Capability(f"A{i + 1}", f"job{j + 1}", 1, float(cost[i][j]),
                              float(resource[i][j]))
                   for i in range(agents) for j in range(jobs))
    roles = tuple(Role(f"J{j + 1}", f"job {j + 1}", "T", f"job{j + 1}") for j in range(jobs))
    return Network(partners, offers, (Touchpoint("T", "all jobs", "utilization", "back"),),
                   roles, source=source)
