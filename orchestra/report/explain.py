"""Explanations rendered: the tables (one source for the explain workbook and the plan
report's ``why`` sheet), the terminal sentences and the JSON."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.worksheet.worksheet import Worksheet

from orchestra.domain import Network
from orchestra.explanations import TEAM, WEIGHT_MEANINGS, Explanations
from orchestra.report.tables import site_cells, site_header
from orchestra.report.xlsx import (
    LABEL,
    MONEY,
    SHARE,
    inputs_of,
    print_ready,
    save_atomic,
    set_value,
    wrap_column,
    write_table,
)

Table = tuple[str, list[str], list[list[object]], dict[str, str]]
WRAPPED = ("reason", "what", "meaning")  # long text: wrapped in its column, not cut off


def _table(ws: Worksheet, header: list[str], rows: list[list[object]], name: str,
           formats: dict[str, str] | None = None, start_row: int = 1) -> int:
    last = write_table(ws, header, rows, name=name, formats=formats, start_row=start_row)
    for col, title in enumerate(header, start=1):
        if title in WRAPPED:
            for row in range(start_row + 1, last + 1):
                ws.cell(row=row, column=col).alignment = Alignment(wrap_text=True,
                                                                   vertical="top")
    return last


def _exactness(exact: bool, gap: float | None) -> str:
    if exact:
        return "exact"
    return "approximate" + (f" (re-solve gap {gap:.2%})" if gap is not None else "")


def explanation_tables(network: Network, ex: Explanations) -> list[Table]:
    """(name, header, rows, formats) of the four tables: assignments, candidates, rules, terms."""
    def name(pid: str | None) -> str | None:
        return network.partner[pid].name if pid else None

    def role(rid: str) -> list[object]:
        return [network.role[rid].base_id, network.role[rid].name, *site_cells(network, rid)]

    slots = [[*role(s.role_id), s.partner_id, name(s.partner_id),
              s.status, s.replace_cost, s.replace_cost_money, s.next_best_partner_id,
              name(s.next_best_partner_id), s.reason, _exactness(s.exact, s.gap)]
             for s in ex.assignments]
    cands = [[*role(c.role_id), c.partner_id, name(c.partner_id),
              c.unit_cost, c.status, c.price_to_win, c.price_cut_share, c.reason,
              _exactness(c.exact, c.gap)] for c in ex.candidates]
    rules = [[r.rule, r.subject, r.relaxed_by, r.status, r.objective_gain, r.reason,
              _exactness(r.exact, r.gap)] for r in ex.rules]
    a = ex.anatomy
    names = list(a.terms)
    total = a.total or 1.0
    terms = [["all", "plan", *(a.terms[t] for t in names), a.total, 1.0]]
    for pid, row in a.by_partner.items():
        value = sum(row.values())
        terms.append(["partner", f"{pid} {name(pid)}: {a.parts.get(pid, '')}",
                      *(row.get(t, 0.0) for t in names), value, value / total])
    for tid, row in a.by_touchpoint.items():
        value = sum(row.values())
        label = TEAM if tid == TEAM else f"{tid} {network.touchpoint[tid].name}"
        terms.append(["touchpoint", label, *(row.get(t, 0.0) for t in names), value,
                      value / total])
    money = dict.fromkeys([*names, "objective"], MONEY)
    return [
        ("assignments", ["role_id", "role", *site_header(network), "partner_id", "partner",
                         "status", "replace_cost",
                         "replace_cost_money", "next_best_partner_id", "next_best", "reason",
                         "figure"], slots,
         {"replace_cost": MONEY, "replace_cost_money": MONEY}),
        ("candidates", ["role_id", "role", *site_header(network), "partner_id", "partner",
                        "unit_cost", "status",
                        "price_to_win", "price_cut_share", "reason", "figure"], cands,
         {"unit_cost": MONEY, "price_to_win": MONEY, "price_cut_share": SHARE}),
        ("rules", ["rule", "subject", "relaxed_by", "status", "objective_gain", "reason",
                   "figure"], rules, {"objective_gain": MONEY}),
        ("terms", ["by", "what", *names, "objective", "share"], terms,
         {**money, "share": SHARE}),
    ]


def weight_rows(ex: Explanations) -> list[list[object]]:
    return [[k, v, WEIGHT_MEANINGS[k]] for k, v in ex.anatomy.weights.items()]


WHY_WIDTH = 110  # characters: a landscape page's width at full size


def write_why(ws: Worksheet, network: Network, ex: Explanations) -> None:
    """The plan report's ``why`` sheet: the explanations as sentences, one a row, and the
    profile's weights (printed like the terminal; the figures in columns are in
    ``orchestra explain -o``)."""
    lines = explanation_lines(network, ex) + ["", "the profile's weights:"] + [
        f"  {name} {value:g}: {meaning}" for name, value, meaning in weight_rows(ex)]
    for row, line in enumerate(lines, start=1):
        cell = ws.cell(row=row, column=1)
        set_value(cell, line.strip())
        if line and not line.startswith(" "):
            cell.font = LABEL
    # One sentence a row, wrapped in a column as wide as a page holds at full size (a long
    # sentence runs on over more lines, never past the page or under the next row).
    ws.column_dimensions["A"].width = WHY_WIDTH
    wrap_column(ws, "A", WHY_WIDTH - 4)


def build_explanation(network: Network, ex: Explanations) -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    for title, header, rows, formats in explanation_tables(network, ex):
        ws = wb.create_sheet(title)
        last = _table(ws, header, rows, title, formats)
        if title == "terms":
            _table(ws, ["weight", "value", "meaning"], weight_rows(ex), "weights",
                   start_row=last + 3)
    print_ready(wb, f"orchestra explain ({_status_line(ex)})", network)
    return wb


def write_explanation(network: Network, ex: Explanations, path: str | Path, *,
                      force: bool = False) -> Path:
    return save_atomic(build_explanation(network, ex), path, force=force,
                       inputs=inputs_of(network))


def _status_line(ex: Explanations) -> str:
    p = ex.plan
    gap = "" if p.gap is None or p.status == "optimal" else f", gap {p.gap:.2%}"
    how = ("figures exact where marked: the plan is proven optimal" if p.status == "optimal"
           else "figures approximate: the plan is not proven optimal")
    return f"plan {p.status}{gap}; {how}"


def _money(value: float) -> str:
    return f"{value:,.2f}"


def explanation_lines(network: Network, ex: Explanations) -> list[str]:
    """One sentence per slot, per candidate and per rule, then the objective's terms."""
    def who(pid: str) -> str:
        return f"{pid} {network.partner[pid].name}"

    lines = [_status_line(ex), "", "why each partner serves its role:"]
    for s in ex.assignments:
        head = f"  {network.where(s.role_id)} {network.role[s.role_id].name}: {who(s.partner_id)}."
        if s.status == "irreplaceable":
            lines.append(f"{head} Irreplaceable: {s.reason}.")
        elif s.status == "not_solved":
            lines.append(f"{head} Not solved.")
        else:
            nxt = (f"Next best {who(s.next_best_partner_id)}" if s.next_best_partner_id
                   else "Without it")
            lines.append(f"{head} {nxt}, {s.replace_cost:+,.2f} on the objective "
                         f"({s.replace_cost_money:+,.2f} in cost)"
                         + (f"; without it {s.reason}" if s.reason else "")
                         + ("" if s.exact else " (approximate)") + ".")
    if ex.waits:
        lines += ["", "when each change takes effect (ending today's contract early, or "
                  "waiting for it to run out):"]
    for w in ex.waits:
        other = "waiting" if w.early else f"ending it early (fee {w.fee:,.2f})"
        chosen = (f"ended early for {w.fee:,.2f}, from {w.effective.isoformat()}" if w.early
                  else f"waits for its contract, from {w.effective.isoformat()}")
        lines.append(f"  {network.where(w.role_id)} {who(w.from_partner)}"
                     f"{' -> ' + who(w.to_partner) if w.to_partner else ''}: {chosen}; "
                     f"{other} (from {w.other_effective.isoformat()}) would cost "
                     f"{w.other_costs_more:,.2f} more over the horizon.")
    if ex.candidates:
        lines += ["", "what a candidate would have to bid:"]
    for c in ex.candidates:
        head = f"  {who(c.partner_id)} on {network.where(c.role_id)}"
        if c.status == "can_win" and c.price_to_win is None:  # its price weighs nothing
            lines.append(f"{head}: can win at any price: {c.reason}.")
        elif c.status == "can_win":
            cut = (f", {c.price_cut_share:.1%} below its bid of {_money(c.unit_cost)}"
                   if c.price_cut_share is not None else "")
            lines.append(f"{head}: would win at {_money(c.price_to_win)} per unit{cut}"
                         + ("" if c.exact else " (approximate)") + ".")
        else:
            price = (f" (price to win {_money(c.price_to_win)})"
                     if c.price_to_win is not None else "")
            lines.append(f"{head}: {c.status.replace('_', ' ')}{price}: {c.reason}.")
    if ex.rules:
        lines += ["", "what each rule costs (objective gained by relaxing it):"]
    for r in sorted(ex.rules, key=lambda r: (r.status != "binds", -(r.objective_gain or 0))):
        gain = "-" if r.objective_gain is None else f"{r.objective_gain:+,.2f}"
        lines.append(f"  {r.rule} {r.subject}, {r.relaxed_by}: {r.status}, {gain}"
                     + (f"; {r.reason}" if r.reason else "")
                     + ("" if r.exact else " (approximate)"))
    a = ex.anatomy
    lines += ["", f"the objective, {_money(a.total)}: " + ", ".join(
        f"{t.replace('_', ' ')} {_money(v)} ({v / a.total:.0%})" if a.total else
        f"{t} {_money(v)}" for t, v in a.terms.items())]
    standing = [f"{who(p)}: {part}" for p, part in a.parts.items()
                if not part.startswith("serves")]
    if standing:
        lines += [f"  {line}" for line in standing]
    return lines


def _n(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def explanations_to_dict(network: Network, ex: Explanations) -> dict:
    """The JSON ``explanations`` object (figures to 6 decimals)."""
    def figure(exact: bool, gap: float | None) -> dict:
        return {"figure": "exact" if exact else "approximate", "resolve_gap": gap}

    a = ex.anatomy
    return {
        "assignments": [{**network.ref(s.role_id), "partner_id": s.partner_id,
                         "replace_cost": _n(s.replace_cost),
                         "replace_cost_money": _n(s.replace_cost_money),
                         "next_best_partner_id": s.next_best_partner_id, "status": s.status,
                         "reason": s.reason, **figure(s.exact, s.gap)} for s in ex.assignments],
        "candidates": [{**network.ref(c.role_id), "partner_id": c.partner_id,
                        "unit_cost": c.unit_cost, "price_to_win": _n(c.price_to_win),
                        "price_cut_share": _n(c.price_cut_share), "status": c.status,
                        "reason": c.reason, **figure(c.exact, c.gap)} for c in ex.candidates],
        "transition": [{**network.ref(w.role_id), "from_partner_id": w.from_partner,
                        "to_partner_id": w.to_partner, "chosen": w.chosen,
                        "effective": w.effective.isoformat(),
                        "other_effective": w.other_effective.isoformat(),
                        "termination_fee": w.fee,
                        "other_costs_more": _n(w.other_costs_more)} for w in ex.waits],
        "rules": [{"rule": r.rule, "subject": r.subject, "relaxed_by": r.relaxed_by,
                   "objective_gain": _n(r.objective_gain), "status": r.status, "reason": r.reason,
                   **figure(r.exact, r.gap)} for r in ex.rules],
        "terms": {"total": _n(a.total), "terms": {k: _n(v) for k, v in a.terms.items()},
                  "by_partner": {k: {t: _n(v) for t, v in row.items()}
                                 for k, row in a.by_partner.items()},
                  "by_touchpoint": {k: {t: _n(v) for t, v in row.items()}
                                    for k, row in a.by_touchpoint.items()},
                  "weights": dict(a.weights), "parts": dict(a.parts)},
    }
