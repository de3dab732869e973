"""Checks on an .xlsx archive before any spreadsheet reader sees it.

A workbook is a zip of XML parts. Every part is read here once, in full, whatever its name or
extension: a zip bomb, an encrypted or damaged entry, an unknown compression or an XML
DOCTYPE/ENTITY declaration is refused with the part named. The sheets orchestra reads are then
scanned cell by cell (streaming, nothing kept but positions): how far their data really reaches,
so that one stray value at XFD1048576 is refused instead of making the reader allocate the whole
grid, and where Excel error values (#REF!, #N/A) stand, so that they are reported at their cell
rather than read as blanks.
"""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from orchestra.errors import UnsafeInputError

# A 50,000-row capability sheet unpacks to tens of MB; 512 MB is far beyond any real input.
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
# Sheet XML compresses well (10-30x); a thousandfold ratio on a big part is a bomb.
MAX_RATIO = 1000
# The reader holds a sheet as a full grid of its used range: these bound that grid.
MAX_COLUMNS = 1_000
MAX_CELLS = 2_000_000
CHUNK = 1 << 20
DECLARATIONS = (b"<!DOCTYPE", b"<!ENTITY")
EXPECTED = "an .xlsx file saved by Excel, LibreOffice or orchestra"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"


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


def cell_name(row: int, col: int) -> str:
    """``A1``-style name of a 1-based row and 0-based column.

    >>> cell_name(1048576, 16383)
    'XFD1048576'
    """
    return f"{column_letter(col)}{row}"


def _position(ref: str) -> tuple[int, int] | None:
    """(1-based row, 0-based column) of ``B7``, or None when it is not a cell name."""
    match = re.fullmatch(r"([A-Za-z]{1,3})([0-9]{1,7})", ref)
    if not match:
        return None
    col = 0
    for letter in match.group(1).upper():
        col = col * 26 + ord(letter) - 64
    return int(match.group(2)), col - 1


@dataclass
class SheetFacts:
    """What the scan learnt of one sheet: its real extent and its error cells."""

    part: str
    rows: int = 0  # the last row holding a value
    columns: int = 0  # the last column holding a value, counted from 1
    last_row_cell: str = "A1"  # a cell in the last row
    last_column_cell: str = "A1"  # a cell in the last column
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) -> "#REF!"


def _refuse(where: str, what: str, expected: str = EXPECTED) -> UnsafeInputError:
    return UnsafeInputError(where, what, expected)


def _read_part(archive: zipfile.ZipFile, member: zipfile.ZipInfo, where: str) -> None:
    """Read a part in full (checking its CRC) and refuse any DTD or entity declaration in it."""
    tail = b""
    try:
        with archive.open(member) as handle:
            while chunk := handle.read(CHUNK):
                window = (tail + chunk).upper()
                if not tail and window[:2] in (b"\xff\xfe", b"\xfe\xff"):
                    raise _refuse(where, f"part {member.filename} is encoded in UTF-16",
                                  "XML parts in UTF-8, as every spreadsheet program writes")
                if any(d in window for d in DECLARATIONS):
                    raise _refuse(where, f"refused: part {member.filename} declares XML entities"
                                  " (a possible XML entity attack); workbooks never need them",
                                  "a workbook without DOCTYPE or ENTITY declarations")
                tail = chunk[-16:]
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise _refuse(where, f"is damaged: part {member.filename} cannot be unpacked ({exc})",
                      "an undamaged workbook: open it in Excel or LibreOffice and save it again"
                      ) from exc


def check_archive(path: Path) -> zipfile.ZipFile:
    """Open ``path`` as a zip and check every part; the caller closes the archive."""
    where = path.name
    try:
        with open(path, "rb") as handle:
            magic = handle.read(8)
    except OSError as exc:
        raise _refuse(where, f"cannot be read ({exc.strerror})") from exc
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise _refuse(where, "is password-protected or an old .xls workbook",
                      "an .xlsx workbook without a password (in Excel: Save As, Excel Workbook)")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _refuse(where, f"is not an Excel workbook ({exc})") from exc
    try:
        members = archive.infolist()
        unpacked = sum(m.file_size for m in members)
        if unpacked > MAX_UNPACKED_BYTES:
            raise _refuse(where, f"refused: unpacks to {unpacked / 2**20:,.0f} MB, a likely zip "
                          "bomb", f"at most {MAX_UNPACKED_BYTES // 2**20} MB of content")
        for m in members:
            if m.flag_bits & 0x1:
                raise _refuse(where, f"part {m.filename} is encrypted",
                              "a workbook saved without a password")
            if m.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise _refuse(where, f"part {m.filename} uses an unsupported compression "
                              f"(method {m.compress_type})", "parts stored or deflated")
            ratio = m.file_size / m.compress_size if m.compress_size else 0
            if m.file_size > 2**20 and ratio > MAX_RATIO:
                raise _refuse(where, f"refused: part {m.filename} is compressed "
                              f"{m.file_size // m.compress_size}:1, a likely zip bomb",
                              f"a compression ratio below {MAX_RATIO}:1")
        for m in members:
            _read_part(archive, m, where)
    except BaseException:
        archive.close()
        raise
    return archive


def _parse(archive: zipfile.ZipFile, part: str, where: str) -> ET.Element:
    try:
        return ET.fromstring(archive.read(part))
    except KeyError as exc:
        raise _refuse(where, f"is damaged: part {part} is missing") from exc
    except ET.ParseError as exc:
        raise _refuse(where, f"is damaged: part {part} is not well-formed XML ({exc})") from exc


def sheet_parts(archive: zipfile.ZipFile, where: str) -> dict[str, tuple[str, str]]:
    """Sheet name (lower-cased) -> (name as written, part path), from the workbook's own index."""
    names = set(archive.namelist())
    book = "xl/workbook.xml"
    rels_part = "_rels/.rels"
    if rels_part in names:
        for rel in _parse(archive, rels_part, where).iter(f"{{{PACKAGE_REL}}}Relationship"):
            if rel.get("Type", "").endswith("/officeDocument"):
                book = rel.get("Target", book).lstrip("/")
    folder = posixpath.dirname(book)
    book_rels = posixpath.join(folder, "_rels", posixpath.basename(book) + ".rels")
    targets = {}
    for rel in _parse(archive, book_rels, where).iter(f"{{{PACKAGE_REL}}}Relationship"):
        target = rel.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
            posixpath.join(folder, target))
        targets[rel.get("Id")] = target
    sheets = {}
    for sheet in _parse(archive, book, where).iter(f"{{{MAIN}}}sheet"):
        name = sheet.get("name", "")
        part = targets.get(sheet.get(f"{{{REL}}}id", ""))
        if part is None or part not in names:
            raise _refuse(where, f'is damaged: the part of sheet "{name}" is missing')
        sheets[name.strip().lower()] = (name, part)
    return sheets


def shared_string_count(archive: zipfile.ZipFile, where: str) -> int:
    """How many strings the workbook's shared-strings table holds (0 without one)."""
    part = next((n for n in archive.namelist() if n.lower() == "xl/sharedstrings.xml"), None)
    if part is None:
        return 0
    count = 0
    try:
        with archive.open(part) as handle:
            for _, elem in ET.iterparse(handle):
                if elem.tag == f"{{{MAIN}}}si":
                    count += 1
                    elem.clear()
    except ET.ParseError as exc:
        raise _refuse(where, f"is damaged: part {part} is not well-formed XML ({exc})") from exc
    return count


class _SheetScanner:
    """Expat handlers that note, per cell holding a value, its position, its error value and
    its shared-string index; nothing else is kept, so memory stays flat on any sheet."""

    def __init__(self, facts: SheetFacts, sheet: str, shared: int | None):
        self.facts, self.sheet, self.shared = facts, sheet, shared
        self.row, self.col = 0, -1
        self.kind: str | None = None  # the t attribute of the open cell, "" for numbers
        self.held = False
        self.text: list[str] | None = None  # collecting a <v> of an error or shared cell

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = name.rpartition("}")[2]
        if local == "row":
            self.row, self.col = int(attrs.get("r") or self.row + 1), -1
        elif local == "c":
            at = _position(attrs.get("r", ""))
            self.row, self.col = at if at else (self.row, self.col + 1)
            self.kind, self.held = attrs.get("t", ""), False
        elif self.kind is not None and local in ("v", "is"):
            self.held = True
            if local == "v" and self.kind in ("e", "s"):
                self.text = []

    def end(self, name: str) -> None:
        local = name.rpartition("}")[2]
        if local == "v":
            return
        if local != "c" or self.kind is None:
            return
        if self.held:
            self.cell("".join(self.text or ()).strip())
        self.kind, self.text = None, None

    def chars(self, data: str) -> None:
        if self.text is not None:
            self.text.append(data)

    def cell(self, value: str) -> None:
        facts, row, col = self.facts, self.row, self.col
        if row > facts.rows:
            facts.rows, facts.last_row_cell = row, cell_name(row, col)
        if col + 1 > facts.columns:
            facts.columns, facts.last_column_cell = col + 1, cell_name(row, col)
        if self.kind == "e":
            facts.errors[(row, col)] = value or "#ERROR"
        elif self.kind == "s" and self.shared is not None and (
                not value.isdigit() or int(value) >= self.shared):
            raise UnsafeInputError(
                f"{self.sheet}!{cell_name(row, col)}",
                f"is damaged: the cell points to shared string {value!r}, but the workbook "
                f"holds {self.shared}",
                "an undamaged workbook: open it in Excel or LibreOffice and save it again")


QUICK_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"')
QUICK_SHARED = re.compile(rb'<c r="[A-Z]+[0-9]+"(?: s="[0-9]+")? t="s"(?: s="[0-9]+")?>'
                          rb'<v>([0-9]+)</v>')


def _quick_scan(data: bytes, part: str, shared: int | None) -> SheetFacts | None:
    """The scan's answer from a few byte-level searches, for the usual sheet: every cell
    named (r="B7"), no namespace prefix, no error value, no stray far cell. Counting every
    cell, empty or not, it can only overstate the extent; None sends the sheet to the full
    scan (which is about five times slower on big sheets)."""
    if b't="e"' in data or b"t='e'" in data or re.search(rb"<[A-Za-z_][\w.-]*:c[ >/]", data):
        return None
    if data.count(b"<c ") + data.count(b"<c>") != data.count(b'<c r="'):
        return None
    cells = QUICK_CELL.findall(data)
    facts = SheetFacts(part)
    if cells:
        letters = max({c for c, _ in cells}, key=lambda c: (len(c), c)).decode()
        facts.columns = _position(f"{letters}1")[1] + 1
        facts.rows = max(int(r) for _, r in cells)
    if facts.columns > MAX_COLUMNS or facts.rows * facts.columns > MAX_CELLS:
        return None
    if shared is not None and data.count(b't="s"') != len(QUICK_SHARED.findall(data)):
        return None
    if shared is not None and any(int(i) >= shared for i in QUICK_SHARED.findall(data)):
        return None
    return facts


def scan_sheet(archive: zipfile.ZipFile, part: str, sheet: str, where: str,
               shared: int | None = None) -> SheetFacts:
    """The real extent and the error cells of one sheet; refuse a grid too large, and a cell
    pointing past the ``shared`` strings the workbook holds."""
    info = archive.getinfo(part)
    if info.file_size <= 64 * 2**20:
        quick = _quick_scan(archive.read(part), part, shared)
        if quick is not None:
            return quick
    facts = SheetFacts(part)
    scanner = _SheetScanner(facts, sheet, shared)
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.StartElementHandler = scanner.start
    parser.EndElementHandler = scanner.end
    parser.CharacterDataHandler = scanner.chars
    try:
        with archive.open(part) as handle:
            parser.ParseFile(handle)
    except (expat.ExpatError, ValueError) as exc:
        raise _refuse(where, f"is damaged: sheet {sheet} (part {part}) is not well-formed XML "
                      f"({exc})") from exc
    if facts.columns > MAX_COLUMNS or facts.rows * facts.columns > MAX_CELLS:
        far = facts.last_column_cell if facts.columns > MAX_COLUMNS else facts.last_row_cell
        raise UnsafeInputError(
            f"{sheet}!{far}",
            f"a value far outside the table: the sheet would span {facts.columns:,} columns by "
            f"{facts.rows:,} rows; delete the stray cell (Ctrl+End in Excel finds it)",
            f"at most {MAX_COLUMNS:,} columns and {MAX_CELLS:,} cells per sheet")
    return facts
