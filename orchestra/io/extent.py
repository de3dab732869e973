"""How far each sheet of an OpenDocument (.ods) or Excel 97-2003 (.xls) workbook reaches,
measured before calamine reads a cell.

calamine builds every sheet of these formats as a full grid when the workbook is opened: one
.ods cell repeated over 1,000 columns and 99,000 rows (833 bytes on disk) or one .xls value at
IV65536 would be expanded in full before its size could be asked. So the file is scanned
first, keeping nothing but positions: the ``content.xml`` of an .ods as a stream of XML events
(repeat attributes counted, not expanded), the BIFF records of an .xls workbook stream. Only
cells holding a value count, as calamine counts them: formatted blanks do not.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path
from xml.parsers import expat

from orchestra.errors import UnsafeInputError

TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"


def sheet_extents(path: Path) -> dict[str, tuple[int, int]]:
    """(last row, last column) holding a value, both counted from 1, per sheet name."""
    suffix = path.suffix.lower()
    if suffix == ".ods":
        return _ods_extents(path)
    if suffix == ".xls":
        return _xls_extents(path)
    return {}


def _ods_extents(path: Path) -> dict[str, tuple[int, int]]:
    extents: dict[str, tuple[int, int]] = {}
    state = {"sheet": None, "row": 0, "repeat": 1, "col": 0, "last_col": 0, "depth": 0,
             "cell": None}

    def start(name: str, attrs: dict[str, str]) -> None:
        if name == f"{TABLE} table" and state["depth"] == 0:
            state.update(sheet=attrs.get(f"{TABLE} name", ""), row=0)
            extents.setdefault(state["sheet"], (0, 0))
        if state["sheet"] is None:
            return
        if name == f"{TABLE} table":
            state["depth"] += 1
        elif name == f"{TABLE} table-row":
            state.update(repeat=_count(attrs, "number-rows-repeated"), col=0, last_col=0)
        elif name in (f"{TABLE} table-cell", f"{TABLE} covered-table-cell"):
            repeat = _count(attrs, "number-columns-repeated")
            state["cell"] = (state["col"], repeat)
            if f"{OFFICE} value-type" in attrs:
                state["last_col"] = state["col"] + repeat
            state["col"] += repeat
        elif name == f"{TEXT} p" and state["cell"] is not None:
            first, repeat = state["cell"]
            state["last_col"] = max(state["last_col"], first + repeat)

    def end(name: str) -> None:
        if state["sheet"] is None:
            return
        if name == f"{TABLE} table":
            state["depth"] -= 1
            if state["depth"] == 0:
                state["sheet"] = None
        elif name in (f"{TABLE} table-cell", f"{TABLE} covered-table-cell"):
            state["cell"] = None
        elif name == f"{TABLE} table-row":
            state["row"] += state["repeat"]
            if state["last_col"]:
                rows, cols = extents[state["sheet"]]
                extents[state["sheet"]] = (state["row"], max(cols, state["last_col"]))

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler, parser.EndElementHandler = start, end
    try:
        with zipfile.ZipFile(path) as archive, archive.open("content.xml") as content:
            while chunk := content.read(1 << 20):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except (KeyError, zipfile.BadZipFile, expat.ExpatError) as exc:
        raise UnsafeInputError(path.name, f"is damaged: its sheets cannot be read ({exc})",
                               "an undamaged .ods file: open it and save it again") from exc
    return extents


def _count(attrs: dict[str, str], name: str) -> int:
    try:
        return max(1, int(attrs.get(f"{TABLE} {name}", "1")))
    except ValueError:
        return 1


BOF, EOF, BOUNDSHEET = 0x0809, 0x000A, 0x0085
# Records that hold one cell's value at (row, column) in their first four bytes.
VALUE_CELLS = frozenset({0x0203, 0x0204, 0x0205, 0x0006, 0x027E, 0x00FD, 0x00D6})
MULRK = 0x00BD  # row, first column, ..., last column: several RK values in a row


def _xls_extents(path: Path) -> dict[str, tuple[int, int]]:
    import olefile

    expected = "an undamaged .xls file: open it and save it again"
    try:
        with olefile.OleFileIO(str(path)) as ole:
            stream = next((s for s in ("Workbook", "Book") if ole.exists(s)), None)
            if stream is None:
                raise UnsafeInputError(path.name, "holds no workbook stream", expected)
            data = ole.openstream(stream).read()
    except OSError as exc:
        raise UnsafeInputError(path.name, f"cannot be read as a workbook ({exc})",
                               expected) from exc
    names: dict[int, str] = {}
    extents: dict[str, tuple[int, int]] = {}
    sheet: str | None = None
    at, seen_globals = 0, False
    while at + 4 <= len(data):
        kind, size = struct.unpack_from("<HH", data, at)
        body = data[at + 4:at + 4 + size]
        if kind == BOF:
            sheet = names.get(at, f"sheet at {at}") if seen_globals else None
            seen_globals = True
            if sheet is not None:
                extents.setdefault(sheet, (0, 0))
        elif kind == EOF:
            sheet = None
        elif kind == BOUNDSHEET and len(body) >= 8:
            offset, count, high = struct.unpack_from("<IxxBB", body)
            raw = body[8:8 + count * (2 if high & 1 else 1)]
            names[offset] = raw.decode("utf-16-le" if high & 1 else "latin-1", "replace")
        elif sheet is not None and len(body) >= 4 and (kind in VALUE_CELLS or kind == MULRK):
            row, col = struct.unpack_from("<HH", body)
            if kind == MULRK and len(body) >= 6:
                col = struct.unpack_from("<H", body, len(body) - 2)[0]
            rows, cols = extents[sheet]
            extents[sheet] = (max(rows, row + 1), max(cols, col + 1))
        at += 4 + size
    return extents
