"""Terminal text: the comparison table and its story, the stress table. Pure functions from
results to lines, tested without click; the CLI only prints them."""

from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Sequence

from orchestra.domain import Network, Plan, Shortfall
from orchestra.procurement import DOMINANCE_RULE, YARDSTICK, Impact
from orchestra.report.comparison import (
    METRICS,
    frontier_moves,
    metric_value,
    stars,
    stress_rows,
)
from orchestra.score import Scores
from orchestra.score.baseline import Baseline


def _cell(value: object, fmt: str | None) -> str:
    if value is None:
        return "-"
    if fmt == "0.0%":
        return f"{value:.1%}"
    if fmt == "0.00":
        return f"{value:.2f}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


LINE = 120  # the widest terminal line orchestra prints
LABEL = 36  # the comparison's metric names


def comparison_lines(comparison) -> list[str]:
    """The side-by-side table: one column per set, the best value of each row starred. Sets
    beyond one screen's width go on further pages of columns, each under the metric names."""
    rows = comparison.rows
    width = min(max(14, *(len(r.set_id) + 2 for r in rows)), LINE - LABEL)
    per_page = max(1, (LINE - LABEL) // width)
    best = stars(comparison)
    lines: list[str] = []
    for start in range(0, len(rows), per_page):
        page = range(start, min(start + per_page, len(rows)))
        if len(rows) > per_page:
            lines += ([""] if start else []) + [
                f"sets {start + 1}-{page[-1] + 1} of {len(rows)}"]
        lines.append(f"{'':<{LABEL}}" + "".join(f"{_fit(rows[k].set_id, width - 1):>{width}}"
                                                for k in page))
        for (label, value, _, fmt, _), starred in zip(METRICS, best, strict=True):
            # A text longer than its column is cut to fit (the JSON and workbook hold it whole).
            cells = [_fit(_cell(metric_value(label, value, rows[k]), fmt), width - 1)
                     + ("*" if k in starred else " ") for k in page]
            lines.append(f"{label:<{LABEL}}" + "".join(f"{c:>{width}}" for c in cells))
    lines += textwrap.wrap(f"* best of the row. The rule: {DOMINANCE_RULE}.", 100)
    return lines


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def comparison_story(comparison, network: Network) -> list[str]:
    """What a procurement lead should take from the table, in sentences."""
    def names(ids) -> str:
        return ", ".join(f"{p} {network.partner[p].name}" for p in ids)

    sets = [r for r in comparison.rows if r.set_id != YARDSTICK]
    yardstick = comparison.row(YARDSTICK)
    lines = [f"orchestra's choice: {yardstick.total_cost:,.2f} with {len(yardstick.plan.selected)}"
             f" partners, {yardstick.filled_share:.0%} of slots filled, "
             f"{yardstick.critical_shortfalls} critical open, cohesion {yardstick.cohesion:.2f}."]
    for r in sets:
        if r.infeasible:
            lines.append(f"{r.set_id}: infeasible: {r.infeasible}.")
            continue
        said = [f"{r.set_id}: {r.total_cost:,.2f} "
                f"({r.total_cost - yardstick.total_cost:+,.2f} against orchestra's choice), "
                f"{r.filled_share:.0%} of slots filled, cohesion {r.cohesion:.2f}"]
        if r.critical_shortfalls:
            roles = sorted({s.role_id for s in r.plan.critical_shortfalls if s.role_id})
            said.append(f"{r.critical_shortfalls} critical slot(s) open ({', '.join(roles)})")
            if r.closing and r.closing.added:
                closed = r.closing.plan
                said.append(f"closing them means adding {names(r.closing.added)} for "
                            f"{r.closing.extra_cost:,.2f} more ({closed.total_cost:,.2f} in all,"
                            f" {closed.total_cost - yardstick.total_cost:+,.2f} against "
                            f"orchestra's choice, {len(closed.shortfalls)} slot(s) still open)")
            if r.closing and r.closing.still_open:
                said.append(f"{len(r.closing.still_open)} stay open even then: "
                            f"{open_causes(r.closing.still_open)}")
        if r.dominated_by:
            said.append(f"dominated by {', '.join(r.dominated_by)}")
        lines += textwrap.wrap("; ".join(said) + ".", 100, subsequent_indent="  ")
    return lines




def site_lines(network: Network, plan: Plan, scores: Scores) -> list[str]:
    """The team by site: each site's slots filled, its partners and single points of failure,
    then the network-wide roles (nothing without sites)."""
    if not network.sites:
        return []
    lines = ["sites      slots filled, partners, single points of failure:"]
    for s in scores.sites:
        weak = ", ".join(s.single_points_of_failure) or "none"
        region = f" ({s.region})" if s.region else ""
        lines.append(f"  {s.site_id} {s.name[:24]}{region}: {s.filled} of {s.required} filled; "
                     f"{', '.join(s.partners) or 'no partner'}; single points: {weak}")
    wide = [r for r in network.roles if not r.site_id]
    if wide:
        held = {a.role_id for a in plan.assignments}
        filled = sum(1 for a in plan.assignments if not network.role[a.role_id].site_id)
        team = sorted({a.partner_id for a in plan.assignments
                       if not network.role[a.role_id].site_id})
        lines.append(f"  network-wide roles: {filled} of {sum(r.slots for r in wide)} filled "
                     f"({len([r for r in wide if r.role_id in held])} of {len(wide)} roles); "
                     f"{', '.join(team) or 'no partner'}")
    return lines


def open_causes(open_slots: Sequence[Shortfall]) -> str:
    """Why slots stay open, by cause: "budget (2), no_capability (1)"."""
    causes = Counter(s.reason_code for s in open_slots)
    return ", ".join(f"{code} ({n})" for code, n in sorted(causes.items()))


def stress_lines(network: Network, base: Plan, impacts: Sequence[Impact], replan: str
                 ) -> list[str]:
    """The drop-outs, worst first: cost, critical slots lost, who takes the slots over."""
    how = ("the rest of the plan held, the dropped slots re-filled" if replan == "backfill"
           else "everything re-planned")
    lines = [f"plan: {len(base.selected)} partners, total cost {base.total_cost:,.2f} "
             f"({base.status}); each drop-out: {how}",
             f"{'rank':>4}  {'dropped':<34} {'crit. lost':>10} {'cost +':>12}  standards lost / "
             "taken over by / roles unfilled / touchpoints losing coverage"]
    # The stress workbook's rows, printed.
    for (rank, names, critical, standards, increase, _, taken, unfilled, lost,
         status, *_) in stress_rows(network, impacts):
        if critical is None:  # no re-plan keeps the rules
            lines.append(f"{rank:>4}  {names[:34]:<34} {status}")
            continue
        cost = "-" if increase is None else f"{increase:+,.2f}"
        lines.append(f"{rank:>4}  {names[:34]:<34} {critical:>10} {cost:>12}  "
                     f"{standards} / {taken} / {unfilled} / {lost}")
    better = [i for i in impacts if not i.critical_unfilled and i.objective_change is not None
              and i.objective_change < -1e-6 and not i.infeasible]
    if better and base.stopped_by != "proven optimal":
        lines.append(
            f"note: {len(better)} re-plan(s) without a partner score better on the profile's "
            f"objective (priced alike, no critical slot lost) than the plan itself, which was "
            f"not proven optimal ({base.stopped_by}); give the plan a longer --time-limit")
    return lines


def baseline_lines(network: Network, plan: Plan, scores: Scores, today: Baseline) -> list[str]:
    """The plan beside today's network: money first, then delivery, then what changes."""
    def share(value: float | None) -> str:
        return "-" if value is None else f"{value:.0%}"

    def majors(s: Scores) -> int:
        return sum(1 for g in s.gaps if g.severity == "major")

    now, was = scores.by_group["all"], today.scores.by_group["all"]
    saving = (f"saves {today.savings:,.2f} per period" if today.savings > 0
              else f"costs {-today.savings:,.2f} more per period" if today.savings < 0
              else "same recurring cost")
    if today.transition_cost == 0:
        payback = "no one-off cost"
    elif today.payback_periods is None:
        payback = ("not paid back within the horizon" if today.periods
                   else "never paid back: the plan saves nothing per period")
    elif today.periods:
        payback = (f"paid back by {today.payback_date.isoformat()} "
                   f"(period {today.payback_periods:.0f})")
    else:
        payback = f"paid back in {today.payback_periods:.1f} periods"
    rows = [
        ("recurring cost", f"{today.plan.total_cost:,.2f}", f"{plan.total_cost:,.2f}", saving),
        ("transition cost (once)", "-", f"{today.transition_cost:,.2f}", payback),
        ("slots filled", share(was["filled_share"]), share(now["filled_share"]), ""),
        ("expected delivered", share(was["expected_share"]), share(now["expected_share"]), ""),
        ("critical shortfalls", str(len(today.plan.critical_shortfalls)),
         str(len(plan.critical_shortfalls)), ""),
        ("cohesion index", f"{today.scores.cohesion.index:.2f}",
         f"{scores.cohesion.index:.2f}", ""),
        ("single points of failure", str(len(today.scores.single_points_of_failure)),
         str(len(scores.single_points_of_failure)), ""),
        ("major value gaps", str(majors(today.scores)), str(majors(scores)), ""),
    ]
    lines = ["", f"{'against today':<26} {'today':>14} {'plan':>14}  "]
    lines += [f"{label:<26} {a:>14} {b:>14}  {note}".rstrip() for label, a, b, note in rows]
    changed = today.changes
    lines.append(f"contracts  {len(changed.kept)} kept, {len(changed.replaced)} replaced, "
                 f"{len(changed.ended)} ended, {len(changed.new)} new")
    for role_id, a, b in changed.replaced:
        lines.append(f"  {network.where(role_id)}: {a} {network.partner[a].name} -> "
                     f"{b} {network.partner[b].name}{_when(today, role_id, a)}")
    for role_id, pid in changed.ended:
        lines.append(f"  {network.where(role_id)}: {pid} {network.partner[pid].name} ends, "
                     f"no one takes over{_when(today, role_id, pid)}")
    lines += timeline_lines(today)

    def names(ids: Sequence[str]) -> str:
        return ", ".join(f"{p} {network.partner[p].name}"
                         + (" (in-house)" if network.partner[p].kind == "internal" else "")
                         for p in ids) or "none"

    lines.append(f"joining    {names(changed.new_partners)}")
    lines.append(f"leaving    {names(changed.dropped_partners)}")
    return lines


def _when(today: Baseline, role_id: str, partner_id: str) -> str:
    """When a change takes effect, with a contract calendar: ", from 2027-04-01 (contract
    runs out)" or ", at once (ended early, fee 40,000.00)"."""
    phased = today.schedule
    if phased is None:
        return ""
    h = phased.handover(role_id, partner_id)
    when = phased.effective(h).isoformat()
    if h.early:
        return f", from {when} (ended early, fee {h.fee:,.2f})"
    return f", from {when}" + (" (its contract runs out)" if h.paid else " (it can end at once)")


def timeline_lines(today: Baseline) -> list[str]:
    """The horizon period by period: recurring cost against today's, one-off costs, and the
    cumulative savings (a contract calendar; nothing without one)."""
    if not today.periods:
        return []
    lines = [f"{'period':<8} {'from':<11} {'recurring':>12} {'today':>12} {'one-off':>12} "
             f"{'cumulative':>12}"]
    lines += [f"{p.period:<8} {p.start.isoformat():<11} {p.recurring_cost:>12,.2f} "
              f"{p.baseline_cost:>12,.2f} {p.one_off_cost:>12,.2f} "
              f"{p.cumulative_savings:>12,.2f}" for p in today.periods]
    if today.after_horizon:
        lines.append(f"one-off costs after the horizon: {today.after_horizon:,.2f}")
    return ["", "timeline (the plan phasing in as today's contracts end)", *lines]


def alternatives_lines(network: Network, comparison, found) -> list[str]:
    """The plan and its alternatives side by side, then who comes in and goes out in each."""
    lines = comparison_lines(comparison)
    if not found:
        return lines + ["no alternative: no other team keeps the plan's critical slots filled "
                        "within the limits given"]
    for alt in found:
        came = ", ".join(network.who(p) for p in alt.added) or "no one"
        went = ", ".join(network.who(p) for p in alt.removed) or "no one"
        p = alt.plan
        exact = "proven optimal" if p.status == "optimal" else f"{p.status}, gap " + (
            f"{p.gap:.2%}" if p.gap is not None else "-")
        lines.append(f"alternative {alt.rank} ({exact}): {p.total_cost:,.2f}; in: {came}; "
                     f"out: {went}")
    return lines


def profile_lines(network: Network, comparison, differing: dict) -> list[str]:
    """Profiles side by side, then the partners that set each profile's team apart."""
    lines = comparison_lines(comparison)
    for name, pids in differing.items():
        lines.append(f"{name}: " + (", ".join(network.who(p) for p in pids)
                                    or "no partner of its own"))
    return lines


def frontier_lines(network: Network, vary: str, points) -> list[str]:
    """One line per point: the limit, status, cost, shares, cohesion, and what changed."""
    head = "budget" if vary == "budget" else vary
    lines = [f"{head:>16} {'status':>10} {'critical':>8} {'standards':>9} {'total cost':>14} "
             f"{'filled':>7} {'expected':>9} {'cohesion':>9}  changes from the previous point"]
    for p in points:
        value = f"{p.value:,.2f}" if vary == "budget" else f"{p.value:g}"
        if p.infeasible:
            lines.append(f"{value:>16} {'infeasible':>10}  {p.infeasible}")
            continue
        met = f"{p.standards_met}/{p.standards_total}" if p.standards_total else "-"
        changes = frontier_moves(network, p)
        if p.kept_from is not None:
            changes.append(f"the plan of {p.kept_from:,.2f} kept (its own search ended worse)")
        lines.append(f"{value:>16} {p.plan.status:>10} {p.critical_open:>8} {met:>9} "
                     f"{p.plan.total_cost:>14,.2f} {p.filled_share:>7.0%} {p.expected_share:>9.0%} "
                     f"{p.cohesion_index:>9.2f}  {'; '.join(changes) or '-'}")
    return lines



def bid_lines(network: Network, plan: Plan) -> list[str]:
    """The alternate bid each partner has accepted and the volume tiers it reaches ("P04:
    bid B2; x at its tier from 3 slots"); none when no slot is priced by either."""
    found: dict[str, set[str]] = {}
    for a in plan.assignments:
        if a.bid_id:
            found.setdefault(a.partner_id, set()).add(f"bid {a.bid_id}")
        if a.min_slots > 1:
            found.setdefault(a.partner_id, set()).add(
                f"{network.role[a.role_id].capability} at its tier from {a.min_slots} slots")
    return [f"{network.who(pid)}: {'; '.join(sorted(what))}"
            for pid, what in sorted(found.items())]


def profiles_lines(entries) -> list[str]:
    """``orchestra profiles``: each profile's name, purpose and where it was found."""
    width = max((len(e.name) for e in entries), default=4)
    lines = []
    for e in entries:
        where = "bundled" if e.bundled else str(e.path)
        lines.append(f"{e.name:<{width}}  {e.description}")
        lines.append(f"{'':<{width}}  ({where})")
    return lines or ["no profiles found"]


GROUPED_FROM = 3  # warnings of one kind from this many on print as one line (validate: all)


def warning_lines(warnings, every: bool = False) -> list[str]:
    """Warnings as printed: one line each (so that they can be searched and counted), except
    that warnings of one ``kind`` that recur (``GROUPED_FROM`` or more) print once, with their
    count and first cells, pointing to ``orchestra validate``, which lists them all
    (``every``).

    >>> from orchestra.errors import Problem
    >>> w = [Problem(f"standards!E{k}", "loose", kind="standards are loose") for k in (2, 5, 6)]
    >>> warning_lines(w)
    ['warning: 3 standards are loose (standards!E2, E5, E6): orchestra validate lists them']
    """
    groups: dict[str, list] = {}
    for w in warnings:
        if w.kind:
            groups.setdefault(w.kind, []).append(w)
    lines, said = [], set()
    for w in warnings:
        group = groups.get(w.kind, [])
        if every or len(group) < GROUPED_FROM:
            lines.append(f"warning: {w}")
        elif w.kind not in said:
            said.add(w.kind)
            cells = [g.where for g in group]
            sheet = cells[0].split("!")[0] + "!" if "!" in cells[0] else ""
            shown = [cells[0], *(c.removeprefix(sheet) if sheet else c for c in cells[1:4])]
            more = ", ..." if len(cells) > 4 else ""
            lines.append(f"warning: {len(group)} {w.kind} ({', '.join(shown)}{more}): "
                         "orchestra validate lists them")
    return lines
