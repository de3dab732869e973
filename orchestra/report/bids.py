"""Bid sheets out: one workbook per candidate partner to fill offline and send back.

Each has an ``instructions`` sheet (what is sourced, units, how to fill and return it), a
``partner`` sheet (one row, the partner's figures) and an ``offers`` sheet (the partner's
current offers, then one row per sourced capability it does not offer yet, each with the roles,
minimum levels and total load being sourced beside it). Ids are locked (sheet protection
without a password); figures are checked as they are typed. ``orchestra ... --bids DIR`` reads
them back (``io.bids``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, Protection
from openpyxl.worksheet.datavalidation import DataValidation

from orchestra.domain import Network
from orchestra.errors import OutputError
from orchestra.io.contract import BID_OFFERS, BID_PARTNER
from orchestra.report.xlsx import (
    check_target,
    inputs_of,
    print_ready,
    save_atomic,
    set_value,
    wrap_column,
    write_table,
)

CONTEXT = ("sourced_for_roles", "min_level_needed", "total_load_sourced")  # read-only, ignored
SPARE_ROWS = 20  # empty offer rows for capabilities the bidder adds
EDITABLE = ("level", "unit_cost", "effort", "role_id", "claimed_response_hours",
            "claimed_reliability", "bid_id", "min_slots")
NEW = "new"  # the file of a blank bid, for a bidder not in the network yet


def _sourced(network: Network) -> dict[str, list]:
    """Per capability the roles needing it."""
    out: dict[str, list] = {}
    for role in network.roles:
        out.setdefault(role.capability, []).append(role)
    return out


def _instructions(network: Network, partner_name: str) -> list[str]:
    policy = network.policy
    money = f"{policy.currency or 'the currency of the invitation'}"
    period = f"per {policy.period}" if policy.period else "per period"
    lines = [
        f"Bid for {partner_name}",
        "",
        "What is sourced: the capabilities on the offers sheet, for the roles named beside "
        "each (with the minimum level each role needs and the total load sourced).",
        f"Money: in {money}; recurring figures {period}. unit_cost is {money} per unit of load "
        f"{period}; capacity is units of work {period}; effort is the capacity one unit of "
        "load takes (1 = one unit).",
        "How to fill: on the partner sheet, your capacity and fixed_cost, and what you claim: "
        "claimed_reliability as a share (0.98 for 98 %) and claimed_response_hours. On the "
        "offers sheet, one row per capability: level 1 (basic) to 5 (best), unit_cost, and "
        "optionally effort, the reliability and response time you claim for that offer, and "
        "role_id for an offer for one role only. Leave level and unit_cost blank to make no "
        "offer for a row. New rows go below, with your partner_id. Claims are set beside the "
        "buyer's own assessment of your service.",
        "Alternate bids: copy an offer's row and name it in bid_id (say B2) with its price; "
        "rows sharing a bid_id form one package, and the buyer accepts at most one of your "
        "packages (rows without a bid_id hold in every case). Volume tiers: copy the row, put "
        "the number of slots in min_slots and the lower price in unit_cost; the best tier "
        "reached prices all your slots of that capability. Only unit_cost may differ between "
        "copies of one offer.",
        "Ids and the sourcing columns are locked; every other cell checks what you type.",
        "Return this file as it is (any name, .xlsx or .ods): the buyer reads every bid with "
        "orchestra plan INPUT --bids FOLDER; each problem is reported with this file's name "
        "and the cell.",
    ]
    return lines


def _validate(ws, column: int, kind: str, low: float, high: float | None, rows: int) -> None:
    letter = ws.cell(row=1, column=column).column_letter
    rule = DataValidation(type=kind, operator="between" if high is not None else
                          "greaterThanOrEqual", formula1=str(low),
                          formula2=None if high is None else str(high), allow_blank=True)
    rule.error = (f"a {'whole number' if kind == 'whole' else 'number'} "
                  + (f"from {low:g} to {high:g}" if high is not None else f"of at least {low:g}"))
    rule.showErrorMessage = True
    rule.add(f"{letter}2:{letter}{rows + 1}")
    ws.add_data_validation(rule)


def bid_workbook(network: Network, partner_id: str | None) -> Workbook:
    """The bid workbook of ``partner_id`` (None: a blank one for a new bidder)."""
    partner = network.partner.get(partner_id) if partner_id else None
    wb = Workbook()
    ws = wb.active
    ws.title = "instructions"
    for k, line in enumerate(_instructions(network, partner.name if partner else
                                           "a new partner"), start=1):
        set_value(ws.cell(row=k, column=1), line)
    ws.column_dimensions["A"].width = 110
    wrap_column(ws, "A", 100)
    ws["A1"].font = Font(bold=True, size=14)

    # The bidder's own figures only: the buyer's assessment (kind, reliability and response
    # time as assessed, one-off costs) stays with the buyer; service levels are claims.
    columns = [c.name for c in BID_PARTNER.columns]
    ps = wb.create_sheet("partner")
    row = [getattr(partner, c, None) if partner else None for c in columns]
    write_table(ps, columns, [row], name="partner")
    ps.protection.sheet = True
    for col, name in enumerate(columns, start=1):
        if name not in ("partner_id", "name") or partner is None:
            ps.cell(row=2, column=col).protection = Protection(locked=False)

    columns = [c.name for c in BID_OFFERS.columns]
    sourced = _sourced(network)
    offers = [c for c in network.capabilities if partner and c.partner_id == partner_id]
    rows = []
    for offer in offers:
        roles = sourced.get(offer.capability, [])
        rows.append([getattr(offer, c, None) if c not in ("role_id", "bid_id")
                     else getattr(offer, c) or None for c in columns] + _context(roles))
    offered = {o.capability for o in offers}
    for capability, roles in sorted(sourced.items()):
        if capability not in offered:
            rows.append([partner_id, capability, *([None] * (len(columns) - 2)),
                         *_context(roles)])
    header = columns + list(CONTEXT)
    os_ = wb.create_sheet("offers")
    write_table(os_, header, rows, name="offers")
    os_.protection.sheet = True
    for r in range(2, len(rows) + 2):
        for col, name in enumerate(columns, start=1):
            if name in EDITABLE or (partner is None and name == "partner_id"):
                os_.cell(row=r, column=col).protection = Protection(locked=False)
    for r in range(len(rows) + 2, len(rows) + 2 + SPARE_ROWS):
        for col in range(1, len(columns) + 1):
            os_.cell(row=r, column=col).protection = Protection(locked=False)
    total = len(rows) + SPARE_ROWS
    position = {name: k for k, name in enumerate(columns, start=1)}
    _validate(os_, position["level"], "whole", 1, 5, total)
    _validate(os_, position["unit_cost"], "decimal", 0, None, total)
    _validate(os_, position["effort"], "decimal", 0, None, total)
    _validate(os_, position["claimed_reliability"], "decimal", 0, 1, total)
    _validate(os_, position["claimed_response_hours"], "decimal", 0, None, total)
    _validate(os_, position["min_slots"], "whole", 1, None, total)
    print_ready(wb, f"orchestra bid of {partner.name if partner else 'a new partner'}", network)
    return wb


def _context(roles) -> list[object]:
    return [", ".join(f"{r.role_id} {r.name}" for r in roles) or "(not sourced)",
            max((r.min_level for r in roles), default=None),
            sum(r.load * r.slots for r in roles) or None]


def bid_file_names(partner_ids: Sequence[str | None]) -> list[str]:
    """A safe file name for each bid (None: the blank bid for a new bidder), unique even on a
    file system that ignores case. A name is the id where the id is plain (letters, digits,
    ``-``, ``_``, inner dots, at most 60 characters); any other id gets its plain part and a
    short digest of the id, so that no id can reach outside the folder (``../x``), hide its
    file (``.P09``), pass for an office lock file (``~$P10``) or make a name too long.

    >>> names = bid_file_names(["P09", "../../x", ".P09", "~$P10", "new", None])
    >>> names[:2], names[4:]
    (['P09.xlsx', 'x-9cdf6a50.xlsx'], ['new.xlsx', 'new-2.xlsx'])
    """
    names: list[str] = []
    taken: set[str] = set()
    for pid in partner_ids:
        stem = NEW if pid is None else _plain(pid)
        if pid is not None and stem != pid:
            stem = f"{stem}-{_digest(pid)}"
        name, k = f"{stem}.xlsx", 2
        while name.lower() in taken:
            name, k = f"{stem}-{k}.xlsx", k + 1
        taken.add(name.lower())
        names.append(name)
    return names


def _plain(pid: str) -> str:
    plain = re.sub(r"[^A-Za-z0-9_.-]+", "_", pid).strip("._-")[:60].rstrip("._-")
    return plain or "bid"


def _digest(pid: str) -> str:
    return hashlib.sha256(pid.encode("utf-8")).hexdigest()[:8]


def write_bid_workbooks(network: Network, folder: str | Path, partners: Sequence[str] = (),
                        blank: bool = False, force: bool = False) -> list[Path]:
    """One bid workbook per partner (``partners``, else every partner that is not in-house),
    named by ``bid_file_names``; with ``blank``, also one for a new bidder. Every target is
    checked before the first is written, and a failure part-way removes what this call wrote."""
    folder = Path(folder)
    chosen: list[str | None] = list(dict.fromkeys(partners)) or [
        p.partner_id for p in network.partners if p.kind != "internal"]
    if blank:
        chosen.append(None)
    targets = [folder / name for name in bid_file_names(chosen)]
    inputs = inputs_of(network)
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
        for pid, target in zip(chosen, targets, strict=True):
            written.append(save_atomic(bid_workbook(network, pid), target, force=force,
                                       inputs=inputs))
    except BaseException:
        if not force:
            for path in written:
                path.unlink(missing_ok=True)
        raise
    return written
