"""Workbooks for procurement: candidate sets side by side, and the stress test of a plan."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import Reference, ScatterChart, Series
from openpyxl.formatting.rule import Rule
from openpyxl.styles import PatternFill
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.utils import get_column_letter

from orchestra.domain import Network
from orchestra.procurement import Comparison, Impact, SetResult
from orchestra.report.xlsx import inputs_of, save_atomic, write_table

BEST = DifferentialStyle(fill=PatternFill("solid", bgColor="C9E7C9"))
WORST = DifferentialStyle(fill=PatternFill("solid", bgColor="F4B6B6"))
MONEY, SHARE = "#,##0.00", "0.0%"


def _share(result: SetResult, group: str) -> float | None:
    return result.scores.by_group[group]["filled_share"]


# (label, value of a row, "low" or "high" is better or None, number format)
METRICS: tuple[tuple[str, Callable[[SetResult], object], str | None, str | None], ...] = (
    ("partners in the set", lambda r: len(r.members) if r.members else None, None, None),
    ("partners selected", lambda r: len(r.plan.selected), None, None),
    ("total cost", lambda r: r.total_cost, "low", MONEY),
    ("slots filled (share)", lambda r: r.filled_share, "high", SHARE),
    ("expected delivered (share)", lambda r: r.expected_share, "high", SHARE),
    ("critical shortfalls", lambda r: r.critical_shortfalls, "low", None),
    ("front stage filled", lambda r: _share(r, "front"), "high", SHARE),
    ("back stage filled", lambda r: _share(r, "back"), "high", SHARE),
    ("acquisition filled", lambda r: _share(r, "acquisition"), "high", SHARE),
    ("utilization filled", lambda r: _share(r, "utilization"), "high", SHARE),
    ("moments of truth filled", lambda r: _share(r, "moments_of_truth"), "high", SHARE),
    ("cohesion index", lambda r: round(r.cohesion, 4), "high", "0.00"),
    ("single points of failure", lambda r: len(r.scores.single_points_of_failure), "low", None),
    ("major value gaps", lambda r: r.gap_counts()["major"], "low", None),
    ("minor value gaps", lambda r: r.gap_counts()["minor"], "low", None),
    ("partners to add to close", lambda r: ", ".join(r.closing.added) if r.closing else "-",
     None, None),
    ("cost of closing", lambda r: r.closing.extra_cost if r.closing else None, None, MONEY),
    ("critical slots no partner can fill",
     lambda r: len(r.closing.still_open) if r.closing else 0, None, None),
    ("total cost once closed",
     lambda r: r.closing.plan.total_cost if r.closing else r.total_cost, "low", MONEY),
    ("plan status", lambda r: r.plan.status, None, None),
    ("dominated by", lambda r: ", ".join(r.dominated_by) or "-", None, None),
)


def best_of(values: Sequence[object], better: str | None) -> set[int]:
    """Indexes of the best values of a row (ties all marked); none for rows without a direction.

    >>> sorted(best_of([3, 1, 1], "low")), sorted(best_of([0.5, 0.9], "high"))
    ([1, 2], [1])
    """
    numbers = [(k, v) for k, v in enumerate(values) if isinstance(v, int | float)]
    if better is None or not numbers:
        return set()
    pick = min if better == "low" else max
    top = pick(v for _, v in numbers)
    return {k for k, v in numbers if abs(v - top) <= 1e-9}


def comparison_table(comparison: Comparison) -> tuple[list[str], list[list[object]]]:
    header = ["metric", *(r.set_id for r in comparison.rows)]
    rows = [[label, *(value(r) for r in comparison.rows)] for label, value, _, _ in METRICS]
    return header, rows


def sheet_title(name: str, taken: set[str]) -> str:
    """A valid, unique sheet name (31 characters, none of []:*?/\\)."""
    base = re.sub(r"[\[\]:*?/\\]", "_", name)[:28] or "set"
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
    last = write_table(ws, header, rows, name="comparison")
    width = len(comparison.rows)
    for k, (_, _, better, fmt) in enumerate(METRICS, start=2):
        cells = f"B{k}:{get_column_letter(1 + width)}{k}"
        if fmt:
            for col in range(2, 2 + width):
                ws.cell(row=k, column=col).number_format = fmt
        if better and width > 1:
            low = better == "low"
            ws.conditional_formatting.add(cells, Rule(type="top10", rank=1, bottom=low,
                                                      dxf=BEST))
            ws.conditional_formatting.add(cells, Rule(type="top10", rank=1, bottom=not low,
                                                      dxf=WORST))
    ws.freeze_panes = "B2"
    # The scatter chart's data: one row per set, one series per set so the legend names them.
    start = last + 3
    points = [[r.set_id, r.total_cost, r.filled_share, r.expected_share]
              for r in comparison.rows]
    end = write_table(ws, ["set_id", "total_cost", "filled_share", "expected_share"], points,
                      name="cost_vs_coverage", start_row=start,
                      formats={"total_cost": MONEY, "filled_share": SHARE,
                               "expected_share": SHARE})
    chart = ScatterChart()
    chart.title = "Cost against expected coverage"
    chart.style = 13
    chart.x_axis.title = "total cost"
    chart.y_axis.title = "expected share of slots delivered"
    chart.y_axis.number_format = "0%"
    for row in range(start + 1, end + 1):
        series = Series(Reference(ws, min_col=4, min_row=row),
                        Reference(ws, min_col=2, min_row=row),
                        title=str(ws.cell(row=row, column=1).value))
        series.marker.symbol = "circle"
        series.marker.size = 10
        series.graphicalProperties.line.noFill = True
        chart.series.append(series)
    chart.width, chart.height = 18, 9
    ws.add_chart(chart, f"{get_column_letter(width + 3)}2")
    taken = {"comparison"}
    for result in comparison.rows:
        sheet = wb.create_sheet(sheet_title(result.set_id, taken))
        rows = []
        for a in result.plan.assignments:
            role = network.role[a.role_id]
            rows.append([a.role_id, role.name, role.touchpoint_id, a.slot, a.partner_id,
                         network.partner[a.partner_id].name, a.cost])
        rows += [[s.role_id or None, network.role[s.role_id].name if s.role_id else None,
                  s.touchpoint_id, s.slot or None, None, f"(open: {s.reason_code})", None]
                 for s in result.plan.shortfalls]
        write_table(sheet, ["role_id", "role", "touchpoint_id", "slot", "partner_id", "partner",
                            "cost"], rows, name=f"set_{len(taken)}", formats={"cost": MONEY})
    return wb


def write_comparison(network: Network, comparison: Comparison, path: str | Path, *,
                     force: bool = False) -> Path:
    sources = inputs_of(network)
    return save_atomic(build_comparison(network, comparison), path, force=force, inputs=sources)


def stress_rows(network: Network, impacts: Sequence[Impact]) -> list[list[object]]:
    rows = []
    for rank, i in enumerate(impacts, start=1):
        names = " + ".join(f"{p} {network.partner[p].name}" for p in i.dropped)
        lost = ", ".join(f"{t} -{share:.0%}" for t, share in i.lost_coverage)
        rows.append([rank, names, i.cost_increase, i.plan.total_cost, i.critical_unfilled,
                     ", ".join(i.unfilled) or "-", lost or "-", i.plan.status])
    return rows


def write_stress(network: Network, impacts: Sequence[Impact], path: str | Path, *,
                 force: bool = False) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "stress"
    write_table(ws, ["rank", "dropped", "cost_increase", "new_total_cost", "critical_unfilled",
                     "roles_unfilled", "touchpoints_losing_coverage", "status"],
                stress_rows(network, impacts), name="stress",
                formats={"cost_increase": MONEY, "new_total_cost": MONEY})
    sources = inputs_of(network)
    return save_atomic(wb, path, force=force, inputs=sources)
