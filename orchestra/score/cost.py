"""The plan's cost shared out so that it reconciles: each selected partner's fixed cost over
its slots by load, so that the touchpoints' totals add up to the plan's total cost."""

from __future__ import annotations

from dataclasses import dataclass

from orchestra.domain import Network, Plan

UNALLOCATED = "(no slot)"  # fixed costs of partners without a slot: standbys, kept in


@dataclass(frozen=True)
class CostLine:
    key: str  # a touchpoint id, a partner id, or UNALLOCATED
    name: str
    slot_cost: float
    fixed_cost: float  # the share of fixed costs it carries

    @property
    def total(self) -> float:
        return self.slot_cost + self.fixed_cost


def fixed_cost_shares(network: Network, plan: Plan) -> dict[tuple[str, str], float]:
    """(partner, touchpoint) -> the part of the partner's fixed cost that touchpoint carries:
    shared over the partner's slots in proportion to their load (equally when every load is
    zero); a partner without a slot carries it under ``UNALLOCATED``."""
    slots: dict[str, list[tuple[str, float]]] = {}
    for a in plan.assignments:
        role = network.role[a.role_id]
        slots.setdefault(a.partner_id, []).append((role.touchpoint_id, role.load))
    shares: dict[tuple[str, str], float] = {}
    for pid in plan.selected:
        fixed = network.partner[pid].fixed_cost
        mine = slots.get(pid)
        if not mine:
            shares[(pid, UNALLOCATED)] = fixed
            continue
        load = sum(w for _, w in mine)
        for tid, w in mine:
            part = fixed * (w / load if load > 0 else 1 / len(mine))
            shares[(pid, tid)] = shares.get((pid, tid), 0.0) + part
    return shares


def cost_by_touchpoint(network: Network, plan: Plan) -> list[CostLine]:
    """One line per touchpoint in journey order (and one for fixed costs without a slot):
    slot costs plus fixed-cost shares; the totals add up to ``plan.total_cost``."""
    slot: dict[str, float] = {}
    for a in plan.assignments:
        tid = network.role[a.role_id].touchpoint_id
        slot[tid] = slot.get(tid, 0.0) + a.cost
    fixed: dict[str, float] = {}
    for (_, tid), part in fixed_cost_shares(network, plan).items():
        fixed[tid] = fixed.get(tid, 0.0) + part
    lines = [CostLine(t.touchpoint_id, t.name, slot.get(t.touchpoint_id, 0.0),
                      fixed.get(t.touchpoint_id, 0.0)) for t in network.journey]
    if UNALLOCATED in fixed:
        lines.append(CostLine(UNALLOCATED, "partners without a slot (standby, kept in)", 0.0,
                              fixed[UNALLOCATED]))
    return lines


def cost_by_partner(network: Network, plan: Plan) -> list[CostLine]:
    """One line per selected partner: its slot costs and its fixed cost."""
    slot: dict[str, float] = {}
    for a in plan.assignments:
        slot[a.partner_id] = slot.get(a.partner_id, 0.0) + a.cost
    return [CostLine(p, network.partner[p].name, slot.get(p, 0.0),
                     network.partner[p].fixed_cost) for p in plan.selected]
