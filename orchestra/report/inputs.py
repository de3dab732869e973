"""Writing input workbooks: the empty template and filled examples, both in the contract's shape."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from orchestra.domain import WEIGHT_KEYS
from orchestra.io.contract import BOOL, CHOICE, POLICY_KEYS, SHEETS, contract_rows
from orchestra.report.xlsx import add_dropdown, fit_widths, save_atomic, write_table

Rows = Sequence[Mapping[str, object]]


def _readme(wb: Workbook) -> None:
    """The README sheet: how to fill the workbook, then every sheet's columns and the policy
    keys with meaning, range, unit, default and an example (``contract_rows``)."""
    ws = wb.active
    ws.title = "README"
    lines: list[tuple[object, ...]] = [
        ("orchestra input workbook",),
        ("One sheet per table. Sheet and column names are case-insensitive. Extra columns are "
         "kept and ignored. Every id must be unique in its sheet. Money is in one currency and "
         "every recurring figure per one period: name them with the policy keys currency and "
         "period. A partner's capacity is units of work per period; a role's load is units of "
         "work per slot, and a partner's effort is the capacity one unit of load takes.",),
        ("Run: orchestra validate THIS_FILE, then orchestra plan THIS_FILE.",),
        (),
        ("sheet", "column", "meaning", "range", "unit", "default (when blank)", "example"),
    ]
    rows = contract_rows()
    for sheet in SHEETS:
        lines.append((sheet.name, "required sheet" if sheet.required else "optional sheet",
                      sheet.help))
        lines += [("", r["column"], r["meaning"], r["range"], r["unit"], r["default"],
                   r["example"]) for r in rows if r["sheet"] == sheet.name
                  and r["column"] in {c.name for c in sheet.columns}]
        lines.append(())
    lines.append(("policy keys", "", "Keys for the policy sheet's key column."))
    lines += [("", r["column"], r["meaning"], r["range"], r["unit"], r["default"],
               r["example"]) for r in rows[-len(POLICY_KEYS):]]
    lines += [("", key, "Overrides the profile weight of the same name (see models/).",
               "a number", "typical slot costs", "the profile's", "0.5")
              for key in WEIGHT_KEYS]
    for row in lines:
        ws.append(list(row))
    ws["A1"].font = Font(bold=True, size=14)
    for cell in ws[5]:
        cell.font = Font(bold=True)
    for row in ws.iter_rows(min_row=6):
        if row[0].value:
            row[0].font = Font(bold=True)
        for cell in row:
            cell.alignment = Alignment(wrap_text=False, vertical="top")
    fit_widths(ws)


def build_input_workbook(tables: Mapping[str, Rows] | None = None) -> Workbook:
    """The contract as a workbook, filled with ``tables`` (sheet name -> row dicts) if given."""
    tables = tables or {}
    wb = Workbook()
    _readme(wb)
    for sheet in SHEETS:
        ws = wb.create_sheet(sheet.name)
        header = [c.name for c in sheet.columns]
        rows = tables.get(sheet.name)
        if rows is None and sheet.name == "policy":
            rows = [{"key": k.key, "value": ""} for k in POLICY_KEYS]
        body = [[row.get(name) for name in header] for row in rows or []]
        write_table(ws, header, body, name=f"{sheet.name}_table", empty=None)
        for col, column in enumerate(sheet.columns, start=1):
            if column.kind == CHOICE:
                add_dropdown(ws, col, column.choices)
            elif column.kind == BOOL:
                add_dropdown(ws, col, ("yes", "no"))
            comment_width = max(len(column.name) + 3, 14)
            letter = ws.cell(row=1, column=col).column_letter
            width = ws.column_dimensions[letter].width or 0
            ws.column_dimensions[letter].width = max(width, comment_width)
    return wb


def write_input_workbook(path: str | Path, tables: Mapping[str, Rows] | None = None, *,
                         force: bool = False) -> Path:
    """Write the contract (empty: the template; with tables: an example) to ``path``."""
    return save_atomic(build_input_workbook(tables), path, force=force)


def write_csv_tables(folder: str | Path, tables: Mapping[str, Rows], *, force: bool = False
                     ) -> Path:
    """The same tables as a folder of ``.csv`` files (one per sheet), written atomically each."""
    import csv
    import io
    import os
    import tempfile

    from orchestra.errors import OutputError

    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()) and not force:
        raise OutputError(f"{folder}: folder exists and is not empty; pass --force to write "
                          "into it")
    folder.mkdir(parents=True, exist_ok=True)
    for sheet in SHEETS:
        header = [c.name for c in sheet.columns]
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        for row in tables.get(sheet.name, []):
            writer.writerow(["" if row.get(h) is None else row.get(h) for h in header])
        handle, temp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(handle, "w", newline="", encoding="utf-8") as out:
            out.write(buffer.getvalue())
        os.replace(temp, folder / f"{sheet.name}.csv")
    return folder
