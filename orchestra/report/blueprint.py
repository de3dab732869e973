"""The service blueprint: the planned network drawn on the customer journey.

Laid out after Bitner, Ostrom and Morgan (2008): one column per touchpoint in journey order;
lanes from top to bottom, physical evidence (the channel), customer actions (the touchpoint),
the line of interaction, the front stage (roles of front-stage touchpoints), the line of
visibility, the back stage (roles of back-stage touchpoints), the line of internal interaction,
and support processes (back-stage roles only in-house partners serve). ``blueprint`` works out
the lanes and boxes (plain records, shared by the HTML page and the workbook's sheet);
``render_html`` draws them with a Jinja2 template that escapes every text from the input.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from pathlib import Path

from orchestra.domain import Network, Plan
from orchestra.memo import Memo
from orchestra.score import Scores
from orchestra.score.gaps import GAPS, describe

LANES = ("front", "back", "support")
LANE_TITLES = {"evidence": "physical evidence", "customer": "customer actions",
               "front": "front stage", "back": "back stage", "support": "support processes"}
SEVERITY_ORDER = ("major", "minor", "none", "no data")
# Fill by expected delivered share of the role's slots: (at least, colour, words).
SHARE_FILLS = ((0.95, "#c9e7c9", "95 % or more"), (0.80, "#e6f2c2", "80-95 %"),
               (0.50, "#fce4b6", "50-80 %"), (0.0, "#f4b6b6", "under 50 %"))
# Gap markers: a colour-blind-safe palette (Okabe and Ito), and a sign and a style of their
# own for each severity, so that no reader depends on the colour.
SEVERITY_FILLS = {"major": "#D55E00", "minor": "#E69F00", "none": "#009E73",
                  "no data": "#d0d0d0"}
SEVERITY_SIGNS = {"major": "!!", "minor": "!", "none": "✓", "no data": "?"}


@dataclass(frozen=True)
class RoleBox:
    role_id: str
    name: str
    lane: str  # front / back / support
    partners: tuple[tuple[str, bool], ...]  # (partner name, a single point of failure here)
    filled: int
    required: int
    expected_share: float
    moment_of_truth: bool
    critical: bool
    open_reasons: tuple[str, ...]  # "open (critical): capacity: ..." per open slot
    sites: str = ""  # a role needed at several sites: "sites 7/8 filled"

    @property
    def fill(self) -> str:
        return next(colour for floor, colour, _ in SHARE_FILLS if self.expected_share >= floor)

    @property
    def heading(self) -> list[str]:
        """The box's name as printed: starred on a moment of truth, on up to two lines."""
        return wrapped(("★ " if self.moment_of_truth else "") + self.name, ROLE_CHARS)

    @property
    def title(self) -> str:
        return (f"{self.role_id} {self.name}: {self.filled} of {self.required} slots filled"
                + (f" ({self.sites})" if self.sites else "")
                + f", {self.expected_share:.0%} expected delivered"
                + ("; critical" if self.critical else "; optional"))


@dataclass(frozen=True)
class GapMark:
    gap: str
    severity: str
    title: str

    @property
    def fill(self) -> str:
        """Solid for a gap (major, minor), white with a coloured edge for none or no data."""
        return SEVERITY_FILLS[self.severity] if self.severity in ("major", "minor") else "#fff"

    @property
    def edge(self) -> str:
        return "#444" if self.severity in ("major", "minor") else SEVERITY_FILLS[self.severity]

    @property
    def label(self) -> str:
        """The gap's two letters and its severity's sign: "kn!!", "sp✓"."""
        return self.gap[:2] + SEVERITY_SIGNS[self.severity]


@dataclass(frozen=True)
class Column:
    touchpoint_id: str
    name: str
    channel: str
    stage: str
    kind: str
    moment_of_truth: bool
    gaps: tuple[GapMark, ...]
    boxes: dict[str, tuple[RoleBox, ...]]  # lane -> role boxes
    action: str = ""  # what the customer does, or what the input does not say
    evidence: str = ""  # what the customer sees, or what the input does not say


@dataclass(frozen=True)
class Blueprint:
    title: str
    subtitle: str
    columns: tuple[Column, ...]
    internal_partners: tuple[str, ...]  # in-house members of the team, by name
    memo: Memo | None = None  # the plan's memo, the page's header


def _gap_marks(scores: Scores, touchpoint_id: str) -> tuple[GapMark, ...]:
    marks = []
    for kind in GAPS:
        rows = [g for g in scores.gaps if g.touchpoint_id == touchpoint_id and g.gap == kind]
        severity = min((g.severity for g in rows), key=SEVERITY_ORDER.index, default="no data")
        title = "; ".join(describe(g) for g in rows) or f"{touchpoint_id} {kind} gap: no data"
        marks.append(GapMark(kind, severity, title))
    return tuple(marks)


MOST_OPEN_REASONS = 3  # per box; the rest are counted


def blueprint(network: Network, plan: Plan, scores: Scores, summary: Memo | None = None,
              site: str | None = None) -> Blueprint:
    """The blueprint of ``plan``: columns in journey order, each role in its lane; the memo
    (``summary``) heads the page. On a network of sites, a role needed at several sites is one
    box with the sites filled of the sites needed; with ``site``, the roles at that site (and
    the network-wide ones) alone."""
    spof = {(tid, pid) for tid, pid in scores.single_points_of_failure}
    on_role: dict[str, list[str]] = {}
    for a in plan.assignments:
        on_role.setdefault(a.role_id, []).append(a.partner_id)
    open_slots: dict[str, list[str]] = {}
    for s in plan.shortfalls:
        if s.role_id:
            tag = "critical" if s.critical else "optional"
            at = network.role[s.role_id].site_id
            open_slots.setdefault(s.role_id, []).append(
                f"open ({tag}){' at ' + at if at and not site else ''}: {s.reason_code}")
    columns = []
    for tp in network.journey:
        boxes: dict[str, list[RoleBox]] = {lane: [] for lane in LANES}
        grouped: dict[str, list] = {}
        for role in network.roles_of(tp.touchpoint_id):
            if site is None or role.site_id in ("", site):
                grouped.setdefault(role.base_id, []).append(role)
        for roles in grouped.values():
            role = roles[0]
            pids = [p for r in roles for p in on_role.get(r.role_id, [])]
            in_house = bool(pids) and all(network.partner[p].kind == "internal" for p in pids)
            lane = "front" if tp.stage == "front" else "support" if in_house else "back"
            required = sum(r.slots for r in roles)
            expected = sum(network.reliability_of(p, r) for r in roles
                           for p in on_role.get(r.role_id, [])) / required
            reasons = [why for r in roles for why in open_slots.get(r.role_id, ())]
            if len(reasons) > MOST_OPEN_REASONS:
                more = len(reasons) - MOST_OPEN_REASONS + 1
                reasons = [*reasons[:MOST_OPEN_REASONS - 1], f"and {more} more open slots"]
            full = sum(1 for r in roles if len(on_role.get(r.role_id, [])) >= r.slots)
            boxes[lane].append(RoleBox(
                role.base_id, role.name, lane,
                tuple((network.partner[p].name, (tp.touchpoint_id, p) in spof)
                      for p in dict.fromkeys(pids)),
                len(pids), required, expected, tp.moment_of_truth, role.critical,
                tuple(reasons), f"sites {full}/{len(roles)} filled" if role.site_id
                and site is None else ""))
        columns.append(Column(tp.touchpoint_id, tp.name, tp.channel, tp.stage, tp.kind,
                              tp.moment_of_truth, _gap_marks(scores, tp.touchpoint_id),
                              {lane: tuple(b) for lane, b in boxes.items()},
                              tp.customer_action or ("(back office: no customer action)"
                                                     if tp.stage == "back"
                                                     else "(customer action not stated)"),
                              tp.evidence or (f"{tp.channel} (evidence not stated)"
                                              if tp.channel else "(evidence not stated)")))
    source = Path(network.source).name if network.source else "(in memory)"
    gap = "" if plan.gap is None or plan.status == "optimal" else f", gap {plan.gap:.1%}"
    unit = network.policy.money_unit
    where = f"site {site} {network.site[site].name} - " if site else ""
    subtitle = (f"{source} - {where}profile {plan.profile.name} - {len(plan.selected)} partners, "
                f"total cost {plan.total_cost:,.2f}{' ' + unit if unit else ''} - "
                f"plan {plan.status}{gap} - "
                f"{len(plan.critical_shortfalls)} critical slot(s) open")
    internal = tuple(network.partner[p].name for p in plan.selected
                     if network.partner[p].kind == "internal")
    return Blueprint("Service blueprint", subtitle, tuple(columns), internal, summary)


# --- the HTML page -------------------------------------------------------------------------------

COLUMN_WIDTH = 190
CELL_WIDTH = 26  # characters: a column of the workbook's blueprint sheet
LABEL_WIDTH = 130
LINE_HEIGHT = 15
BOX_GAP = 8


ROLE_CHARS, TOUCHPOINT_CHARS = 24, 22  # a role's and a touchpoint's name, per line


def _box_height(box: RoleBox) -> int:
    lines = (len(box.heading) + 1 + bool(box.sites) + max(1, len(box.partners))
             + len(box.open_reasons))
    return lines * LINE_HEIGHT + 10


def _geometry(bp: Blueprint) -> dict:
    """Lane tops and heights and each box's position, in SVG units."""
    heights = {"evidence": 34, "customer": 98}
    for lane in LANES:
        tallest = max((sum(_box_height(b) + BOX_GAP for b in col.boxes[lane])
                       for col in bp.columns), default=0)
        heights[lane] = max(40, tallest + BOX_GAP)
    if bp.internal_partners:  # the in-house list under the support lane's name
        heights["support"] = max(heights["support"], 52 + 13 * min(len(bp.internal_partners), 6))
    tops, y = {}, 64
    for lane in ("evidence", "customer", "front", "back", "support"):
        tops[lane] = y
        y += heights[lane]
    placed = []
    for k, col in enumerate(bp.columns):
        x = LABEL_WIDTH + k * COLUMN_WIDTH
        for lane in LANES:
            top = tops[lane] + BOX_GAP
            for box in col.boxes[lane]:
                placed.append({"box": box, "x": x + 6, "y": top, "w": COLUMN_WIDTH - 12,
                               "h": _box_height(box)})
                top += _box_height(box) + BOX_GAP
    width = LABEL_WIDTH + len(bp.columns) * COLUMN_WIDTH + 10
    return {"tops": tops, "heights": heights, "placed": placed, "width": width,
            "height": y + 40}


# Bidirectional controls (embeddings, overrides, isolates, marks): in a label they reverse
# or reorder the text around them, so "P01 (safe)" could be shown as a different id.
BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def without_bidi(value: object) -> object:
    """Every text the page shows, with bidirectional controls removed.

    >>> without_bidi("ab\u202ecd"), without_bidi(3)
    ('abcd', 3)
    """
    from markupsafe import Markup

    if isinstance(value, Markup):  # the page's own markup (a drawing), its texts done
        return value
    return BIDI.sub("", value) if isinstance(value, str) else value


def fit(value: object, chars: int) -> str:
    """``value`` as text in at most ``chars`` characters (an ellipsis where cut), so that a
    label stays inside its box whatever the input holds.

    >>> fit("Front desk and concierge", 12), fit("R01", 12)
    ('Front desk …', 'R01')
    """
    text = without_bidi(str(value))
    return text if len(text) <= chars else text[:chars - 1] + "…"


def wrapped(value: object, chars: int, most: int = 2) -> list[str]:
    """``value`` wrapped at word breaks into at most ``most`` lines of ``chars`` characters,
    the last cut with an ellipsis where the text is longer: a name stays inside its box.

    >>> wrapped("Compare accounts online and in branches", 22)
    ['Compare accounts', 'online and in branches']
    >>> wrapped("Front desk, concierge and guest relations team", 16)
    ['Front desk,', 'concierge and g…']
    """
    import textwrap

    lines = textwrap.wrap(without_bidi(str(value)), chars, break_on_hyphens=False) or [""]
    if len(lines) > most:
        rest = " ".join(lines[most - 1:])
        lines = [*lines[:most - 1], fit(rest, chars)]
    return lines


PRINT_MM = (404, 279)  # an A3 landscape page, less its margins
MEMO_MM = 43  # the memo above the first page's drawing
MIN_PRINT_PT, FONT_UNITS = 7.0, 9.5  # the smallest text (a gap marker's), in SVG units


def _printed_pt(bp: Blueprint, height_mm: float = PRINT_MM[1]) -> float:
    """The size the smallest text prints at when ``bp`` fills a page ``height_mm`` tall (the
    page fits the drawing by width or height, whichever binds)."""
    g = _geometry(bp)
    mm_per_unit = min(PRINT_MM[0] / g["width"], height_mm / (g["height"] + 60))
    return FONT_UNITS * mm_per_unit * 72 / 25.4


def print_parts(bp: Blueprint) -> list[Blueprint]:
    """The blueprint as printed: one page while its smallest text stays at least
    ``MIN_PRINT_PT``, else the journey in consecutive parts, each as many touchpoints as keep
    it so (a single touchpoint at the least), one part a page, the first under the memo. The
    screen shows it whole and scrolls."""
    parts: list[Blueprint] = []
    start = 0
    while start < len(bp.columns):
        room = PRINT_MM[1] - (MEMO_MM if bp.memo and not parts else 0)
        end = start + 1
        while end < len(bp.columns) and _printed_pt(
                replace(bp, columns=bp.columns[start:end + 1]), room) >= MIN_PRINT_PT:
            end += 1
        parts.append(replace(bp, columns=bp.columns[start:end]))
        start = end
    return parts


def render_html(bp: Blueprint) -> str:
    """One self-contained page: inline SVG and CSS, no script, nothing loaded from elsewhere."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("orchestra.report", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True, finalize=without_bidi)
    env.filters["fit"] = fit
    env.filters["wrapped"] = wrapped
    template = env.get_template("blueprint.html.j2")
    pages = [(part, _geometry(part)) for part in print_parts(bp)]
    return template.render(bp=bp, g=_geometry(bp), pages=pages, column_width=COLUMN_WIDTH,
                           label_width=LABEL_WIDTH, line_height=LINE_HEIGHT,
                           role_chars=ROLE_CHARS, touchpoint_chars=TOUCHPOINT_CHARS,
                           lane_titles=LANE_TITLES, share_fills=SHARE_FILLS,
                           severity_fills=SEVERITY_FILLS, severity_signs=SEVERITY_SIGNS,
                           gaps=GAPS)


def write_blueprint(network: Network, plan: Plan, scores: Scores, path: str | Path, *,
                    force: bool = False, summary: Memo | None = None,
                    site: str | None = None) -> Path:
    """Write the blueprint page to ``path`` atomically (never over an input).

    >>> import tempfile, pathlib, orchestra
    >>> from orchestra.score import score
    >>> net = orchestra.load_workbook("inputs/bank.xlsx")
    >>> result = orchestra.plan(net, orchestra.load_profile("lowest_cost"),
    ...                         orchestra.SolveSettings(time_limit_s=10))
    >>> page = write_blueprint(net, result, score(net, result),
    ...                        pathlib.Path(tempfile.mkdtemp()) / "blueprint.html")
    >>> "line of visibility" in page.read_text(encoding="utf-8")
    True
    """
    from orchestra.report.xlsx import inputs_of, save_text

    if summary is None:
        from orchestra.memo import memo
        from orchestra.score.baseline import baseline

        summary = memo(network, plan, scores, baseline(network, plan.profile, plan))
    return save_text(render_html(blueprint(network, plan, scores, summary, site)), path,
                     force=force, inputs=inputs_of(network))


# --- the workbook's sheet ------------------------------------------------------------------------


def write_blueprint_sheet(ws, bp: Blueprint) -> None:
    """The blueprint laid out in cells: lanes as rows (a lane of role boxes gets as many rows as
    its fullest column), touchpoints as columns in journey order, the three lines as borders
    (solid, dashed, dotted), each role's cell filled by its expected delivered share."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    from orchestra.report.xlsx import set_value

    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    set_value(ws.cell(row=1, column=1), f"{bp.title}: {bp.subtitle}")
    ws.cell(row=1, column=1).font = Font(bold=True, size=13)
    row = 3
    set_value(ws.cell(row=row, column=1), LANE_TITLES["evidence"])
    set_value(ws.cell(row=row + 1, column=1), LANE_TITLES["customer"])
    for k, col in enumerate(bp.columns, start=2):
        set_value(ws.cell(row=row, column=k), col.evidence)
        gaps = ", ".join(f"{m.gap} {m.severity}" for m in col.gaps
                         if m.severity in ("major", "minor"))
        cell = ws.cell(row=row + 1, column=k)
        set_value(cell, f"{col.action}\n{'★ ' if col.moment_of_truth else ''}{col.name} "
                        f"({col.touchpoint_id})" + (f"\ngaps: {gaps}" if gaps else ""))
        cell.font, cell.alignment = bold, wrap
        cell.fill = PatternFill("solid", fgColor="E8EEF8")
    row += 2
    lines = {"front": Side(style="thick"), "back": Side(style="mediumDashed"),
             "support": Side(style="dotted")}
    for lane in LANES:
        # The line above each role lane: interaction, visibility, internal interaction.
        for k in range(1, len(bp.columns) + 2):
            ws.cell(row=row - 1, column=k).border = Border(bottom=lines[lane])
        depth = max([1, *(len(col.boxes[lane]) for col in bp.columns)])
        set_value(ws.cell(row=row, column=1), LANE_TITLES[lane])
        for k, col in enumerate(bp.columns, start=2):
            for offset, box in enumerate(col.boxes[lane]):
                partners = "\n".join(f"{name}{' (F)' if fail else ''}"
                                     for name, fail in box.partners) or "no partner"
                text = (f"{'★ ' if box.moment_of_truth else ''}{box.name} ({box.role_id}), "
                        f"{box.filled}/{box.required}, {box.expected_share:.0%}"
                        + (f", {box.sites}" if box.sites else "") + f"\n{partners}"
                        + "".join(f"\n{reason}" for reason in box.open_reasons))
                cell = ws.cell(row=row + offset, column=k)
                set_value(cell, text)
                cell.alignment = wrap
                cell.fill = PatternFill("solid", fgColor=box.fill.lstrip("#").upper())
        row += depth + 1
    for r in range(3, row):
        ws.cell(row=r, column=1).font = bold
        ws.cell(row=r, column=1).alignment = wrap
    set_value(ws.cell(row=row + 1, column=1),
              "★ moment of truth; (F) fail point: no other selected partner could take over; "
              "fill: expected delivered share (green 95 % or more, light green 80-95 %, "
              "orange 50-80 %, red under 50 %); lines: thick = line of interaction, dashed = "
              "line of visibility, dotted = line of internal interaction")
    ws.column_dimensions["A"].width = 18
    for k in range(2, len(bp.columns) + 2):
        ws.column_dimensions[ws.cell(row=1, column=k).column_letter].width = CELL_WIDTH
    # Not every program fits a row to its wrapped text: each row as tall as its fullest cell.
    # Bold text (the customer row) runs about a tenth wider: counted at fewer characters.
    for r in range(3, row):
        lines = max((sum(math.ceil(max(1, len(part)) / (CELL_WIDTH - (5 if c.font.b else 2)))
                         for part in str(c.value).split("\n"))
                     for c in ws[r] if c.value is not None), default=1)
        ws.row_dimensions[r].height = 15 * max(1, lines) + 2
