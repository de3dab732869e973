"""Raw tables out of an .xlsx workbook or a folder of .csv files, with cell locations.

Nothing here knows what the columns mean; ``loader`` does. Workbooks are read with
python-calamine (Rust): on a 5,000-partner workbook it is many times faster than openpyxl
(see ``benchmarks/``). Before a byte of XML is parsed, the archive is checked so that a zip
bomb or an XML entity attack is refused with a clear message.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from orchestra.errors import UnsafeInputError

# A 50,000-row capability sheet unpacks to tens of MB; 512 MB is far beyond any real input.
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
# Sheet XML compresses well (10-30x); a thousandfold ratio on a big part is a bomb.
MAX_RATIO = 1000
XML_PROBE_BYTES = 64 * 1024


def column_letter(index: int) -> str:
    """Excel column letter of a 0-based column index.

    >>> column_letter(0), column_letter(25), column_letter(26), column_letter(701)
    ('A', 'Z', 'AA', 'ZZ')
    """
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass(frozen=True)
class RawTable:
    """One sheet as read: header names (lower-cased, stripped) and rows of raw cell values.

    ``rows`` holds ``(row_number, values)``, where ``row_number`` is the spreadsheet row (1 is
    the header) or CSV line, and blank rows are already dropped.
    """

    sheet: str
    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[object, ...]], ...]
    is_csv: bool

    def where(self, row: int, col: int | None = None) -> str:
        """Location of a cell for error messages: ``roles!E7`` or ``roles.csv:7:min_level``."""
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
            header = tuple("" if _is_blank(v) else str(v).strip().lower() for v in values)
            break
    # Trailing empty header cells are ignored, together with whatever lies under them.
    width = len(header)
    while width and header[width - 1] == "":
        width -= 1
    header = header[:width]
    body = []
    for number, values in rows:
        values = tuple(values[:width]) + ("",) * (width - len(values))
        if all(_is_blank(v) for v in values):
            continue
        body.append((number, values))
    return RawTable(sheet, header, tuple(body), is_csv)


def _check_archive(path: Path) -> None:
    """Refuse zip bombs and XML with DOCTYPE/ENTITY declarations before any parser sees them."""
    where = path.name
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnsafeInputError(where, f"is not an Excel workbook ({exc})",
                               "an .xlsx file saved by Excel, LibreOffice or orchestra") from exc
    with archive:
        members = archive.infolist()
        unpacked = sum(m.file_size for m in members)
        if unpacked > MAX_UNPACKED_BYTES:
            raise UnsafeInputError(
                where,
                f"refused: unpacks to {unpacked / 2**20:,.0f} MB, a likely zip bomb",
                f"at most {MAX_UNPACKED_BYTES // 2**20} MB of content",
            )
        for m in members:
            ratio = m.file_size / m.compress_size if m.compress_size else 0
            if m.file_size > 2**20 and ratio > MAX_RATIO:
                raise UnsafeInputError(
                    where,
                    f"refused: part {m.filename} is compressed {m.file_size // m.compress_size}:1,"
                    " a likely zip bomb",
                    f"a compression ratio below {MAX_RATIO}:1",
                )
        for m in members:
            if not m.filename.endswith((".xml", ".rels")):
                continue
            with archive.open(m) as handle:
                head = handle.read(XML_PROBE_BYTES).upper()
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise UnsafeInputError(
                    where,
                    f"refused: part {m.filename} declares XML entities (a possible XML entity"
                    " attack); workbooks never need them",
                    "a workbook without DOCTYPE or ENTITY declarations",
                )


def read_xlsx(path: Path) -> dict[str, RawTable]:
    """Every sheet of a workbook, keyed by its lower-cased name."""
    from python_calamine import CalamineWorkbook

    _check_archive(path)
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for corrupt files
        raise UnsafeInputError(path.name, f"cannot be read as a workbook ({exc})",
                               "an .xlsx file saved by Excel, LibreOffice or orchestra") from exc
    tables = {}
    for name in book.sheet_names:
        grid = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        key = name.strip().lower()
        tables[key] = _table(key, grid, is_csv=False)
    return tables


def read_csv_text(sheet: str, text: str) -> RawTable:
    """One CSV table from its text; a leading byte-order mark is ignored."""
    grid = [list(row) for row in csv.reader(io.StringIO(text.lstrip("\ufeff")))]
    return _table(sheet, grid, is_csv=True)


def read_csv_folder(path: Path) -> dict[str, RawTable]:
    """Every ``*.csv`` file of a folder, keyed by its lower-cased stem."""
    tables = {}
    for file in sorted(path.glob("*.csv")) + sorted(path.glob("*.CSV")):
        key = file.stem.strip().lower()
        try:
            text = file.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise UnsafeInputError(file.name, f"is not UTF-8 text ({exc.reason})",
                                   "a CSV file saved as UTF-8") from exc
        tables[key] = read_csv_text(key, text)
    return tables


def read_tables(path: str | Path) -> dict[str, RawTable]:
    """Raw tables from a workbook or a CSV folder; anything else is refused."""
    path = Path(path)
    if not path.exists():
        raise UnsafeInputError(str(path), "does not exist", "an .xlsx workbook or a folder of .csv")
    if path.is_dir():
        return read_csv_folder(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return read_xlsx(path)
    if path.suffix.lower() == ".xls":
        raise UnsafeInputError(path.name, "is an old .xls workbook",
                               "an .xlsx workbook (in Excel: Save As, Excel Workbook)")
    raise UnsafeInputError(path.name, "is neither a workbook nor a folder",
                           "an .xlsx workbook or a folder of .csv files")

