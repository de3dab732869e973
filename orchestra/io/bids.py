"""Bids back: each returned bid workbook (``partner`` and ``offers`` sheets, as
``orchestra bids`` writes them) read with its cells located in its own file,
``[P04.xlsx]offers!C7``; ``loader.network_from_tables`` merges them into the network."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from orchestra.errors import InputError, Problem
from orchestra.io.reader import OTHER_WORKBOOKS, RawTable, read_tables

BID_SUFFIXES = (".xlsx", ".xlsm", *OTHER_WORKBOOKS)
BID_SHEETS = ("partner", "offers")


@dataclass(frozen=True)
class Bid:
    """One returned bid file: its ``partner`` sheet (one row) and its ``offers`` sheet."""

    path: Path
    partner: RawTable | None
    offers: RawTable | None


def bid_files(folder: str | Path) -> list[Path]:
    """The workbooks of a bids folder (office lock files and hidden files left out)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError([Problem(str(folder), "is not a folder", "a folder of returned bid "
                                  "workbooks, one per partner")])
    return sorted(f for f in folder.iterdir()
                  if f.suffix.lower() in BID_SUFFIXES and not f.name.startswith((".", "~$")))


def read_bids(folder: str | Path) -> list[Bid]:
    """Every bid of ``folder``, its tables labelled with the file (``[P04.xlsx]offers``)."""
    bids = []
    files = bid_files(folder)
    if not files:
        raise InputError([Problem(str(folder), "holds no bid workbook",
                                  "the returned .xlsx (or .ods, .xls) files")])
    for path in files:
        tables = read_tables(path, BID_SHEETS)
        bids.append(Bid(path, _labelled(path, tables.get("partner")),
                        _labelled(path, tables.get("offers"))))
    return bids


def _labelled(path: Path, table: RawTable | None) -> RawTable | None:
    """``table`` located in its file (``[P04.xlsx]offers!C7``); the bid's extra columns (what
    is sourced, for reading) are not typos of contract columns."""
    if table is None:
        return None
    rows = table.rows
    if table.sheet == "offers" and {"level", "unit_cost"} <= set(table.header):
        # An invitation row left as it came (no level, no price) is no offer.
        level, price = table.header.index("level"), table.header.index("unit_cost")
        rows = tuple((n, values) for n, values in rows
                     if not (_blank(values, level) and _blank(values, price)))
    return RawTable(f"[{path.name}]{table.sheet}", table.header, rows, table.is_csv,
                    strict_header=False)


def _blank(values: tuple, at: int) -> bool:
    value = values[at] if at < len(values) else None
    return value is None or (isinstance(value, str) and not value.strip())
