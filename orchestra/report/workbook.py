"""The report workbook: what a manager reads, edits and hands back.

Sheets: summary (the question and the answer on one screen, with two charts), team,
assignments (one row per slot, with an editable ``locked`` column that ``--locks`` reads back),
coverage, coverage_matrix, cohesion, gaps, shortfalls, changes (with today's network), inputs.
Every table is an Excel table; text from the input is always written as text (see
``xlsx.set_value``).
"""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.formatting.rule import CellIsRule, ColorScaleRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from orchestra.calendar import calendar_of
from orchestra.domain import Network, Plan
from orchestra.explanations import WEIGHT_MEANINGS, Explanations
from orchestra.memo import Memo, memo
from orchestra.procurement import Comparison
from orchestra.report.blueprint import blueprint, write_blueprint_sheet
from orchestra.report.comparison import comparison_table, format_metrics
from orchestra.report.explain import write_why
from orchestra.report.tables import (
    Table,
    assignments_table,
    changes_table,
    cost_tables,
    coverage_table,
    gaps_table,
    partner_moves_table,
    shortfalls_table,
    sites_table,
    team_table,
    timeline_table,
)
from orchestra.report.xlsx import (
    LABEL,
    MONEY,
    SHARE,
    TITLE,
    fit_widths,
    inputs_of,
    print_ready,
    save_atomic,
    set_value,
    wrap_column,
    write_table,
)
from orchestra.score import Scores
from orchestra.score.baseline import Baseline, baseline
from orchestra.score.gaps import describe

SEVERITY_FILLS = {
    "major": PatternFill("solid", fgColor="F4B6B6"),
    "minor": PatternFill("solid", fgColor="FCE4B6"),
    "none": PatternFill("solid", fgColor="C9E7C9"),
    "no data": PatternFill("solid", fgColor="E0E0E0"),
}


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"


def sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- sheets, one function each -----------------------------------------------------------------


def _write(ws: Worksheet, table: Table, start_row: int = 1) -> int:
    return write_table(ws, table.header, table.rows, name=table.name, formats=table.formats,
                       start_row=start_row)


def write_team(ws: Worksheet, network: Network, plan: Plan, scores: Scores) -> int:
    return _write(ws, team_table(network, plan, scores))


def write_assignments_sheet(ws: Worksheet, network: Network, plan: Plan) -> None:
    """One row per slot, filled or open; ``locked`` is the column users set to re-plan."""
    _write(ws, assignments_table(network, plan))


def write_coverage(ws: Worksheet, network: Network, scores: Scores, plan: Plan) -> int:
    return _write(ws, coverage_table(network, scores, plan))


def write_coverage_matrix(ws: Worksheet, network: Network, plan: Plan) -> None:
    """Touchpoints by selected partners: the slots each partner fills there, shaded."""
    count: dict[tuple[str, str], int] = {}
    for a in plan.assignments:
        key = (network.role[a.role_id].touchpoint_id, a.partner_id)
        count[key] = count.get(key, 0) + 1
    partners = list(plan.selected)
    # Names in the header, ids beside them; a partner with no slot on a touchpoint left blank.
    rows = [[tp.touchpoint_id, tp.name,
             *(count.get((tp.touchpoint_id, p)) for p in partners)]
            for tp in network.journey]
    last = write_table(ws, ["touchpoint_id", "touchpoint",
                            *(f"{network.partner[p].name} ({p})" for p in partners)], rows,
                       name="coverage_matrix")
    if partners and rows:
        end = ws.cell(row=last, column=2 + len(partners)).coordinate
        ws.conditional_formatting.add(f"C2:{end}", ColorScaleRule(
            start_type="num", start_value=0, start_color="FFFFFF",
            end_type="max", end_color="2E75B6"))
    ws.freeze_panes = "C2"


def write_cohesion(ws: Worksheet, network: Network, plan: Plan, scores: Scores) -> None:
    """The cohesion figures, shares as percentages and partners by name (the pairs inside the
    team are the ``ties`` sheet)."""
    c = scores.cohesion
    split = f"infinite (team split into {c.components} groups)"

    def names(ids) -> str:
        return ", ".join(network.who(p) for p in ids) or "none"

    metrics = [
        ["cohesion index", round(c.index, 4), "reach x tie strength x (1 - friction share)"],
        ["team size", c.team_size, "selected partners"],
        ["positive ties", c.ties, "relationships with strength > 0 inside the team"],
        ["weighted density", round(c.density, 4), "positive strength over member pairs"],
        ["groups", c.components, "connected groups of positive ties"],
        ["largest group share", c.largest_share, "reach"],
        ["tie strength", round(c.tie_strength, 4), "mean strength of the spanning ties"],
        ["friction share", c.friction_share, "share of relationship weight negative"],
        ["diameter", split if c.diameter is None else round(c.diameter, 4),
         "longest shortest path, distance 1 - strength"],
        ["spanning tree", split if c.spanning_tree is None else round(c.spanning_tree, 4),
         "minimum spanning tree weight, distance 1 - strength"],
        ["isolated members", names(c.isolated), "no positive tie to the team"],
        ["brokers", names(c.brokers), "the team splits without them"],
    ]
    write_table(ws, ["metric", "value", "meaning"], metrics, name="cohesion_metrics")
    for row, (metric, *_rest) in enumerate(metrics, start=2):
        if metric.endswith("share"):
            ws.cell(row=row, column=2).number_format = SHARE
        ws.cell(row=row, column=2).alignment = Alignment(horizontal="left", vertical="top")


def write_ties(ws: Worksheet, network: Network, plan: Plan) -> None:
    """The relationships inside the team, weakest first: who rubs along and who does not."""
    team = set(plan.selected)
    pairs = sorted(([rel.partner_a, network.partner[rel.partner_a].name, rel.partner_b,
                     network.partner[rel.partner_b].name, rel.strength,
                     "friction" if rel.strength < 0 else "tie"]
                    for rel in network.relationships
                    if {rel.partner_a, rel.partner_b} <= team and rel.strength != 0),
                   key=lambda r: r[4])
    write_table(ws, ["partner_a", "partner_a_name", "partner_b", "partner_b_name", "strength",
                     "kind"], pairs, name="team_pairs", formats={"strength": "0.00"})


def write_gaps(ws: Worksheet, network: Network, scores: Scores) -> None:
    last = _write(ws, gaps_table(network, scores))
    if scores.gaps:
        for severity, fill in SEVERITY_FILLS.items():
            ws.conditional_formatting.add(f"G2:G{last}", CellIsRule(
                operator="equal", formula=[f'"{severity}"'], fill=fill))


def write_cost(ws: Worksheet, network: Network, plan: Plan,
               by_partner: Worksheet | None = None) -> None:
    """The cost that reconciles, by touchpoint, and by partner on a sheet of its own
    (``tables.cost_tables``): one table a sheet, so that each prints under its own header."""
    by_touchpoint, partners = cost_tables(network, plan)
    _write(ws, by_touchpoint)
    if by_partner is not None:
        _write(by_partner, partners)


def write_alternatives(ws: Worksheet, network: Network, side: Comparison) -> None:
    """The plan and its alternatives as columns (the comparison's rows), then each
    alternative's partners in and out."""
    header, rows = comparison_table(side)
    last = write_table(ws, header, rows, name="alternatives")
    format_metrics(ws, side)
    base = set(side.rows[0].plan.selected)
    moves = [[r.set_id, ", ".join(network.who(p) for p in r.plan.selected if p not in base),
              ", ".join(network.who(p) for p in base if p not in r.plan.selected)]
             for r in side.rows[1:]]
    write_table(ws, ["alternative", "in", "out"], moves, name="alternative_moves",
                start_row=last + 3)


def write_shortfalls(ws: Worksheet, network: Network, plan: Plan) -> None:
    _write(ws, shortfalls_table(network, plan))


def write_inputs(ws: Worksheet, network: Network, plan: Plan) -> None:
    source = Path(network.source) if network.source else None
    locks = Path(network.locks_source) if network.locks_source else None
    rows = [
        ["input file", source.name if source else "(in memory)"],
        ["input SHA-256", sha256(source) if source and source.is_file() else "(not a file)"],
        *([["locks file", locks.name],
           ["locks SHA-256", sha256(locks) if locks.is_file() else "(not a file)"]]
          if locks else []),
        *([[f"bid file {Path(b).name}", sha256(Path(b))] for b in network.bids_sources]),
        ["written at (UTC)", datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")],
        ["orchestra version", _package_version("orchestra")],
        ["ortools version", _package_version("ortools")],
        ["profile", plan.profile.name],
        *([[f"rule {k}", str(rule)] for k, rule in enumerate(network.rules, start=1)]),
        *([[f"setting: {k}", str(v)] for k, v in plan.settings.items()]),
    ]
    write_table(ws, ["item", "value"], rows, name="inputs")


def write_changes(ws: Worksheet, network: Network, today: Baseline) -> None:
    """Role by role, today's partner against the planned one; then who joins and who leaves."""
    _write(ws, partner_moves_table(network, today),
           start_row=_write(ws, changes_table(network, today)) + 3)


def write_timeline(ws: Worksheet, network: Network, today: Baseline) -> None:
    """The horizon period by period, and a chart of the cumulative savings under it."""
    last = _write(ws, timeline_table(network, today))
    chart = LineChart()
    chart.title = "Cumulative savings against today"
    chart.y_axis.title = "cumulative savings"
    chart.x_axis.title = "period"
    chart.add_data(Reference(ws, min_col=6, min_row=1, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=last))
    chart.legend = None
    chart.x_axis.tickLblPos = "low"  # the periods under the chart, not on the zero line
    chart.height, chart.width = 8, 18
    ws.add_chart(chart, f"A{last + 3}")


LIGHT_FILLS = {"green": "1B7837", "amber": "B35806", "red": "A50026", "none": "777777"}


def write_summary(ws: Worksheet, network: Network, plan: Plan, scores: Scores,
                  team_last: int, coverage_last: int, today: Baseline | None = None,
                  summary: Memo | None = None) -> None:
    """The memo on the first screen (what to do, what it costs, how good, what is at risk,
    what must be decided), then the figures behind it and the two charts."""
    summary = summary or memo(network, plan, scores, today)
    budget = plan.rules.budget
    filled = len(plan.assignments)
    slots = network.slot_count
    critical = len(plan.critical_shortfalls)
    set_value(ws["A1"], "orchestra plan: the memo")
    ws["A1"].font = TITLE
    row = 3
    for line in summary.recommendation:
        cell = ws.cell(row=row, column=1)
        set_value(cell, line)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=3)
        ws.row_dimensions[row].height = 15 * max(1, -(-len(line) // 100))
        row += 1
    row += 1
    for light in summary.lights:
        set_value(ws.cell(row=row, column=1), light.label)
        ws.cell(row=row, column=1).font = LABEL
        set_value(ws.cell(row=row, column=2), light.value)
        mark = ws.cell(row=row, column=3)
        set_value(mark, light.word)
        mark.fill = PatternFill("solid", fgColor=LIGHT_FILLS[light.status])
        mark.font = Font(bold=True, color="FFFFFF")
        mark.alignment = Alignment(horizontal="center")
        row += 1
    for title, items in (("risks", [r.text for r in summary.risks]),
                         ("decisions", list(summary.decisions))):
        row += 1
        set_value(ws.cell(row=row, column=1), title)
        ws.cell(row=row, column=1).font = LABEL
        ws.cell(row=row, column=1).alignment = Alignment(vertical="top")
        for k, text in enumerate(items or ["none"], start=1):
            cell = ws.cell(row=row, column=2)
            set_value(cell, f"{k}. {text}" if items else text)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            ws.row_dimensions[row].height = 15 * max(1, -(-len(text) // 60))
            row += 1
    row += 1
    set_value(ws.cell(row=row, column=1), "the figures")
    ws.cell(row=row, column=1).font = LABEL
    row += 1
    lines: list[tuple[str, object, str | None]] = [
        ("money", summary.currency, None),
        ("total cost", plan.total_cost, MONEY),
        ("budget", budget if budget is not None else "none", MONEY),
        ("partners selected", len(plan.selected), None),
        ("slots filled", f"{filled} of {slots}", None),
        ("critical shortfalls", critical, None),
        ("cohesion index", round(scores.cohesion.index, 4), "0.00"),
        ("single points of failure", len(scores.single_points_of_failure), None),
        *[(f"standard {o.touchpoint_id} {o.subject}", str(o), None) for o in scores.standards],
    ]
    if today is not None:
        changed = today.changes
        payback = today.payback_periods
        lines += [
            ("today's network", f"{today.plan.total_cost:,.2f} per period; the plan "
             + (f"saves {today.savings:,.2f}" if today.savings >= 0
                else f"costs {-today.savings:,.2f} more") + " per period", None),
            ("contracts changing", f"{changed.count} ({len(changed.kept)} kept, "
             f"{len(changed.replaced)} replaced, {len(changed.ended)} ended, {len(changed.new)} "
             f"new; {len(changed.dropped_partners)} partner(s) leave, "
             f"{len(changed.new_partners)} join): see the changes sheet", None),
            ("transition cost (once)", f"{today.transition_cost:,.2f}, " + (
                "no payback needed" if payback == 0 else "never paid back" if payback is None
                else f"paid back in {payback:.1f} periods"), None),
        ]
    for label, value, fmt in lines:
        set_value(ws.cell(row=row, column=1), label)
        ws.cell(row=row, column=1).font = LABEL
        ws.cell(row=row, column=1).alignment = Alignment(vertical="top")
        cell = ws.cell(row=row, column=2)
        set_value(cell, value)
        cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")
        if fmt:
            cell.number_format = fmt
        row += 1
    row += 1
    groups = [[name.replace("_", " "), g["filled_share"], g["expected_share"]]
              for name, g in scores.by_group.items()]
    set_value(ws.cell(row=row, column=1), "coverage by stage and kind (importance-weighted)")
    ws.cell(row=row, column=1).font = LABEL
    row = write_table(ws, ["group", "filled_share", "expected_share"], groups,
                      name="coverage_by_group", formats={"filled_share": SHARE,
                                                         "expected_share": SHARE},
                      start_row=row + 1) + 2
    set_value(ws.cell(row=row, column=1), "largest value gaps")
    ws.cell(row=row, column=1).font = LABEL
    largest = scores.largest_gaps(3)
    for k, gap in enumerate(largest or [], start=1):
        set_value(ws.cell(row=row + k, column=1), gap.gap)
        ws.cell(row=row + k, column=1).alignment = Alignment(vertical="top")
        set_value(ws.cell(row=row + k, column=2), describe(gap))
    if not largest:
        set_value(ws.cell(row=row + 1, column=1), "none")
    row += max(1, len(largest)) + 2
    set_value(ws.cell(row=row, column=1), "shortfalls")
    ws.cell(row=row, column=1).font = LABEL
    for k, s in enumerate(plan.shortfalls[:10], start=1):
        what = f"{s.role_id} slot {s.slot}" if s.role_id else f"touchpoint {s.touchpoint_id}"
        set_value(ws.cell(row=row + k, column=1), what)
        ws.cell(row=row + k, column=1).alignment = Alignment(vertical="top")
        set_value(ws.cell(row=row + k, column=2),
                  f"{'critical' if s.critical else 'optional'}, {s.reason_code}: {s.reason}")
    if not plan.shortfalls:
        set_value(ws.cell(row=row + 1, column=1), "none")
    elif len(plan.shortfalls) > 10:
        set_value(ws.cell(row=row + 11, column=1),
                  f"... {len(plan.shortfalls) - 10} more on the shortfalls sheet")
    fit_widths(ws)
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 62
    ws.column_dimensions["C"].width = 16
    wrap_column(ws, "B", 60)
    _charts(ws, team_last, coverage_last, ws.max_row + 2)


def write_appendix(ws: Worksheet, network: Network, plan: Plan) -> None:
    """How the plan was made: the input, the locks, the profile and its weights, the solver's
    status and settings (off the memo's page)."""
    gap_text = "-" if plan.gap is None else f"{plan.gap:.2%}"
    rows = [
        ("input", Path(network.source).name if network.source else "(in memory)"),
        *([("locks", f"{len(network.locks)} slot(s) held as locked"
            + (f", taken from {Path(network.locks_source).name}" if network.locks_source
               else " (the input's locks sheet)"))] if network.locks else []),
        *([("plan start", f"{cal.start.isoformat()}"
            + ("" if network.policy.plan_start else " (the day of the run: no plan_start set)")
            + f"; {cal.horizon} periods of {cal.months} month(s)")]
          if (cal := calendar_of(network)) is not None else []),
        ("profile", plan.profile.name),
        *[(f"weight {k}", f"{getattr(plan.profile, k):g}: {meaning}")
          for k, meaning in WEIGHT_MEANINGS.items()],
        ("status", f"{plan.status} ({plan.stopped_by}), gap to proven bound {gap_text}"
         + (" (a Lagrangian bound)" if plan.bound_source == "lagrangian" else "")),
        ("time limit, seed, workers",
         f"{plan.settings.get('time_limit_s', '-')} s, {plan.settings.get('seed', '-')}, "
         f"{plan.settings.get('workers', '-') or 'auto'}"
         + (", deterministic" if plan.settings.get("deterministic") else "")),
    ]
    write_table(ws, ["item", "value"], rows, name="appendix")
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 90
    wrap_column(ws, "B", 88)


def _charts(ws: Worksheet, team_last: int, coverage_last: int, top: int) -> None:
    """Cost by partner and coverage by touchpoint, one under the other below the memo's
    figures (from row ``top``), as wide as the text: the page prints at full width. Both are
    horizontal bars, a bar and a readable label for each partner and each touchpoint."""
    wb = ws.parent
    for sheet, last, title, axis, columns, fmt in (
            ("team", team_last, "Cost by partner", "total cost", (9, 9), None),
            ("coverage", coverage_last, "Coverage by touchpoint", "share of slots", (9, 10),
             "0%")):
        if last < 2:
            continue
        source = wb[sheet]
        chart = BarChart()
        chart.type = "bar"
        chart.title = title
        chart.y_axis.title = axis
        chart.add_data(Reference(source, min_col=columns[0], max_col=columns[1], min_row=1,
                                 max_row=last), titles_from_data=True)
        chart.set_categories(Reference(source, min_col=2, min_row=2, max_row=last))  # names
        if fmt:
            chart.y_axis.number_format = fmt
            chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, 1
        else:
            chart.legend = None
        chart.x_axis.tickLblSkip = 1  # a label for every bar
        chart.height = min(16.0, max(7.5, 0.55 * (last - 1) * (columns[1] - columns[0] + 1)
                                     + 2.5))
        chart.width = 18
        ws.row_breaks.append(Break(id=top - 1))  # each chart on a page of its own
        ws.add_chart(chart, f"A{top}")
        top += math.ceil(chart.height / 0.53) + 2  # a row is about half a centimetre


def build_report(network: Network, plan: Plan, scores: Scores, today: Baseline | None = None,
                 why: Explanations | None = None, alternatives: Comparison | None = None,
                 summary: Memo | None = None) -> Workbook:
    """The report workbook; ``today``, the plan against today's network, is worked out here
    when the caller has not (it is None anyway without a current sheet); ``why``, the plan's
    explanations, adds the why sheet; returned bids add the award and bidders sheets."""
    wb = Workbook()
    first = wb.active
    first.title = "summary"
    team_last = write_team(wb.create_sheet("team"), network, plan, scores)
    write_assignments_sheet(wb.create_sheet("assignments"), network, plan)
    write_cost(wb.create_sheet("cost"), network, plan, wb.create_sheet("cost_by_partner"))
    today = today or baseline(network, plan.profile, plan)
    summary = summary or memo(network, plan, scores, today)
    write_blueprint_sheet(wb.create_sheet("blueprint"), blueprint(network, plan, scores,
                                                                  summary))
    coverage_last = write_coverage(wb.create_sheet("coverage"), network, scores, plan)
    if network.sites:
        _write(wb.create_sheet("sites"), sites_table(network, scores))
    write_coverage_matrix(wb.create_sheet("coverage_matrix"), network, plan)
    write_cohesion(wb.create_sheet("cohesion"), network, plan, scores)
    write_ties(wb.create_sheet("ties"), network, plan)
    write_gaps(wb.create_sheet("gaps"), network, scores)
    write_shortfalls(wb.create_sheet("shortfalls"), network, plan)
    if today is not None:
        write_changes(wb.create_sheet("changes"), network, today)
        if today.periods:
            write_timeline(wb.create_sheet("timeline"), network, today)
    if why is not None:
        write_why(wb.create_sheet("why"), network, why)
    if alternatives is not None:
        write_alternatives(wb.create_sheet("alternatives"), network, alternatives)
    if network.bids_sources:
        from orchestra.report.sourcing import write_award_sheets
        from orchestra.sourcing import award

        write_award_sheets(wb, network, award(network, plan))
    write_inputs(wb.create_sheet("inputs"), network, plan)
    write_appendix(wb.create_sheet("appendix"), network, plan)
    write_summary(first, network, plan, scores, team_last, coverage_last, today, summary)
    print_ready(wb, "orchestra plan report", network)
    return wb


def write_report(network: Network, plan: Plan, scores: Scores, path: str | Path, *,
                 force: bool = False, today: Baseline | None = None,
                 why: Explanations | None = None, alternatives: Comparison | None = None,
                 summary: Memo | None = None) -> Path:
    """Write the report to ``path`` atomically; never over the input, nor over another file
    without ``force``.

    >>> import tempfile, pathlib, orchestra
    >>> from orchestra.score import score
    >>> net = orchestra.load_workbook("inputs/bank.xlsx")
    >>> result = orchestra.plan(net, orchestra.load_profile("lowest_cost"),
    ...                         orchestra.SolveSettings(time_limit_s=10))
    >>> out = write_report(net, result, score(net, result),
    ...                    pathlib.Path(tempfile.mkdtemp()) / "report.xlsx")
    >>> out.suffix
    '.xlsx'
    """
    book = build_report(network, plan, scores, today, why, alternatives, summary)
    return save_atomic(book, path, force=force, inputs=inputs_of(network))
