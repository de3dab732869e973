"""Each selected partner's place in the team: its part in words and its ties inside it."""

from __future__ import annotations

from orchestra.domain import Network, Plan


def team_parts(network: Network, base: Plan) -> dict[str, str]:
    """Each selected partner's part in the team, in words: the roles it serves; else why it is
    selected without one (kept in by the policy, or standing by for a critical role on a
    moment of truth it qualifies for and has the spare capacity to take)."""
    used: dict[str, float] = {}
    serves: dict[str, list[str]] = {}
    for a in base.assignments:
        used[a.partner_id] = used.get(a.partner_id, 0.0) + a.capacity_used
        serves.setdefault(a.partner_id, []).append(a.role_id)
    parts = {}
    for pid in base.selected:
        if pid in serves:
            roles = list(dict.fromkeys(serves[pid]))
            parts[pid] = f"serves {', '.join(roles)}"
            continue
        if pid in base.rules.must_include:
            parts[pid] = "kept in by the policy (must_include)"
            continue
        free = network.partner[pid].capacity - used.get(pid, 0.0)
        standby = [role.role_id for role in network.roles
                   if role.critical and network.touchpoint[role.touchpoint_id].moment_of_truth
                   and (offer := network.offer(pid, role)) is not None
                   and offer.level >= role.min_level and role.load * offer.effort <= free + 1e-9]
        parts[pid] = (f"selected to stand by for {', '.join(standby)} on a moment of truth"
                      if standby else "selected without a role")
    return parts
