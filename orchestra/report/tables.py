"""The report's tables as data: the workbook writes them, ``orchestra.tables`` hands them to
pandas, so a notebook and the workbook can never disagree.

Money columns carry the policy's currency and period in their names when the input states them
(``total_cost (EUR per month)``); names sit beside ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from orchestra.domain import Network, Plan
from orchestra.report.xlsx import MONEY, SHARE, UNITS
from orchestra.score import Scores
from orchestra.score.baseline import Baseline
from orchestra.score.cost import cost_by_partner, cost_by_touchpoint

HOURS = '0.0" h"'
DATE = "yyyy-mm-dd"


@dataclass(frozen=True)
class Table:
    name: str
    header: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]
    formats: Mapping[str, str] = field(default_factory=dict)  # number format by column

    def to_frame(self):
        """The table as a pandas DataFrame (columns as in the workbook)."""
        import pandas as pd

        return pd.DataFrame(list(self.rows), columns=list(self.header))


def money(network: Network, name: str, recurring: bool = True) -> str:
    """A money column's name with the input's currency (and period, for recurring figures)."""
    policy = network.policy
    unit = policy.money_unit if recurring else (policy.currency or "")
    return f"{name} ({unit})" if unit else name


def _step(network: Network) -> dict[str, int]:
    """Each touchpoint's place in the journey (the order of every per-touchpoint table)."""
    return {t.touchpoint_id: k for k, t in enumerate(network.journey)}


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def team_table(network: Network, plan: Plan, scores: Scores) -> Table:
    spofs = scores.failure_points()
    rows = []
    for pid in plan.selected:
        p = network.partner[pid]
        mine = [a for a in plan.assignments if a.partner_id == pid]
        slot_cost = sum(a.cost for a in mine)
        used = sum(a.capacity_used for a in mine)
        rows.append((pid, p.name, p.kind, p.region, len({a.role_id for a in mine}), len(mine),
                     p.fixed_cost, slot_cost, p.fixed_cost + slot_cost, p.capacity, used,
                     used / p.capacity if p.capacity else None, p.reliability, p.response_hours,
                     scores.ties.get(pid, 0), spofs.get(pid, 0), scores.parts.get(pid, "")))
    fixed, slot, total = (money(network, n) for n in ("fixed_cost", "slot_cost", "total_cost"))
    return Table("team", ("partner_id", "partner", "kind", "region", "roles", "slots", fixed,
                          slot, total, "capacity", "capacity_used", "capacity_share",
                          "reliability", "response_hours", "ties_in_team",
                          "single_points_of_failure", "part_in_team"), tuple(rows),
                 {fixed: MONEY, slot: MONEY, total: MONEY, "capacity": UNITS,
                  "capacity_used": UNITS, "capacity_share": SHARE, "reliability": SHARE,
                  "response_hours": HOURS})


def site_cells(network: Network, role_id: str) -> tuple[object, ...]:
    """A role's site columns, on a network of sites: its site_id and the site's name."""
    if not network.sites:
        return ()
    site = network.role[role_id].site_id if role_id else ""
    return (site or None, network.site[site].name if site else None)


def site_header(network: Network) -> tuple[str, ...]:
    return ("site_id", "site") if network.sites else ()


def assignments_table(network: Network, plan: Plan) -> Table:
    """One row per slot, filled or open; ``locked`` is the column users set to re-plan. Where
    offers have alternate bids or volume tiers, each slot names the bid and the tier that
    price it. On a network of sites a role is its roles-sheet id and its site."""
    filled = {(a.role_id, a.slot): a for a in plan.assignments}
    bids = network.priced_in_bids
    rows = []
    for role in network.roles:
        tp = network.touchpoint[role.touchpoint_id]
        head = (role.base_id, role.name, *site_cells(network, role.role_id), tp.touchpoint_id,
                tp.name)
        for slot in range(1, role.slots + 1):
            a = filled.get((role.role_id, slot))
            if a is None:
                rows.append((*head, slot, None, "(open)", None, None, None,
                             *((None, None) if bids else ()), _yes(role.critical), "no"))
                continue
            offer = network.offer(a.partner_id, role)
            priced = (a.bid_id or None, a.min_slots if a.min_slots > 1 else None)
            rows.append((*head, slot, a.partner_id, network.partner[a.partner_id].name,
                         offer.level, a.cost, a.capacity_used, *(priced if bids else ()),
                         _yes(role.critical), _yes(a.locked)))
    cost = money(network, "cost")
    return Table("assignments", ("role_id", "role", *site_header(network), "touchpoint_id",
                                 "touchpoint", "slot", "partner_id", "partner", "level", cost,
                                 "capacity_used", *(("bid_id", "tier_min_slots") if bids else ()),
                                 "critical", "locked"), tuple(rows),
                 {cost: MONEY, "capacity_used": UNITS})


def sites_table(network: Network, scores: Scores) -> Table:
    """Per site: its slots filled, expected delivered, partners, single points of failure and
    the cost of its slots (network-wide roles and fixed costs belong to no site)."""
    rows = tuple((s.site_id, s.name, s.region, s.required, s.filled, s.filled_share,
                  s.expected_share, s.critical_open, len(s.partners), ", ".join(s.partners),
                  ", ".join(network.who(p) for p in s.single_points_of_failure), s.cost)
                 for s in scores.sites)
    cost = money(network, "slot_cost")
    return Table("sites", ("site_id", "site", "region", "slots", "filled", "filled_share",
                           "expected_share", "critical_open", "partners", "partner_ids",
                           "single_points_of_failure", cost), rows,
                 {"filled_share": SHARE, "expected_share": SHARE, cost: MONEY})


def coverage_table(network: Network, scores: Scores, plan: Plan | None = None) -> Table:
    """Per touchpoint; on a network of sites, with the sites where it has a slot open."""
    open_at: dict[str, list[str]] = {}
    if network.sites and plan is not None:
        for s in plan.shortfalls:
            site = network.role[s.role_id].site_id if s.role_id else ""
            if site and site not in open_at.setdefault(s.touchpoint_id, []):
                open_at[s.touchpoint_id].append(site)
    extra = ("sites_with_open_slots",) if network.sites else ()
    rows = tuple((r.touchpoint_id, r.name, r.kind, r.stage, _yes(r.moment_of_truth),
                  r.importance, r.required, r.filled, r.filled_share, r.expected_share,
                  len(r.partners), ", ".join(r.partners),
                  ", ".join(network.who(p) for p in r.single_points_of_failure),
                  *((", ".join(open_at.get(r.touchpoint_id, ())) or None,) if extra else ()))
                 for r in sorted(scores.coverage, key=lambda r: _step(network)[r.touchpoint_id]))
    return Table("coverage", ("touchpoint_id", "touchpoint", "kind", "stage", "moment_of_truth",
                              "importance", "required", "filled", "filled_share",
                              "expected_share", "partners", "partner_ids",
                              "single_points_of_failure", *extra), rows,
                 {"filled_share": SHARE, "expected_share": SHARE})


def gaps_table(network: Network, scores: Scores) -> Table:
    # A gap on a standard the plan was made to keep is marked: the plan closes it where it can.
    enforced = {(o.touchpoint_id, o.subject) for o in scores.standards if o.enforced}
    # The standard's own outcome beside its gaps: met, and by how much it is missed.
    outcome = {(o.touchpoint_id, o.subject): o for o in scores.standards}

    def judged(g) -> tuple:
        o = outcome.get((g.touchpoint_id, g.subject))
        if o is None or o.met is None:
            return None, None
        return _yes(o.met), o.missed_by

    rows = tuple((g.touchpoint_id, network.touchpoint[g.touchpoint_id].name, g.gap, g.subject,
                  g.value, g.reference, g.severity, g.note,
                  _yes((g.touchpoint_id, g.subject) in enforced), *judged(g))
                 for g in sorted(scores.gaps, key=lambda g: _step(network)[g.touchpoint_id]))
    return Table("gaps", ("touchpoint_id", "touchpoint", "gap", "subject", "value", "reference",
                          "severity", "note", "standard_enforced", "standard_met", "missed_by"),
                 rows)


def shortfalls_table(network: Network, plan: Plan) -> Table:
    rows = tuple((network.ref(s.role_id)["role_id"],
                  network.role[s.role_id].name if s.role_id else None,
                  *site_cells(network, s.role_id), s.slot or None, s.touchpoint_id,
                  network.touchpoint[s.touchpoint_id].name, _yes(s.critical), s.reason_code,
                  s.reason) for s in plan.shortfalls)
    return Table("shortfalls", ("role_id", "role", *site_header(network), "slot",
                                "touchpoint_id", "touchpoint", "critical", "reason_code",
                                "reason"), rows)


def changes_table(network: Network, today: Baseline) -> Table:
    """Role by role, today's partner against the planned one."""
    changed = today.changes
    kinds = ([(r, p, p, "kept") for r, p in changed.kept]
             + [(r, a, b, "replaced") for r, a, b in changed.replaced]
             + [(r, p, None, "ended") for r, p in changed.ended]
             + [(r, None, p, "new") for r, p in changed.new])
    order = {role.role_id: k for k, role in enumerate(network.roles)}
    phased = today.schedule
    rows = []
    for role_id, was, now, change in sorted(kinds, key=lambda t: (order[t[0]], t[3])):
        role = network.role[role_id]
        h = phased.handover(role_id, was) if phased and change in ("replaced", "ended") \
            else None
        when = () if phased is None else (
            (phased.effective(h), "ended early" if h.early else
             "runs out" if h.paid else "at once", h.fee, h.exit_cost) if h else
            (phased.calendar.begins(phased.starts.get((role_id, now), 1)) if now and was is None
             else None, None, None, None))
        rows.append((role.base_id, role.name, *site_cells(network, role_id), role.touchpoint_id,
                     was, network.partner[was].name if was else None, now,
                     network.partner[now].name if now else None, change, *when))
    once = money(network, "termination_fee", recurring=False)
    exits = money(network, "exit_cost", recurring=False)
    return Table("changes", ("role_id", "role", *site_header(network), "touchpoint_id",
                             "today_partner_id", "today", "planned_partner_id", "planned",
                             "change", *(("effective", "how", once, exits) if phased else ())),
                 tuple(rows), {once: MONEY, exits: MONEY, "effective": DATE} if phased else {})


def timeline_table(network: Network, today: Baseline) -> Table:
    """The horizon period by period (a contract calendar): the plan's recurring cost as it
    phases in, today's, the one-off costs of the period and the cumulative savings."""
    names = tuple(money(network, n, recurring=n not in ("one_off_cost", "cumulative_savings"))
                  for n in ("recurring_cost", "baseline_cost", "one_off_cost",
                            "cumulative_savings"))
    rows = tuple((p.period, p.start, p.recurring_cost, p.baseline_cost, p.one_off_cost,
                  p.cumulative_savings) for p in today.periods)
    return Table("timeline", ("period", "start", *names), rows,
                 {"start": DATE, **dict.fromkeys(names, MONEY)})


def partner_moves_table(network: Network, today: Baseline) -> Table:
    """The partners who leave (in-house ones flagged) and join, with their one-off costs."""
    changed = today.changes
    rows = tuple(
        (p, network.partner[p].name, network.partner[p].kind,
         _yes(network.partner[p].kind == "internal"), move,
         network.partner[p].exit_cost if move == "leaves" else network.partner[p].onboarding_cost)
        for move, pids in (("leaves", changed.dropped_partners),
                           ("joins", changed.new_partners)) for p in pids)
    once = money(network, "one_off_cost", recurring=False)
    return Table("partner_moves", ("partner_id", "name", "kind", "in_house", "move", once), rows,
                 {once: MONEY})


def _cost_rows(lines) -> tuple[tuple[object, ...], ...]:
    out = [(c.key, c.name, c.slot_cost, c.fixed_cost, c.total) for c in lines]
    return tuple(out + [("total", "", sum(c.slot_cost for c in lines),
                         sum(c.fixed_cost for c in lines), sum(c.total for c in lines))])


def cost_tables(network: Network, plan: Plan) -> tuple[Table, Table]:
    """The cost that reconciles: by touchpoint (each partner's fixed cost shared over its slots
    by load) and by partner, each with a total row equal to the plan's total cost."""
    names = tuple(money(network, n) for n in ("slot_cost", "fixed_cost_share", "total_cost"))
    formats = dict.fromkeys(names, MONEY)
    return (Table("cost_by_touchpoint", ("touchpoint_id", "name", *names),
                  _cost_rows(cost_by_touchpoint(network, plan)), formats),
            Table("cost_by_partner", ("partner_id", "name", *names),
                  _cost_rows(cost_by_partner(network, plan)), formats))


def report_tables(network: Network, plan: Plan, scores: Scores,
                  today: Baseline | None = None) -> dict[str, Table]:
    """Every table of the report, by name: team, assignments, coverage, gaps, shortfalls, the
    two cost tables, on a network of sites sites, and with a today's network changes and
    partner_moves."""
    tables = [team_table(network, plan, scores), assignments_table(network, plan),
              coverage_table(network, scores, plan), gaps_table(network, scores),
              shortfalls_table(network, plan), *cost_tables(network, plan)]
    if network.sites:
        tables.append(sites_table(network, scores))
    if today is not None:
        tables += [changes_table(network, today), partner_moves_table(network, today)]
        if today.periods:
            tables.append(timeline_table(network, today))
    return {t.name: t for t in tables}


def tables(network: Network, plan: Plan, scores: Scores, today: Baseline | None = None
           ) -> dict:
    """The report's tables as pandas DataFrames, by name (see ``report_tables``).

    >>> import orchestra, orchestra.score
    >>> net = orchestra.load_workbook("inputs/bank.xlsx")
    >>> result = orchestra.plan(net, orchestra.load_profile("lowest_cost"),
    ...                         orchestra.SolveSettings(time_limit_s=10))
    >>> frames = orchestra.tables(net, result, orchestra.score.score(net, result))
    >>> round(frames["cost_by_touchpoint"].iloc[-1, -1]) == round(result.total_cost)  # total
    True
    """
    return {name: t.to_frame() for name, t in report_tables(network, plan, scores,
                                                               today).items()}


# --- the other results, as DataFrames ------------------------------------------------------------


def comparison_frame(comparison):
    """A comparison (sets, profiles or alternatives) as a DataFrame: one row per metric, one
    column per set, as in the workbook's comparison sheet."""
    import pandas as pd

    from orchestra.report.comparison import comparison_table

    header, rows = comparison_table(comparison)
    return pd.DataFrame(rows, columns=header).set_index("metric")


def stress_frame(network: Network, impacts):
    """Drop-outs, worst first, as in the stress workbook."""
    import pandas as pd

    from orchestra.report.comparison import STRESS_HEADER, stress_rows

    return pd.DataFrame(stress_rows(network, impacts), columns=list(STRESS_HEADER))


def frontier_frame(network: Network, vary: str, points):
    """A frontier's points, as in the frontier workbook."""
    import pandas as pd

    from orchestra.report.comparison import frontier_header, frontier_rows

    return pd.DataFrame(frontier_rows(network, vary, points), columns=frontier_header(vary))


def explanation_frames(network: Network, explanations) -> dict:
    """Explanations as DataFrames by name (assignments, candidates, rules, terms), as in the
    explanations workbook."""
    import pandas as pd

    from orchestra.report.explain import explanation_tables

    return {name: pd.DataFrame(rows, columns=header)
            for name, header, rows, _ in explanation_tables(network, explanations)}
