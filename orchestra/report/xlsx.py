"""Shared Excel writing: safe text cells, styled tables, and atomic saves.

Every workbook orchestra writes goes through ``save_atomic``: written to a temporary file in the
target folder, then renamed into place, so a crash never leaves half a file, and an existing file
is replaced only with ``force`` (and never when it is the input).
"""

from __future__ import annotations

import math
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from orchestra.domain import Network
from orchestra.errors import OutputError

HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_FONT = Font(bold=True, color="FFFFFF")
TITLE = Font(bold=True, size=14)
LABEL = Font(bold=True)
MONEY, SHARE, UNITS = "#,##0.00", "0.0%", "0.00"  # number formats
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
    empty: str | None = "none",
) -> int:
    """Header and rows as an Excel table with filters and banding; returns the last row. A
    table without rows says ``empty`` under its header (None: an input sheet left to fill)."""
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
    if last == start_row and header and empty:  # an empty table says so
        set_value(ws.cell(row=start_row + 1, column=1), empty)
        last = start_row + 1
    if start_row == 1:
        ws.freeze_panes = "A2"
    fit_widths(ws)
    for col in range(1, len(header) + 1):  # text wider than a column wraps, rows grow
        letter = get_column_letter(col)
        longest = max((len(str(c.value)) for c in ws[letter][start_row:last]
                       if isinstance(c.value, str)), default=0)
        if longest > MAX_WIDTH:
            wrap_column(ws, letter, MAX_WIDTH - 2, rows=range(start_row + 1, last + 1))
    return last


def print_ready(wb: Workbook, what: str, network: Network, one_page: Sequence[str] = (),
                label_columns: dict[str, str] | None = None, header: str | None = None) -> None:
    """Every sheet printed as a colleague expects: landscape, fitted to the page width (the
    ``one_page`` sheets to one whole page), its header row repeated on every page (and the
    ``label_columns`` by sheet, e.g. the comparison's metric names), a page header naming the
    report, the sheet and the input (or ``header``, where the input is not to be shown), and a
    footer with the page number and count. With the policy's ``currency``, every money cell
    shows it."""
    source = header if header is not None else (
        Path(network.source).name if network.source else "(in memory)")
    paper = PAPERS[network.policy.paper or "a4"]
    currency = (network.policy.currency or "").replace('"', "")
    for ws in wb.worksheets:
        if currency:  # every money cell says its currency
            for row in ws.iter_rows():
                for cell in row:
                    if cell.number_format == MONEY:
                        cell.number_format = f'{MONEY} "{currency}"'

        setup = ws.page_setup
        setup.orientation = "landscape"
        setup.paperSize = paper[0]
        ws.print_options.horizontalCentered = True
        ws.page_margins.top = ws.page_margins.bottom = 0.7
        ws.page_margins.left = ws.page_margins.right = MARGIN_IN
        heads_a_table = any(re.match(r"[A-Z]+1:", str(t.ref)) for t in ws.tables.values())
        if ws.title in one_page or fit_scale(ws, paper) >= MIN_SCALE:
            ws.sheet_properties.pageSetUpPr.fitToPage = True
            setup.fitToWidth = 1
            setup.fitToHeight = 1 if ws.title in one_page else 0
        else:  # fitted to the width it would print too small: pages of columns instead
            ws.sheet_properties.pageSetUpPr.fitToPage = False
            setup.scale = round(MIN_SCALE * 100)
            if heads_a_table and not (label_columns and ws.title in label_columns):
                ws.print_title_cols = "A:A"  # the table's key column, on every page
        ws.oddHeader.left.text = f"{what}: &A"
        ws.oddHeader.right.text = _header_text(source)
        ws.oddFooter.left.text = "&A"
        ws.oddFooter.right.text = "page &P of &N"
        if ws.title not in one_page and ws.max_row > 1 and heads_a_table:
            ws.print_title_rows = "1:1"  # a table's header, on every page
        if label_columns and ws.title in label_columns:
            ws.print_title_cols = label_columns[ws.title]


PAPERS = {"a4": (9, 297.0), "letter": (1, 279.4)}  # paper code, long side in mm
MARGIN_IN = 0.5  # left and right margins, inches
MIN_SCALE = 0.8  # a sheet fitted to the width keeps its 11 pt text at about 8 pt or more


def fit_scale(ws: Worksheet, paper: tuple[int, float]) -> float:
    """The scale at which ``ws``'s columns fit the width of a landscape page of ``paper``
    (1 when they fit as they are): column widths in characters as Excel counts them, a
    character 8 pixels as LibreOffice prints Carlito 11 (Excel's 7 would promise too much),
    plus 5 pixels of padding, at 96 pixels an inch."""
    widths = 0.0
    for col in range(1, ws.max_column + 1):
        dim = ws.column_dimensions[get_column_letter(col)]
        if not dim.hidden:
            widths += ((dim.width or 8.43) * 8 + 5) * 0.75
    printable = paper[1] / 25.4 * 72 - 2 * MARGIN_IN * 72
    return min(1.0, printable / widths) if widths else 1.0


def _header_text(text: str) -> str:
    """``text`` safe inside a page header, where & starts a code."""
    return text.replace("&", "&&")[:120]


def wrap_column(ws: Worksheet, column: str, chars: int, rows: Iterable[int] | None = None
                ) -> None:
    """Wrap the text of ``column`` (top left; only ``rows``, when given) and make each row
    tall enough for it at about ``chars`` characters a line, and never shorter than another
    wrapped cell of the row needs: not every program fits a row to wrapped text. The one
    helper for wrapped text, so that no text prints over the next row."""
    cells = ws[column] if rows is None else [ws[f"{column}{r}"] for r in rows]
    for cell in cells:
        cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")
        if isinstance(cell.value, str):
            lines = sum(max(1, math.ceil(len(part) / chars))
                        for part in cell.value.split("\n"))
            if lines > 1:
                height = 15 * lines
                current = ws.row_dimensions[cell.row].height or 0
                ws.row_dimensions[cell.row].height = max(current, height)


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


def inputs_of(network: Network) -> list[Path]:
    """The files and folders ``network`` was read from (a bids folder too): no output may land
    on or inside one of them."""
    paths = [Path(p) for p in (network.source, network.locks_source, *network.bids_sources)
             if p]
    return paths + list(dict.fromkeys(Path(p).parent for p in network.bids_sources))


def check_outputs(targets: Sequence[tuple[str | Path | None, str]], *, force: bool,
                  inputs: Sequence[Path] = ()) -> None:
    """Check every output a command will write, (path, suffix) each (None: not asked), before
    any is written: a bad second name must not leave the first file behind."""
    given = [(Path(path), suffix) for path, suffix in targets if path]
    for path, suffix in given:
        check_target(path, force=force, inputs=inputs, suffix=suffix)
    resolved = [path.resolve() for path, _ in given]
    for k, path in enumerate(resolved):
        if path in resolved[:k]:
            raise OutputError(f"{given[k][0]}: named for two outputs; give each its own name")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check_target(path: Path, *, force: bool, inputs: Sequence[Path] = (),
                 suffix: str = ".xlsx", must_exist: bool = True) -> None:
    """Refuse a target that is (or lies inside) an input, even with ``force``; one that exists,
    without ``force``; a wrong extension; a folder that is not there (``must_exist``: the
    folder is to be made, so only the input check applies)."""
    if suffix and path.suffix.lower() != suffix:
        what = "an Excel workbook" if suffix == ".xlsx" else f"a {suffix} file"
        raise OutputError(f"{path}: the output is {what}; give it a {suffix} name")
    target = path.resolve()
    for source in inputs:
        source = Path(source).resolve()
        if target == source or _same_file(target, source):
            raise OutputError(f"{path}: refusing to overwrite the input; choose another name")
        if source.is_dir() and source in target.parents:
            raise OutputError(f"{path}: refusing to write inside the input folder {source}; "
                              "choose another folder")
    if not must_exist:
        return
    if not path.parent.is_dir():
        what = "is not a folder" if path.parent.exists() else "does not exist"
        raise OutputError(f"{path}: folder {path.parent} {what}")
    if path.is_dir():
        raise OutputError(f"{path}: is a folder; give a file name")
    if path.exists() and not force:
        raise OutputError(f"{path}: already exists; pass --force to replace it")


def save_workbooks(folder: str | Path, books: Sequence[tuple[str, Callable[[], Workbook]]],
                   *, force: bool = False, inputs: Sequence[Path] = (),
                   then: Callable[[list[Path]], object] | None = None) -> list[Path]:
    """Write workbooks into ``folder`` (made if absent), each ``(file name, build)``: every
    target is checked before the first is built, and a failure part-way (in ``then`` too,
    given the files written) removes what this call wrote."""
    folder = Path(folder)
    targets = [folder / name for name, _ in books]
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder}: is not a folder")
    if folder.is_dir():
        for target in targets:
            check_target(target, force=force, inputs=inputs)
    else:
        check_target(folder / "x.xlsx", force=force, inputs=inputs, must_exist=False)
        try:
            folder.mkdir(parents=True)
        except OSError as exc:
            raise OutputError(f"{folder}: cannot make the folder ({exc.strerror})") from exc
    written: list[Path] = []
    try:
        for (_, build), target in zip(books, targets, strict=True):
            written.append(save_atomic(build(), target, force=force, inputs=inputs))
        if then is not None:
            then(written)
    except BaseException:
        if not force:
            for path in written:
                path.unlink(missing_ok=True)
        raise
    return written


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def save_atomic(wb: Workbook, path: str | Path, *, force: bool = False,
                inputs: Sequence[Path] = ()) -> Path:
    """Save ``wb`` to ``path`` atomically (``write_atomic``)."""
    return write_atomic(wb.save, path, force=force, inputs=inputs)


def save_text(text: str, path: str | Path, *, force: bool = False,
              inputs: Sequence[Path] = (), suffix: str = ".html") -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically (``write_atomic``)."""
    return write_atomic(lambda temp: Path(temp).write_text(text, encoding="utf-8"), path,
                        force=force, inputs=inputs, suffix=suffix)


def write_atomic(save: Callable[[str], object], path: str | Path, *, force: bool = False,
                 inputs: Sequence[Path] = (), suffix: str = ".xlsx") -> Path:
    """Write ``path`` with ``save`` (given a file name) through a temporary file in the same
    folder.

    Without ``force`` the file is created exclusively (a hard link, which fails if the name is
    taken), so of two runs writing the same name at once one wins and the other is told; with
    ``force`` it is renamed over the old file. Either way readers never see half a file, and
    the file gets the usual permissions (0666 less the umask), not the temporary file's 0600.
    """
    path = Path(path)
    check_target(path, force=force, inputs=inputs, suffix=suffix)
    try:
        handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write in {path.parent} ({exc.strerror})") from exc
    os.close(handle)
    try:
        os.chmod(temp, 0o666 & ~_umask())
        save(temp)
        if force:
            os.replace(temp, path)
        else:
            _create_exclusively(Path(temp), path)
    except FileExistsError:
        raise OutputError(f"{path}: already exists; pass --force to replace it") from None
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror})") from exc
    finally:
        Path(temp).unlink(missing_ok=True)
    return path


def _create_exclusively(temp: Path, path: Path) -> None:
    """Give the finished ``temp`` the name ``path``, failing if the name is taken."""
    try:
        os.link(temp, path)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: an exclusive create and a copy
        with open(path, "xb") as out, open(temp, "rb") as source:
            shutil.copyfileobj(source, out)
