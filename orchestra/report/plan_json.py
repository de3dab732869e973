"""The plan as plain data, for ``--json`` and for other programs."""

from __future__ import annotations

from orchestra.domain import Plan


def plan_to_dict(plan: Plan) -> dict:
    return {
        "status": plan.status,
        "stopped_by": plan.stopped_by,
        "objective": plan.objective,
        "bound": plan.bound,
        "gap": plan.gap,
        "wall_time_s": round(plan.wall_time_s, 3),
        "total_cost": plan.total_cost,
        "terms": dict(plan.terms),
        "selected": list(plan.selected),
        "assignments": [
            {"role_id": a.role_id, "slot": a.slot, "partner_id": a.partner_id, "cost": a.cost,
             "capacity_used": a.capacity_used, "locked": a.locked}
            for a in plan.assignments
        ],
        "shortfalls": [
            {"role_id": s.role_id or None, "slot": s.slot or None, "touchpoint_id": s.touchpoint_id,
             "critical": s.critical, "reason_code": s.reason_code, "reason": s.reason}
            for s in plan.shortfalls
        ],
        "profile": plan.profile.name,
        "rules": {
            "weights": {k: getattr(plan.profile, k) for k in (
                "cost_weight", "fill_weight", "moment_of_truth_factor", "reliability_weight",
                "cohesion_weight")},
            "fill_all_first": plan.profile.fill_all_first,
            "budget": plan.rules.budget,
            "max_partners": plan.rules.max_partners,
            "min_partners_per_touchpoint": plan.rules.min_partners_per_touchpoint,
            "must_include": list(plan.rules.must_include),
            "exclude": list(plan.rules.exclude),
            "forbid_below_strength": plan.rules.forbid_below_strength,
        },
        "settings": dict(plan.settings),
    }
