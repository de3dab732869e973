"""Plans, scores, comparisons and stress tests as plain data, for ``--json`` and for other
programs."""

from __future__ import annotations

from orchestra.domain import Network, Plan
from orchestra.procurement import DOMINANCE_RULE, Comparison, Impact, SetResult
from orchestra.score import Scores
from orchestra.score.baseline import Baseline, payback


def plan_to_dict(network: Network, plan: Plan, scores: Scores | None = None,
                 today: Baseline | None = None) -> dict:
    """A plan as plain data; a role is its roles-sheet id and its site (``Network.ref``)."""
    data = {
        "status": plan.status,
        "stopped_by": plan.stopped_by,
        "objective": plan.objective,
        "bound": plan.bound,
        "bound_source": plan.bound_source,
        "gap": plan.gap,
        "wall_time_s": round(plan.wall_time_s, 3),
        "total_cost": plan.total_cost,
        "terms": dict(plan.terms),
        "selected": list(plan.selected),
        "assignments": [
            {**network.ref(a.role_id), "slot": a.slot, "partner_id": a.partner_id,
             "cost": a.cost,
             "capacity_used": a.capacity_used, "locked": a.locked,
             "bid_id": a.bid_id or None, "min_slots": a.min_slots}
            for a in plan.assignments
        ],
        "shortfalls": [
            {**network.ref(s.role_id), "slot": s.slot or None, "touchpoint_id": s.touchpoint_id,
             "critical": s.critical, "reason_code": s.reason_code, "reason": s.reason}
            for s in plan.shortfalls
        ],
        "profile": plan.profile.name,
        "rules": {
            "weights": {k: getattr(plan.profile, k) for k in (
                "cost_weight", "fill_weight", "moment_of_truth_factor", "reliability_weight",
                "cohesion_weight", "standard_shortfall_weight")},
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
    if scores is not None:
        data["scores"] = scores_to_dict(network, scores)
    if today is not None:
        data.update(baseline_to_dict(network, today))
    if network.locks:
        data["locks"] = [{**network.ref(lk.role_id), "partner_id": lk.partner_id}
                         for lk in network.locks]
    return data


def baseline_to_dict(network: Network, today: Baseline) -> dict:
    """The plan against today's network: the keys a plan's JSON gains with a current sheet."""
    group = today.scores.by_group["all"]
    changed = today.changes
    return {
        "baseline": {
            "total_cost": today.plan.total_cost,
            "filled_share": _number(group["filled_share"]),
            "expected_share": _number(group["expected_share"]),
            "cohesion_index": _number(today.scores.cohesion.index),
            "critical_shortfalls": len(today.plan.critical_shortfalls),
        },
        "transition_cost": today.transition_cost,
        "savings": today.savings,
        "payback_periods": _number(today.payback_periods),
        "changes": {
            "kept": [{**network.ref(r), "partner_id": p} for r, p in changed.kept],
            "replaced": [{**network.ref(r), "from_partner_id": a, "to_partner_id": b,
                          **_effective(today, r, a)} for r, a, b in changed.replaced],
            "ended": [{**network.ref(r), "partner_id": p, **_effective(today, r, p)}
                      for r, p in changed.ended],
            "new": [{**network.ref(r), "partner_id": p, **_starts(today, r, p)}
                    for r, p in changed.new],
            "new_partners": list(changed.new_partners),
            "dropped_partners": list(changed.dropped_partners),
        },
        **_timeline(today),
    }


def _effective(today: Baseline, role_id: str, partner_id: str) -> dict:
    """When a change takes effect (a contract calendar): the date, whether the contract is
    ended early for its fee, its one-off costs."""
    phased = today.schedule
    if phased is None:
        return {}
    h = phased.handover(role_id, partner_id)
    return {"effective": phased.effective(h).isoformat(),
            "effective_period": h.effective, "ended_early": h.early,
            "termination_fee": h.fee, "exit_cost": h.exit_cost}


def _starts(today: Baseline, role_id: str, partner_id: str) -> dict:
    """When a new pair on a slot nobody held starts (a contract calendar): at once."""
    phased = today.schedule
    if phased is None:
        return {}
    period = phased.starts.get((role_id, partner_id), 1)
    return {"effective": phased.calendar.begins(period).isoformat(), "effective_period": period}


def _timeline(today: Baseline) -> dict:
    """The horizon period by period and the payback from that cash flow (a calendar)."""
    if not today.periods:
        return {}
    found = payback(today.periods)
    return {
        "plan_start": today.schedule.calendar.start.isoformat(),
        "timeline": [{"period": p.period, "start": p.start.isoformat(),
                      "recurring_cost": _number(p.recurring_cost),
                      "baseline_cost": _number(p.baseline_cost),
                      "one_off_cost": _number(p.one_off_cost),
                      "cumulative_savings": _number(p.cumulative_savings)}
                     for p in today.periods],
        "one_off_after_horizon": _number(today.after_horizon),
        "payback_period": found.period if found else None,
        "payback_date": today.payback_date.isoformat() if found else None,
    }


def _number(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else round(value, digits)


def scores_to_dict(network: Network, scores: Scores) -> dict:
    c = scores.cohesion
    return {
        "cohesion": {
            "index": _number(c.index), "team_size": c.team_size, "ties": c.ties,
            "density": _number(c.density), "components": c.components,
            "largest_share": _number(c.largest_share), "connected": not c.split,
            "isolated": list(c.isolated), "brokers": list(c.brokers),
            "friction_pairs": [{"partner_a": a, "partner_b": b, "strength": s}
                               for a, b, s in c.friction_pairs],
            # None (JSON null) when the team is split: the distance is infinite.
            "diameter": _number(c.diameter), "spanning_tree": _number(c.spanning_tree),
            "tie_strength": _number(c.tie_strength), "friction_share": _number(c.friction_share),
        },
        "coverage": [
            {"touchpoint_id": r.touchpoint_id, "kind": r.kind, "stage": r.stage,
             "moment_of_truth": r.moment_of_truth, "importance": r.importance,
             "required": r.required, "filled": r.filled, "filled_share": _number(r.filled_share),
             "expected_share": _number(r.expected_share), "partners": list(r.partners),
             "single_points_of_failure": list(r.single_points_of_failure)}
            for r in scores.coverage
        ],
        "coverage_by_group": {name: {k: _number(v) for k, v in shares.items()}
                              for name, shares in scores.by_group.items()},
        "standards": [
            {"touchpoint_id": o.touchpoint_id, "metric": o.metric, "site_id": o.site_id or None,
             "target": o.target,
             "roles": list(dict.fromkeys(network.role[r].base_id for r in o.roles)),
             "achieved": o.achieved, "met": o.met,
             "missed_by": o.missed_by, "open_slots": o.open_slots, "enforced": o.enforced,
             "unmeetable": o.unmeetable or None}
            for o in scores.standards
        ],
        "gaps": [
            {"touchpoint_id": g.touchpoint_id, "gap": g.gap, "subject": g.subject,
             "value": _number(g.value, 9), "reference": g.reference, "severity": g.severity,
             "note": g.note}
            for g in scores.gaps
        ],
    }


def comparison_record(r: SetResult) -> dict:
    """One row of any side-by-side table as JSON: the record every table shares. An infeasible
    row says why, its figures null."""
    if r.infeasible:
        return {"set_id": r.set_id, "status": "infeasible", "infeasible": r.infeasible,
                "critical_shortfalls": None, "standards_met": None, "standards_total": None,
                "standards_missed": None, "total_cost": None, "transition_cost": None,
                "horizon_cost": None, "contracts_changed": None, "filled_share": None,
                "expected_share": None, "cohesion": None, "single_points_of_failure": None,
                "major_gaps": None, "objective": None, "selected": [], "dominated_by": [],
                "closing": None}
    return {"set_id": r.set_id, "status": r.plan.status, "infeasible": None,
            "critical_shortfalls": r.critical_shortfalls, "standards_met": r.standards_met,
            "standards_total": len(r.scores.standards),
            "standards_missed": list(r.standards_missed), "total_cost": r.total_cost,
            "transition_cost": r.transition_cost, "horizon_cost": r.horizon_cost,
            "contracts_changed": r.contracts_changed, "filled_share": r.filled_share,
            "expected_share": r.expected_share, "cohesion": r.cohesion,
            "single_points_of_failure": len(r.scores.single_points_of_failure),
            "major_gaps": r.gap_counts()["major"], "objective": r.plan.objective,
            "selected": list(r.plan.selected), "dominated_by": list(r.dominated_by),
            "closing": None if r.closing is None else {
                "added": list(r.closing.added), "extra_cost": r.closing.extra_cost,
                "closed": r.closing.closed,
                "still_open": [s.role_id for s in r.closing.still_open]}}


def _record_fields(record: SetResult | None) -> dict:
    """The comparison record's figures for a frontier point or a stress re-plan."""
    if record is None:
        return {}
    fields = comparison_record(record)
    return {k: fields[k] for k in ("standards_met", "standards_total", "standards_missed",
                                   "transition_cost", "horizon_cost", "contracts_changed",
                                   "cohesion", "single_points_of_failure", "major_gaps")}


def comparison_to_dict(comparison: Comparison) -> dict:
    return {"profile": comparison.profile.name, "dominance_rule": DOMINANCE_RULE,
            "sets": [comparison_record(r) for r in comparison.rows]}


def stress_to_dict(network: Network, base: Plan, impacts: list[Impact]) -> dict:
    return {"base_total_cost": base.total_cost, "base_status": base.stopped_by, "drops": [
        {"dropped": list(i.dropped), "status": "infeasible", "infeasible": i.infeasible}
        if i.infeasible else
        {**_record_fields(i.record), "dropped": list(i.dropped), "infeasible": None,
         "critical_unfilled": i.critical_unfilled, "standards_lost": list(i.standards_lost),
         "cost_increase": None if i.critical_unfilled else i.cost_increase,
         "objective_change": i.objective_change, "over_budget": i.over_budget,
         "total_cost": i.plan.total_cost,
         "roles_unfilled": [network.ref(r) for r in i.unfilled],
         "sites_losing": _sites_losing(network, i),
         "lost_coverage": [{"touchpoint_id": t, "filled_share_lost": share}
                           for t, share in i.lost_coverage], "status": i.plan.status,
         "taken_over_by": [{**network.ref(r), "partner_id": p} for r, p in i.takeover]}
        for i in impacts]}


def _sites_losing(network: Network, impact: Impact) -> list[dict]:
    """Per site, the roles a drop leaves open there (none without sites)."""
    lost: dict[str, list[str]] = {}
    for rid in impact.unfilled:
        role = network.role.get(rid)
        if role is not None and role.site_id:
            lost.setdefault(role.site_id, []).append(role.base_id)
    return [{"site_id": s.site_id, "roles_unfilled": lost[s.site_id]} for s in network.sites
            if s.site_id in lost]


def alternatives_to_dict(network: Network, found: list[tuple[object, SetResult]]
                         ) -> list[dict]:
    """``alternatives``: each alternative's plan (with ``rank``, ``added``, ``removed``) and its
    comparison record (standards met and missed, cost with the transition, dominated by...),
    from (Alternative, its row of the side-by-side table) pairs."""
    out = []
    for alt, row in found:
        p = alt.plan
        out.append({
            **comparison_record(row),
            "rank": alt.rank, "bound": p.bound, "gap": p.gap,
            "assignments": [{**network.ref(a.role_id), "slot": a.slot,
                             "partner_id": a.partner_id, "cost": a.cost} for a in p.assignments],
            "shortfalls": [{**network.ref(s.role_id), "critical": s.critical,
                            "reason_code": s.reason_code} for s in p.shortfalls],
            "added": list(alt.added), "removed": list(alt.removed),
        })
    return out


def frontier_to_dict(vary: str, points: list) -> dict:
    """``points`` of a frontier, ascending in the varied limit."""
    key = "budget" if vary == "budget" else vary
    return {"vary": vary, "points": [
        {key: p.value, "status": "infeasible", "infeasible": p.infeasible}
        if p.infeasible else
        {**_record_fields(p.record), key: p.value, "status": p.plan.status, "infeasible": None,
         "critical_open": p.critical_open, "standards_met": p.standards_met,
         "standards_total": p.standards_total, "gap": p.plan.gap,
         "total_cost": p.plan.total_cost, "filled_share": p.filled_share,
         "expected_share": p.expected_share, "cohesion_index": p.cohesion_index,
         "objective": p.objective, "selected": list(p.plan.selected),
         "added": list(p.added), "removed": list(p.removed), "kept_from": p.kept_from}
        for p in points]}


def award_to_dict(network: Network, result) -> dict:
    """A sourcing round's award (``sourcing.award``): per lot and per returned bid."""
    return {
        "lots": [{"lot": a.lot.lot_id, "name": a.lot.name,
                  "roles": [network.ref(r) for r in a.lot.roles],
                  "winners": list(a.winners), "price": _number(a.price),
                  "open_slots": a.open_slots,
                  "whole_lot_bids": [{"partner_id": b.partner_id, "price": _number(b.price)}
                                     for b in a.bids],
                  "runner_up": a.runner_up.partner_id if a.runner_up else None,
                  "runner_up_price": _number(a.runner_up.price) if a.runner_up else None,
                  "today": list(a.today), "today_price": _number(a.today_price),
                  "savings": _number(a.savings)} for a in result.lots],
        "bidders": [{"partner_id": b.partner_id, "lots_won": list(b.lots_won),
                     "slot_cost": _number(b.slot_cost), "fixed_cost": _number(b.fixed_cost),
                     "total": _number(b.total)} for b in result.bidders],
        "not_returned": list(result.not_returned),
    }


def feedback_to_dict(network: Network, result) -> dict:
    """What one bidder is told (``sourcing.feedback``)."""
    return {"partner_id": result.partner_id, "lots": [
        {"lot": lot.lot_id, "name": lot.name, "price": _number(lot.price), "rank": lot.rank,
         "whole_lot_bids": lot.whole_lot_bids, "won": lot.won,
         "price_to_win": _number(lot.price_to_win), "below_your_bid": _number(lot.cut),
         "why": lot.note,
         "roles": [{**network.ref(r.role_id), "unit_cost": _number(r.unit_cost),
                    "qualifies": r.qualifies, "won": r.won} for r in lot.roles]}
        for lot in result.lots]}


def memo_to_dict(memo) -> dict:
    """The memo (``orchestra.memo``) as the JSON's ``memo``."""
    return {"recommendation": list(memo.recommendation),
            "lights": [{"label": x.label, "value": x.value, "status": x.status, "rule": x.rule}
                       for x in memo.lights],
            "risks": [{"kind": r.kind, "text": r.text} for r in memo.risks],
            "decisions": list(memo.decisions), "money": memo.currency}
