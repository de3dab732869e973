"""Bids back: each returned bid workbook (``partner`` and ``offers`` sheets, as
``orchestra bids`` writes them) read with its cells located in its own file,
``[P04.xlsx]offers!C7``; ``loader.network_from_tables`` merges them into the network. A file
identical to the one sent (the folder's ``MANIFEST``) is no bid."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from orchestra.errors import InputError, Problem
from orchestra.io.reader import OTHER_WORKBOOKS, RawTable, read_tables

BID_SUFFIXES = (".xlsx", ".xlsm", *OTHER_WORKBOOKS)
BID_SHEETS = ("partner", "offers")
# A bid workbook is a few dozen KB; anything this large is not one (and is not read).
MAX_BID_BYTES = 64 * 1024 * 1024
MANIFEST = "manifest.json"  # what ``orchestra bids`` sent: each file's name and SHA-256


@dataclass(frozen=True)
class Bid:
    """One returned bid file: its ``partner`` sheet (one row) and its ``offers`` sheet."""

    path: Path
    partner: RawTable | None
    offers: RawTable | None
    # Every (capability, site_id) its offers sheet names; site "" for an offer everywhere.
    capabilities: frozenset[tuple[str, str]] = frozenset()
    unchanged: bool = False  # the very file that was sent (``MANIFEST``)


def file_digest(path: Path) -> str:
    """The SHA-256 of a file's bytes, in hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sent_digests(folder: Path) -> dict[str, str]:
    """File name to SHA-256 of what ``orchestra bids`` sent into ``folder`` (its
    ``MANIFEST``); empty where there is none or it cannot be read."""
    try:
        files = json.loads((folder / MANIFEST).read_text("utf-8"))["files"]
        return {str(f["file"]): str(f["sha256"]) for f in files}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def bid_files(folder: str | Path) -> list[Path]:
    """The workbooks of a bids folder (office lock files and hidden files left out). Only
    regular files of a sane size are read: a device, a FIFO or a link to one is refused by
    name rather than read until memory runs out or waited on forever."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError([Problem(str(folder), "is not a folder", "a folder of returned bid "
                                  "workbooks, one per partner")])
    files, problems = [], []
    for f in sorted(folder.iterdir()):
        if f.suffix.lower() not in BID_SUFFIXES or f.name.startswith((".", "~$")):
            continue
        try:
            info = os.stat(f)  # follows a link: what would be read
        except OSError as exc:
            problems.append(Problem(f.name, f"cannot be read ({exc.strerror})",
                                    "a readable bid workbook"))
            continue
        if not stat.S_ISREG(info.st_mode):
            problems.append(Problem(f.name, "is not a regular file (a device, pipe or link "
                                    "to one)", "a bid workbook file"))
        elif info.st_size > MAX_BID_BYTES:
            problems.append(Problem(f.name, f"is {info.st_size:,} bytes",
                                    f"a bid workbook of at most {MAX_BID_BYTES:,} bytes"))
        else:
            files.append(f)
    if problems:
        raise InputError(problems)
    return files


def read_bids(folder: str | Path) -> list[Bid]:
    """Every bid of ``folder``, its tables labelled with the file (``[P04.xlsx]offers``).
    Every unreadable file is reported, not only the first."""
    bids, problems = [], []
    files = bid_files(folder)
    if not files:
        raise InputError([Problem(str(folder), "holds no bid workbook",
                                  "the returned .xlsx (or .ods, .xls) files")])
    sent = sent_digests(Path(folder))
    for path in files:
        try:
            tables = read_tables(path, BID_SHEETS)
        except InputError as exc:
            problems += exc.problems
            continue
        offers = tables.get("offers")
        named = frozenset()
        if offers is not None and "capability" in offers.header:
            at = offers.header.index("capability")
            site = offers.header.index("site_id") if "site_id" in offers.header else None
            named = frozenset(
                (str(v[at]).strip(), "" if site is None or _blank(v, site)
                 else str(v[site]).strip().lower())
                for _, v in offers.rows if at < len(v) and not _blank(v, at))
        bids.append(Bid(path, _labelled(path, tables.get("partner")), _labelled(path, offers),
                        named, sent.get(path.name) == file_digest(path)))
    if problems:
        raise InputError(problems)
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
        rows = _restated(table.header, tuple(
            (n, values) for n, values in rows
            if not (_blank(values, level) and _blank(values, price))))
    return RawTable(f"[{path.name}]{table.sheet}", table.header, rows, table.is_csv,
                    strict_header=False)


# What the rows of one offer (its price, alternate bids, tiers) share: a row that leaves one
# blank restates the offer's first row, as a bidder writing only a new price means.
RESTATED = ("level", "effort", "claimed_reliability", "claimed_response_hours")


def _restated(header: tuple, rows: tuple) -> tuple:
    """``rows`` with each blank ``RESTATED`` cell of a later row of one offer (partner,
    capability, role_id and site_id alike) taken from that offer's first row."""
    if not {"partner_id", "capability"} <= set(header):
        return rows
    at = [header.index(c) for c in ("partner_id", "capability", "role_id", "site_id")
          if c in header]
    shared = [header.index(c) for c in RESTATED if c in header]
    first: dict[tuple, tuple] = {}
    out = []
    for number, values in rows:
        key = tuple(str(values[k]).strip().lower() if not _blank(values, k) else ""
                    for k in at)
        if key not in first:
            first[key] = values
        else:
            values = list(values) + [None] * (len(header) - len(values))
            for k in shared:
                if _blank(values, k) and k < len(first[key]):
                    values[k] = first[key][k]
            values = tuple(values)
        out.append((number, values))
    return tuple(out)


def _blank(values: tuple, at: int) -> bool:
    value = values[at] if at < len(values) else None
    return value is None or (isinstance(value, str) and not value.strip())
