"""Shared Excel writing: safe text cells, styled tables, and atomic saves.

Every workbook orchestra writes goes through ``save_atomic``: written to a temporary file in the
target folder, then renamed into place, so a crash never leaves half a file, and an existing file
is replaced only with ``force`` (and never when it is the input).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from orchestra.errors import OutputError

HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_FONT = Font(bold=True, color="FFFFFF")
MAX_WIDTH = 60


def set_value(cell, value: object) -> None:
    """Write ``value``; text is always stored as text, never as a formula.

    openpyxl turns a string starting with "=" into a formula; text from the input must stay
    literal (``=HYPERLINK(...)``, ``+1``, ``@x``), so the cell type is forced to string.
    """
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


def write_table(
    ws: Worksheet,
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    name: str | None = None,
    formats: dict[str, str] | None = None,
    start_row: int = 1,
) -> int:
    """Header and rows as an Excel table with filters and banding; returns the last row."""
    formats = formats or {}
    for col, title in enumerate(header, start=1):
        cell = ws.cell(row=start_row, column=col)
        set_value(cell, title)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="center")
    last = start_row
    for last, row in enumerate(rows, start=start_row + 1):
        for col, value in enumerate(row, start=1):
            cell = ws.cell(row=last, column=col)
            set_value(cell, value)
            fmt = formats.get(header[col - 1])
            if fmt:
                cell.number_format = fmt
    if name and header:
        ref = f"A{start_row}:{get_column_letter(len(header))}{max(last, start_row + 1)}"
        table = Table(displayName=name, ref=ref)
        table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
        ws.add_table(table)
    if start_row == 1:
        ws.freeze_panes = "A2"
    fit_widths(ws)
    return last


def fit_widths(ws: Worksheet) -> None:
    """Column widths that fit the content, within reason."""
    widths: dict[int, int] = {}
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is None:
                continue
            text = f"{cell.value:,.2f}" if isinstance(cell.value, float) else str(cell.value)
            longest = max(len(line) for line in text.splitlines()) if text else 0
            widths[cell.column] = max(widths.get(cell.column, 0), longest)
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = min(MAX_WIDTH, width + 3)


def add_dropdown(ws: Worksheet, col: int, choices: Sequence[str], rows: int = 2000) -> None:
    """A list dropdown on column ``col`` (1-based) below the header."""
    validation = DataValidation(type="list", formula1='"' + ",".join(choices) + '"',
                                allow_blank=True)
    validation.error = "Choose one of: " + ", ".join(choices)
    validation.showErrorMessage = True
    letter = get_column_letter(col)
    validation.add(f"{letter}2:{letter}{rows + 1}")
    ws.add_data_validation(validation)


def check_target(path: Path, *, force: bool, inputs: Sequence[Path] = ()) -> None:
    """Refuse to overwrite an input, or an existing file without ``force``."""
    target = path.resolve()
    for source in inputs:
        if source and Path(source).exists() and Path(source).resolve() == target:
            raise OutputError(f"{path}: refusing to overwrite the input; choose another name")
    if path.exists() and not force:
        raise OutputError(f"{path}: already exists; pass --force to replace it")
    if not path.parent.exists():
        raise OutputError(f"{path}: folder {path.parent} does not exist")


def save_atomic(wb: Workbook, path: str | Path, *, force: bool = False,
                inputs: Sequence[Path] = ()) -> Path:
    """Save ``wb`` to ``path`` through a temporary file in the same folder and a rename."""
    path = Path(path)
    check_target(path, force=force, inputs=inputs)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        wb.save(temp)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path
