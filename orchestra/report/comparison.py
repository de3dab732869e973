"""Workbooks for procurement: candidate sets side by side, and the stress test of a plan."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import Reference, ScatterChart, Series
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.styles import PatternFill

from orchestra.domain import Network
from orchestra.procurement import DOMINANCE_RULE, YARDSTICK, Comparison, Impact, SetResult
from orchestra.report.tables import site_cells, site_header
from orchestra.report.xlsx import (
    MONEY,
    SHARE,
    inputs_of,
    print_ready,
    save_atomic,
    set_value,
    wrap_column,
    write_table,
)

# Marker colours of the scatter chart's points, one per set.
CHART_ROWS = 20  # rows the comparison's chart covers, above its points
PALETTE = ("2E75B6", "C55A11", "548235", "7030A0", "BF9000", "C00000", "1F4E79", "808080")
MARKERS = ("circle", "square", "triangle", "diamond", "x", "star", "plus", "dash")
BEST = PatternFill("solid", fgColor="C9E7C9")  # the best of a row, as the terminal's star


def _share(result: SetResult, group: str) -> float | None:
    return result.scores.by_group[group]["filled_share"]


SHORT_METRICS = {"on_time_rate": "on-time", "response_hours": "response"}


def _missed(result: SetResult) -> str:
    """The standards a row misses, short enough for a table cell: "T08 on-time, T10 response"."""
    return ", ".join(f"{o.touchpoint_id} {SHORT_METRICS.get(o.metric, o.metric)}"
                     + (f" at {o.site_id}" if o.site_id else "")
                     for o in result.scores.standards if o.met is False)


def _per_filled_slot(result: SetResult) -> float | None:
    filled = len(result.plan.assignments)
    return result.total_cost / filled if filled else None


# (label, value of a row, "low" or "high" is better or None, number format, comparable only).
# A "comparable only" row is starred only among the rows the dominance rule ranks first: the
# fewest critical slots open and, among those, the most standards met (``DOMINANCE_RULE``).
# An infeasible row shows its status and why, every figure blank, and is never starred.
METRICS: tuple[tuple[str, Callable[[SetResult], object], str | None, str | None, bool], ...] = (
    ("status", lambda r: "infeasible" if r.infeasible else r.plan.status, None, None, False),
    ("why infeasible", lambda r: r.infeasible or "-", None, None, False),
    ("critical slots open", lambda r: r.critical_shortfalls, "low", None, False),
    ("standards met", lambda r: r.standards_met if r.scores.standards else None, "high", None,
     False),
    ("standards missed", lambda r: _missed(r) or "-", None, None, False),
    ("partners in the set", lambda r: len(r.members) if r.members else None, None, None, False),
    ("partners selected", lambda r: len(r.plan.selected), None, None, False),
    ("total cost", lambda r: r.total_cost, "low", MONEY, True),
    ("transition cost (once)", lambda r: r.transition_cost if r.plan.transition_cost or
     r.contracts_changed is not None else None, "low", MONEY, True),
    ("cost with transition over the horizon", lambda r: r.horizon_cost, "low", MONEY, True),
    ("contracts changed", lambda r: r.contracts_changed, "low", None, True),
    ("cost per filled slot", _per_filled_slot, "low", MONEY, True),
    ("slots filled (share)", lambda r: r.filled_share, "high", SHARE, True),
    ("expected delivered (share)", lambda r: r.expected_share, "high", SHARE, True),
    ("front stage filled", lambda r: _share(r, "front"), "high", SHARE, True),
    ("back stage filled", lambda r: _share(r, "back"), "high", SHARE, True),
    ("acquisition filled", lambda r: _share(r, "acquisition"), "high", SHARE, True),
    ("utilization filled", lambda r: _share(r, "utilization"), "high", SHARE, True),
    ("moments of truth filled", lambda r: _share(r, "moments_of_truth"), "high", SHARE, True),
    ("cohesion index", lambda r: round(r.cohesion, 4), "high", "0.00", True),
    ("single points of failure", lambda r: len(r.scores.single_points_of_failure), "low", None,
     True),
    ("major value gaps", lambda r: r.gap_counts()["major"], "low", None, True),
    ("minor value gaps", lambda r: r.gap_counts()["minor"], "low", None, True),
    ("objective", lambda r: r.plan.objective, None, MONEY, False),
    ("partners to add to close", lambda r: ", ".join(r.closing.added) if r.closing else "-",
     None, None, False),
    ("cost of closing", lambda r: r.closing.extra_cost if r.closing else None, None, MONEY,
     False),
    ("critical slots left open once closed",
     lambda r: len(r.closing.still_open) if r.closing else None, None, None, False),
    ("total cost once closed",
     lambda r: r.closing.plan.total_cost if r.closing else r.total_cost, "low", MONEY, True),
    ("dominated by", lambda r: ", ".join(r.dominated_by) or "-", None, None, False),
)
# The rows an infeasible row still shows: what it is, not figures it does not have.
SHOWN_WHEN_INFEASIBLE = ("status", "why infeasible", "partners in the set")


def metric_value(label: str, value: Callable[[SetResult], object], row: SetResult) -> object:
    """A row's value of one metric; blank for an infeasible row's figures."""
    if row.infeasible and label not in SHOWN_WHEN_INFEASIBLE:
        return None
    return value(row)


def best_of(values: Sequence[object], better: str | None,
            eligible: Collection[int] | None = None) -> set[int]:
    """Indexes of the best values of a row (ties all marked), among ``eligible`` indexes if
    given; none for rows without a direction.

    >>> sorted(best_of([3, 1, 1], "low")), sorted(best_of([0.5, 0.9], "high"))
    ([1, 2], [1])
    >>> sorted(best_of([3, 1, 2], "low", eligible={0, 2}))
    [2]
    """
    numbers = [(k, v) for k, v in enumerate(values) if isinstance(v, int | float)
               and not isinstance(v, bool) and (eligible is None or k in eligible)]
    if better is None or not numbers:
        return set()
    pick = min if better == "low" else max
    top = pick(v for _, v in numbers)
    return {k for k, v in numbers if abs(v - top) <= 1e-9}


def comparable(rows: Sequence[SetResult]) -> set[int]:
    """The rows the dominance rule ranks first: feasible, the fewest critical slots open, then
    the most standards met."""
    feasible = [(k, r) for k, r in enumerate(rows) if r.feasible]
    if not feasible:
        return set()
    fewest = min(r.critical_shortfalls for _, r in feasible)
    most = max(r.standards_met for _, r in feasible if r.critical_shortfalls == fewest)
    return {k for k, r in feasible
            if r.critical_shortfalls == fewest and r.standards_met == most}


def stars(comparison: Comparison) -> list[set[int]]:
    """Per metric, the rows to mark best (none when only one set is compared); infeasible rows
    never."""
    rows = comparison.rows
    if len(rows) < 2:
        return [set() for _ in METRICS]
    alike = comparable(rows)
    feasible = {k for k, r in enumerate(rows) if r.feasible}
    return [best_of([metric_value(label, value, r) for r in rows], better,
                    alike if only_comparable else feasible)
            for label, value, better, _, only_comparable in METRICS]


def comparison_table(comparison: Comparison) -> tuple[list[str], list[list[object]]]:
    header = ["metric", *(r.set_id for r in comparison.rows)]
    rows = [[label, *(metric_value(label, value, r) for r in comparison.rows)]
            for label, value, *_ in METRICS]
    return header, rows


def format_metrics(ws, comparison: Comparison, start_row: int = 2) -> None:
    """Each metric row of a written ``comparison_table`` in its number format (money, shares
    as %), the best of each row shaded as the terminal stars it."""
    width = len(comparison.rows)
    for k, ((_, _, _, fmt, _), best) in enumerate(zip(METRICS, stars(comparison), strict=True),
                                                   start=start_row):
        for col in range(2, 2 + width):
            cell = ws.cell(row=k, column=col)
            if fmt:
                cell.number_format = fmt
            if col - 2 in best:
                cell.fill = BEST


def sheet_title(name: str, taken: set[str]) -> str:
    """A valid, unique sheet name: 31 characters, none of []:*?/\\, no apostrophe at either
    end, not Excel's reserved "History".

    >>> sheet_title("'History'", set()), sheet_title("a/b", {"a_b"})
    ('History_set', 'a_b_2')
    """
    base = re.sub(r"[\[\]:*?/\\]", "_", name)[:28].strip("'") or "set"
    if base.lower() == "history":
        base += "_set"
    title, k = base, 2
    while title.lower() in taken:
        title, k = f"{base}_{k}", k + 1
    taken.add(title.lower())
    return title


def build_comparison(network: Network, comparison: Comparison) -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = "comparison"
    header, rows = comparison_table(comparison)
    write_table(ws, header, rows, name="comparison")
    format_metrics(ws, comparison)
    ws.freeze_panes = "B2"
    # The rule behind the shading and "dominated by", beside the table as under the terminal's.
    # In the label column alone, wrapped: the columns may print on pages of their own.
    set_value(ws.cell(row=len(METRICS) + 3, column=1),
              f"Shaded: the best of a row. The rule: {DOMINANCE_RULE}.")
    wrap_column(ws, "A", round(ws.column_dimensions["A"].width or 30) - 2,
                rows=[len(METRICS) + 3])
    # The scatter chart's data: one row per set, one series per set so the legend names them.
    # The chart on a sheet of its own, at the top, so that it prints whole; its points below.
    ws = wb.create_sheet("chart")
    start = CHART_ROWS
    points = [[r.set_id, r.total_cost, r.filled_share, r.expected_share]
              for r in comparison.rows if r.feasible]
    end = write_table(ws, ["set_id", "total_cost", "filled_share", "expected_share"], points,
                      name="cost_vs_coverage", start_row=start,
                      formats={"total_cost": MONEY, "filled_share": SHARE,
                               "expected_share": SHARE})
    chart = ScatterChart()
    chart.title = "Cost against expected coverage"
    chart.style = 13
    chart.x_axis.title = "total cost"
    chart.y_axis.title = "expected share of slots delivered"
    chart.y_axis.number_format = "0%;-0%;"  # no 0 % at the corner, over the first cost
    for row in range(start + 1, end + 1):
        series = Series(Reference(ws, min_col=4, min_row=row),
                        Reference(ws, min_col=2, min_row=row),
                        title=str(ws.cell(row=row, column=1).value))
        # Each set its own marker shape and colour, named in the legend: labels beside the
        # points would print over each other where sets lie close.
        series.marker.symbol = MARKERS[(row - start - 1) % len(MARKERS)]
        series.marker.size = 10
        colour = PALETTE[(row - start - 1) % len(PALETTE)]
        series.marker.graphicalProperties = GraphicalProperties(solidFill=colour)
        series.marker.graphicalProperties.line.solidFill = colour
        series.graphicalProperties.line.noFill = True
        chart.series.append(series)
    chart.width, chart.height = 18, 9
    ws.add_chart(chart, "A1")
    taken = {"comparison", "chart"}
    # With today's network, each row's assignments say what changes against it.
    today: dict[str, list[str]] = {}
    for c in network.current:
        today.setdefault(c.role_id, []).append(c.partner_id)
    for result in comparison.rows:
        sheet = wb.create_sheet(sheet_title(result.set_id, taken))
        if result.infeasible:
            write_table(sheet, ["infeasible"], [[result.infeasible]], name=f"set_{len(taken)}")
            continue
        rows = []
        for a in result.plan.assignments:
            role = network.role[a.role_id]
            was = today.get(a.role_id, [])
            rows.append([role.base_id, role.name, *site_cells(network, a.role_id),
                         role.touchpoint_id, a.slot, a.partner_id,
                         network.partner[a.partner_id].name, a.cost,
                         *([", ".join(was) or "-", "kept" if a.partner_id in was else "new"]
                           if network.current else [])])
        rows += [[network.ref(s.role_id)["role_id"],
                  network.role[s.role_id].name if s.role_id else None,
                  *site_cells(network, s.role_id), s.touchpoint_id, s.slot or None, None,
                  f"(open: {s.reason_code})", None,
                  *([", ".join(today.get(s.role_id, [])) or "-", "open"]
                    if network.current else [])]
                 for s in result.plan.shortfalls]
        header = ["role_id", "role", *site_header(network), "touchpoint_id", "slot",
                  "partner_id", "partner", "cost"]
        if network.current:
            header += ["today_partner_ids", "change"]
        write_table(sheet, header, rows, name=f"set_{len(taken)}", formats={"cost": MONEY})
    yardstick = next((r for r in comparison.rows if r.set_id == YARDSTICK and r.feasible),
                     None)
    if network.bids_sources and yardstick is not None:  # the award of orchestra's own choice
        from orchestra.report.sourcing import write_award_sheets
        from orchestra.sourcing import award

        write_award_sheets(wb, network, award(network, yardstick.plan))
    print_ready(wb, "orchestra comparison", network, one_page=("chart",),
                label_columns={"comparison": "A:A"})
    return wb


def write_comparison(network: Network, comparison: Comparison, path: str | Path, *,
                     force: bool = False) -> Path:
    sources = inputs_of(network)
    return save_atomic(build_comparison(network, comparison), path, force=force, inputs=sources)


STRESS_HEADER = ("rank", "dropped", "critical_unfilled", "standards_lost", "cost_increase",
                 "new_total_cost", "taken_over_by", "roles_unfilled",
                 "touchpoints_losing_coverage", "status", "filled_share", "expected_share",
                 "cohesion_index", "single_points_of_failure", "transition_cost",
                 "contracts_changed")


def stress_rows(network: Network, impacts: Sequence[Impact]) -> list[list[object]]:
    """One row per drop-out, worst first. Critical slots and standards lost come before any
    cost; a re-plan that loses critical slots shows no cost change (a saving made by leaving
    slots open is no good news), and one with no plan at all says why."""
    rows = []
    for rank, i in enumerate(impacts, start=1):
        names = " + ".join(f"{p} {network.partner[p].name}" for p in i.dropped)
        if i.infeasible:
            rows.append([rank, names, None, None, None, None, "-", "-", "-",
                         f"infeasible: {i.infeasible}", *([None] * 6)])
            continue
        lost = ", ".join(f"{t} -{share:.0%}" for t, share in i.lost_coverage)
        taken = ", ".join(f"{network.where(r)}: {p}" for r, p in i.takeover)
        if i.over_budget > 1e-9:
            taken = f"{taken or '-'} (covered over budget by {i.over_budget:,.2f})"
        increase = None if i.critical_unfilled else i.cost_increase
        rows.append([rank, names, i.critical_unfilled, ", ".join(i.standards_lost) or "-",
                     increase, i.plan.total_cost, taken or "-",
                     ", ".join(network.where(r) for r in i.unfilled) or "-",
                     lost or "-", i.plan.status, *_record_columns(i.record)])
    return rows


def _record_columns(r: SetResult | None) -> list[object]:
    """Shares, cohesion, failure points, transition and contracts of a comparison record."""
    if r is None:
        return [None] * 6
    return [r.filled_share, r.expected_share, round(r.cohesion, 4),
            len(r.scores.single_points_of_failure), r.transition_cost, r.contracts_changed]


def write_stress(network: Network, impacts: Sequence[Impact], path: str | Path, *,
                 force: bool = False) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "stress"
    write_table(ws, STRESS_HEADER, stress_rows(network, impacts), name="stress",
                formats={"cost_increase": MONEY, "new_total_cost": MONEY,
                         "filled_share": SHARE, "expected_share": SHARE,
                         "transition_cost": MONEY})
    print_ready(wb, "orchestra stress", network)
    sources = inputs_of(network)
    return save_atomic(wb, path, force=force, inputs=sources)


def frontier_header(vary: str) -> list[str]:
    return ["budget" if vary == "budget" else vary, "status", "critical_open", "standards_met",
            "gap", "total_cost", "filled_share", "expected_share", "cohesion_index",
            "objective", "partners", "changes", "single_points_of_failure", "transition_cost",
            "contracts_changed"]


def frontier_moves(network: Network, point) -> list[str]:
    """Who comes in and who goes out at a frontier point, against the previous one."""
    moves = []
    if point.added:
        moves.append("in: " + ", ".join(network.who(x) for x in point.added))
    if point.removed:
        moves.append("out: " + ", ".join(network.who(x) for x in point.removed))
    return moves


def frontier_rows(network: Network, vary: str, points) -> list[list[object]]:
    rows = []
    for p in points:
        if p.infeasible:  # no figures: the status and why
            rows.append([p.value, "infeasible", *([None] * 9), p.infeasible, None, None, None])
            continue
        changes = frontier_moves(network, p)
        if p.kept_from is not None:
            changes.append(f"plan of {p.kept_from:g} kept")
        met = f"{p.standards_met} of {p.standards_total}" if p.standards_total else "-"
        rows.append([p.value, p.plan.status, p.critical_open, met, p.plan.gap,
                     p.plan.total_cost, p.filled_share, p.expected_share, p.cohesion_index,
                     p.objective, len(p.plan.selected), "; ".join(changes) or "-",
                     *_record_columns(p.record)[3:]])
    return rows


def write_frontier(network: Network, vary: str, points, path: str | Path, *,
                   force: bool = False) -> Path:
    """The frontier's table, and on a sheet of its own a line chart of expected coverage,
    filled share and cohesion against the value varied (one marker per point)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "frontier"
    head = "budget" if vary == "budget" else vary
    last = write_table(ws, frontier_header(vary), frontier_rows(network, vary, points),
                       name="frontier",
                       formats={"budget": MONEY, "gap": SHARE, "total_cost": MONEY,
                                "filled_share": SHARE, "expected_share": SHARE,
                                "cohesion_index": "0.00", "objective": MONEY})
    chart = ScatterChart()
    chart.title = f"Coverage and cohesion as the {head} moves"
    chart.style = 13
    chart.scatterStyle = "lineMarker"
    chart.x_axis.title = head
    chart.y_axis.title = "shares of slots (%); cohesion index (0 to 1)"
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 1
    chart.y_axis.number_format = "0%;-0%;"  # no 0 % at the corner, over the first cost
    chart.x_axis.number_format = "#,##0"
    xs = Reference(ws, min_col=1, min_row=2, max_row=last)
    for col, colour in ((8, PALETTE[0]), (7, PALETTE[1]), (9, PALETTE[2])):
        series = Series(Reference(ws, min_col=col, min_row=1, max_row=last), xs,
                        title_from_data=True)
        series.marker.symbol = "circle"
        series.marker.size = 8
        series.marker.graphicalProperties = GraphicalProperties(solidFill=colour)
        series.graphicalProperties.line.solidFill = colour
        series.smooth = False  # straight segments: nothing is known between two points
        chart.series.append(series)
    chart.width, chart.height = 22, 11
    chart_sheet = wb.create_sheet("chart")
    chart_sheet.add_chart(chart, "A1")
    print_ready(wb, f"orchestra frontier ({head})", network, one_page=("chart",))
    return save_atomic(wb, path, force=force, inputs=inputs_of(network))
