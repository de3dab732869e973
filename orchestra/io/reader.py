"""Raw tables out of an .xlsx workbook or a folder of .csv files, with cell locations.

Nothing here knows what the columns mean; ``loader`` does. Workbooks are read with
python-calamine (Rust): on a 5,000-partner workbook it is many times faster than openpyxl
(see ``benchmarks/``). Before calamine parses a byte, ``archive`` checks every part and scans
the wanted sheets, so that a zip bomb, an XML entity attack, a damaged part or a stray far cell
is refused with a clear message, and Excel error values are kept apart from blanks.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from orchestra.errors import UnsafeInputError
from orchestra.io.archive import (
    MAX_CELLS,
    MAX_COLUMNS,
    check_archive,
    column_letter,
    scan_sheet,
    shared_string_count,
    sheet_parts,
)
from orchestra.io.extent import sheet_extents

# A CSV field longer than this is refused (Python's csv module stops at 128 KB by default).
MAX_CSV_FIELD = 1 << 20
# C0 control characters other than tab, line feed and carriage return: Excel stores a pasted
# vertical tab as _x000B_, and no spreadsheet can write them back.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ExcelError(str):
    """An Excel error value (#REF!, #N/A, #DIV/0!) in a cell: never a blank, never a number."""


def clean_text(value: object) -> object:
    """Text without control characters; other values unchanged.

    >>> clean_text("Front\x0bdesk"), clean_text(3.5)
    ('Frontdesk', 3.5)
    """
    if isinstance(value, str) and not isinstance(value, ExcelError):
        return CONTROL.sub("", value)
    return value


def id_list(text: object) -> tuple[str, ...]:
    """The ids a cell lists, separated by ; (or ,), each once, in order.

    >>> id_list("P01; P02,P01"), id_list(None)
    (('P01', 'P02'), ())
    """
    return tuple(dict.fromkeys(part.strip() for part in str(text or "").replace(",", ";")
                               .split(";") if part.strip()))


@dataclass(frozen=True)
class RawTable:
    """One sheet as read: header names (lower-cased, stripped) and rows of raw cell values.

    ``rows`` holds ``(row_number, values)``, where ``row_number`` is the spreadsheet row (1 is
    the header) or CSV line, and blank rows are already dropped. Text holds no control characters;
    an Excel error value is an ``ExcelError``.
    """

    sheet: str
    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[object, ...]], ...]
    is_csv: bool
    strict_header: bool = True  # an unknown header close to a contract column is an error
    is_frame: bool = False  # a pandas DataFrame: row n is the frame's row n - 2 (0 first)

    def where(self, row: int, col: int | None = None) -> str:
        """Location of a cell for error messages: ``roles!E7``, ``roles.csv:7:min_level`` or,
        for a DataFrame, ``roles[row 5].min_level``."""
        if self.is_frame:
            if row < 2:
                return f"{self.sheet} columns" + (f".{self.header[col]}" if col is not None
                                                  else "")
            cell = f"{self.sheet}[row {row - 2}]"
            return cell if col is None else f"{cell}.{self.header[col]}"
        if self.is_csv:
            if col is None:
                return f"{self.sheet}.csv:{row}"
            return f"{self.sheet}.csv:{row}:{self.header[col]}"
        if col is None:
            return f"{self.sheet}!{row}:{row}"
        return f"{self.sheet}!{column_letter(col)}{row}"

    @property
    def label(self) -> str:
        return f"{self.sheet}.csv" if self.is_csv else self.sheet


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _table(sheet: str, grid: list[list[object]], is_csv: bool) -> RawTable:
    rows = iter(enumerate(grid, start=1))
    header: tuple[str, ...] = ()
    for _number, values in rows:
        if not all(_is_blank(v) for v in values):
            header = tuple("" if _is_blank(v) else str(clean_text(v)).strip().lower()
                           for v in values)
            break
    # Trailing empty header cells are ignored, together with whatever lies under them.
    width = len(header)
    while width and header[width - 1] == "":
        width -= 1
    header = header[:width]
    body = []
    for number, values in rows:
        values = values[:width]
        if values.count("") == len(values):  # calamine's empty cells: skipped at C speed
            continue
        values = tuple(clean_text(v) for v in values) + ("",) * (width - len(values))
        if all(_is_blank(v) for v in values):
            continue
        body.append((number, values))
    return RawTable(sheet, header, tuple(body), is_csv)


def read_xlsx(path: Path, sheets: Collection[str] | None = None) -> dict[str, RawTable]:
    """The sheets of a workbook named in ``sheets`` (all if None), keyed by lower-cased name.

    The archive is checked first (see ``archive``), and only the wanted sheets are parsed.
    """
    from python_calamine import CalamineWorkbook

    where = path.name
    with check_archive(path) as zipped:
        parts = sheet_parts(zipped, where)
        wanted = {key: name for key, (name, _) in parts.items()
                  if sheets is None or key in sheets}
        shared = shared_string_count(zipped, where)
        facts = {key: scan_sheet(zipped, parts[key][1], key, where, shared) for key in wanted}
    expected = "an undamaged .xlsx file: open it in Excel or LibreOffice and save it again"
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for corrupt files
        raise UnsafeInputError(where, f"cannot be read as a workbook ({exc})", expected) from exc
    grids = {}
    for key, name in wanted.items():
        try:
            grids[key] = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception as exc:
            raise UnsafeInputError(where, f"is damaged: sheet {name} cannot be read ({exc})",
                                   expected) from exc
    tables = {}
    for key, grid in grids.items():
        for (row, col), error in facts[key].errors.items():
            if row - 1 < len(grid) and col < len(grid[row - 1]):
                grid[row - 1][col] = ExcelError(error)
        tables[key] = _table(key, grid, is_csv=False)
    return tables


OTHER_WORKBOOKS = (".ods", ".xls", ".xlsb")  # read by calamine as well
ERROR_VALUES = frozenset({"#REF!", "#N/A", "#DIV/0!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!"})


def read_other_workbook(path: Path, sheets: Collection[str] | None = None
                        ) -> dict[str, RawTable]:
    """An OpenDocument (.ods, LibreOffice's own), Excel 97-2003 (.xls) or binary (.xlsb)
    workbook: the zip-based ones checked part by part as an .xlsx is, each wanted sheet's extent
    checked against the limits before a cell is read; error values become ``ExcelError``."""
    from python_calamine import CalamineWorkbook

    where = path.name
    if path.suffix.lower() in (".ods", ".xlsb"):
        check_archive(path).close()
    # calamine expands every sheet of an .ods or .xls when it opens one: measured first.
    for name, (height, width) in sheet_extents(path).items():
        _check_extent(where, name, height, width)
    expected = f"an undamaged {path.suffix.lower()} file: open it and save it again"
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:
        raise UnsafeInputError(where, f"cannot be read as a workbook ({exc})", expected) from exc
    tables = {}
    for name in book.sheet_names:
        key = name.strip().lower()
        if sheets is not None and key not in sheets:
            continue
        try:
            sheet = book.get_sheet_by_name(name)
            _check_extent(where, name, sheet.total_height, sheet.total_width)
            grid = sheet.to_python(skip_empty_area=False)
        except UnsafeInputError:
            raise
        except Exception as exc:
            raise UnsafeInputError(where, f"is damaged: sheet {name} cannot be read ({exc})",
                                   expected) from exc
        grid = [[ExcelError(v) if isinstance(v, str) and v in ERROR_VALUES else v for v in row]
                for row in grid]
        tables[key] = _table(key, grid, is_csv=False)
    return tables


def _check_extent(where: str, sheet: str, height: int, width: int) -> None:
    if width > MAX_COLUMNS or width * height > MAX_CELLS:
        raise UnsafeInputError(
            f"{where}: sheet {sheet}", f"spans {height:,} rows and {width:,} columns",
            f"at most {MAX_COLUMNS:,} columns and {MAX_CELLS:,} cells: clear stray "
            "cells far from the table")


def read_csv_text(sheet: str, text: str) -> RawTable:
    """One CSV table from its text; a leading byte-order mark is ignored."""
    limit = csv.field_size_limit(MAX_CSV_FIELD)
    try:
        grid = [list(row) for row in csv.reader(io.StringIO(text.lstrip("\ufeff")))]
    except csv.Error as exc:
        raise UnsafeInputError(f"{sheet}.csv", f"cannot be read as CSV ({exc})",
                               f"comma-separated text, no field over {MAX_CSV_FIELD:,} characters"
                               ) from exc
    finally:
        csv.field_size_limit(limit)
    return _table(sheet, grid, is_csv=True)


def csv_files(path: Path) -> list[Path]:
    """The ``.csv`` files of a folder, whatever the case of the extension."""
    try:
        return sorted(f for f in path.iterdir() if f.suffix.lower() == ".csv")
    except OSError as exc:
        raise UnsafeInputError(path.name, f"cannot be listed ({exc.strerror})",
                               "a readable folder of .csv files") from exc


def read_csv_folder(path: Path, sheets: Collection[str] | None = None) -> dict[str, RawTable]:
    """The ``*.csv`` files of a folder named in ``sheets`` (all if None), keyed by stem."""
    tables = {}
    for file in csv_files(path):
        key = file.stem.strip().lower()
        if sheets is not None and key not in sheets:
            continue
        if key in tables:
            raise UnsafeInputError(file.name, f"is a second file for the {key} table",
                                   "one .csv file per table")
        if not file.is_file():
            raise UnsafeInputError(file.name, "is not a file", "a .csv file")
        try:
            text = file.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise UnsafeInputError(file.name, f"is not UTF-8 text ({exc.reason})",
                                   "a CSV file saved as UTF-8") from exc
        except OSError as exc:
            raise UnsafeInputError(file.name, f"cannot be read ({exc.strerror})",
                                   "a readable .csv file") from exc
        tables[key] = read_csv_text(key, text)
    return tables


def read_tables(path: str | Path, sheets: Collection[str] | None = None
                ) -> dict[str, RawTable]:
    """Raw tables from a workbook or a CSV folder, only those named in ``sheets`` (all if
    None); anything else is refused."""
    path = Path(path)
    if not path.exists():
        raise UnsafeInputError(str(path), "does not exist", "an .xlsx workbook or a folder of .csv")
    if path.is_dir():
        return read_csv_folder(path, sheets)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return read_xlsx(path, sheets)
    if path.suffix.lower() in OTHER_WORKBOOKS:
        return read_other_workbook(path, sheets)
    raise UnsafeInputError(path.name, "is neither a workbook nor a folder",
                           "a workbook (.xlsx, .xlsm, .ods, .xls, .xlsb) or a folder of .csv "
                           "files")

