"""Bid sheets out: one workbook per invited bidder to fill offline and send back.

Each has an ``instructions`` sheet (the round, the buyer, the deadline and contact, the lots the
bidder is invited to, how to fill and return it), a ``partner`` sheet (one row: the bidder's
capacity, fee and claims, and ``submitted``) and an ``offers`` sheet: per lot, the bidder's
current offers of its capabilities or an invitation row for each, then blank rows for alternate
bids and volume tiers, with the roles, minimum levels and total load sourced beside each. Ids
are locked (sheet protection without a password); every other cell checks what is typed. Only
what the bidder owns is in it: no buyer's assessment, file name or command. ``MANIFEST``
records what was sent; ``orchestra ... --bids DIR`` reads the returned files back
(``io.bids``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, Protection
from openpyxl.worksheet.datavalidation import DataValidation

from orchestra.domain import Lot, Network
from orchestra.io.bids import MANIFEST, file_digest
from orchestra.io.contract import BID_OFFERS, BID_PARTNER, INTEGER, Sheet
from orchestra.report.xlsx import (
    MONEY,
    add_dropdown,
    inputs_of,
    print_ready,
    save_text,
    save_workbooks,
    set_value,
    wrap_column,
    write_table,
)
from orchestra.sourcing import invitations

CONTEXT = ("lot", "sourced_for_roles", "min_level_needed", "total_load_sourced")  # read-only
SPARE_PER_LOT = 6  # blank offer rows under each lot, for alternate bids and volume tiers
EDITABLE = ("level", "unit_cost", "effort", "role_id", "claimed_response_hours",
            "claimed_reliability", "bid_id", "min_slots", "site_id")
NEW = "new"  # the file of a blank bid, for a bidder not in the network yet
FORMATS = {"unit_cost": MONEY, "fixed_cost": MONEY, "capacity": "#,##0.##",
           "effort": "0.00", "claimed_reliability": "0.000", "claimed_response_hours": "0.0#"}


def round_header(network: Network) -> str:
    """The round as a bidder sees it on every page: title, buyer, deadline."""
    policy = network.policy
    parts = [policy.round_title or "Invitation to bid", policy.buyer or "",
             f"due {policy.deadline}" if policy.deadline else ""]
    return " - ".join(p for p in parts if p)


def _instructions(network: Network, partner_name: str, lots: Sequence[Lot]) -> list[str]:
    policy = network.policy
    money = policy.currency or "the currency of the invitation"
    period = f"per {policy.period}" if policy.period else "per period"
    contact = policy.contact or "the buyer"
    lines = [
        policy.round_title or "Invitation to bid",
        f"Bid of: {partner_name}",
        *(f"{label}: {value}" for label, value in (("Buyer", policy.buyer),
                                                   ("Deadline", policy.deadline),
                                                   ("Contact", policy.contact)) if value),
        f"Money: in {money}; recurring figures {period}. unit_cost is {money} per unit of load "
        f"{period}; capacity is units of work {period}; effort is the capacity one unit of "
        "load takes (1 = one unit).",
        "",
        "The lots you are invited to bid for:",
        *(f"  {lot.lot_id}{' - ' + lot.name if lot.name != lot.lot_id else ''}: "
          + "; ".join(_role_text(network, roles) for roles in _by_base(network, lot.roles))
          for lot in lots),
        "",
        "How to fill: on the partner sheet, your capacity and fixed_cost (your fee for being "
        "engaged at all), and what you claim: claimed_reliability as a share (0.98 for 98 %) "
        "and claimed_response_hours. On the offers sheet, under each lot, one row per "
        "capability: level 1 (basic) to 5 (best), unit_cost, and optionally effort, the "
        "reliability and response time you claim for that offer, and role_id for an offer "
        "for one role only. Leave level and unit_cost blank to make no offer on a row. Claims "
        "are set beside the buyer's own assessment of your service.",
        "Alternate bids and volume tiers: use the blank rows under the lot (pick the "
        "capability). An alternate bid names its package in bid_id (say B2) with its price; "
        "rows sharing a bid_id form one package, and the buyer accepts at most one of your "
        "packages (rows without a bid_id hold in every case). A volume tier puts the number of "
        "slots in min_slots and the lower price in unit_cost; the best tier reached prices all "
        "your slots of that capability. Only unit_cost may differ between rows of one offer.",
        *(["Sites: site_id blank offers at every site you serve; a site id offers at that "
           "site only. A lot bought at some sites lists its rows per site, site_id filled."]
          if network.sites else []),
        "Ids and the lot columns are locked; every other cell checks what you type.",
        "",
        f"When the bid is complete: set submitted to yes on the partner sheet, save the file "
        f"(any name, .xlsx or .ods) and return it to {contact}"
        + (f" by {policy.deadline}." if policy.deadline else ".")
        + " A file that does not say yes is not read as a bid.",
    ]
    return lines


def _by_base(network: Network, role_ids: Sequence[str]) -> list[list]:
    """The roles, each roles-sheet role once with its sites (a sited role is one per site)."""
    grouped: dict[str, list] = {}
    for rid in role_ids:
        grouped.setdefault(network.role[rid].base_id, []).append(network.role[rid])
    return list(grouped.values())


def _sites_text(roles) -> str:
    """Where a role is bought: "" for a network-wide role, " at H1, H2 (2 sites)"."""
    sites = [r.site_id for r in roles if r.site_id]
    return f" at {', '.join(sites)} ({len(sites)} site{'s' if len(sites) > 1 else ''})" \
        if sites else ""


def _role_text(network: Network, roles) -> str:
    role = roles[0]
    return (f"{role.name} ({role.capability}, level {role.min_level} or above, "
            f"{role.slots} x load {role.load:g}{' at each site' if role.site_id else ''})"
            + _sites_text(roles))


def _validate(ws, names: Sequence[str], sheet: Sheet, rows: int) -> None:
    """Each of ``names`` checked as it is typed in its column's first ``rows`` rows, with the
    bounds and words of the contract's column (the very check the bid is read back with)."""
    header = [c.value for c in ws[1]]
    for name in names:
        spec = sheet.column(name)
        letter = ws.cell(row=1, column=header.index(name) + 1).column_letter
        rule = DataValidation(type="whole" if spec.kind == INTEGER else "decimal",
                              operator="between" if spec.high is not None else
                              "greaterThanOrEqual", formula1=str(spec.low),
                              formula2=None if spec.high is None else str(spec.high),
                              allow_blank=True)
        rule.error = spec.expected()
        rule.showErrorMessage = True
        rule.add(f"{letter}2:{letter}{rows + 1}")
        ws.add_data_validation(rule)


def bid_workbook(network: Network, partner_id: str | None,
                 lots: Sequence[Lot] | None = None) -> Workbook:
    """The bid workbook of ``partner_id`` for ``lots`` (default: every lot; ``partner_id``
    None: a blank one for a new bidder)."""
    lots = network.lots if lots is None else tuple(lots)
    partner = network.partner.get(partner_id) if partner_id else None
    if partner is not None:  # on a network of sites, the sites the bidder serves
        lots = tuple(replace(lot, roles=tuple(r for r in lot.roles if network.serves(
            partner.partner_id, network.role[r].site_id))) for lot in lots)
    name = partner.name if partner else "a new bidder"
    wb = Workbook()
    ws = wb.active
    ws.title = "instructions"
    for k, line in enumerate(_instructions(network, name, lots), start=1):
        set_value(ws.cell(row=k, column=1), line)
    ws.column_dimensions["A"].width = 110
    wrap_column(ws, "A", 100)
    ws["A1"].font = Font(bold=True, size=14)

    # The bidder's own figures only: the buyer's assessment (kind, reliability and response
    # time as assessed, one-off costs) stays with the buyer; service levels are claims.
    columns = [c.name for c in BID_PARTNER.columns]
    ps = wb.create_sheet("partner")
    own = {"submitted": "no", "capacity": partner.capacity if partner else None,
           "fixed_cost": partner.fixed_cost if partner else None}
    row = [own[c] if c in own else getattr(partner, c, None) if partner else None
           for c in columns]
    write_table(ps, columns, [row], name="partner", formats=FORMATS)
    ps.protection.sheet = True
    for col, column in enumerate(columns, start=1):
        if column not in ("partner_id", "name") or partner is None:
            ps.cell(row=2, column=col).protection = Protection(locked=False)
    add_dropdown(ps, columns.index("submitted") + 1, ("yes", "no"), rows=1)
    _validate(ps, ("capacity", "fixed_cost", "claimed_reliability", "claimed_response_hours"),
              BID_PARTNER, 1)

    columns = [c.name for c in BID_OFFERS.columns]
    rows, spare = _offer_rows(network, partner_id, lots, columns)
    header = columns + list(CONTEXT)
    os_ = wb.create_sheet("offers")
    write_table(os_, header, rows, name="offers", formats=FORMATS)
    os_.protection.sheet = True
    for r in range(2, len(rows) + 2):
        for col, column in enumerate(columns, start=1):
            if (column in EDITABLE or (partner is None and column == "partner_id")
                    or (r in spare and column == "capability")):
                os_.cell(row=r, column=col).protection = Protection(locked=False)
    context = os_.cell(row=1, column=len(columns) + 2).column_letter  # sourced_for_roles
    os_.column_dimensions[context].width = 32
    wrap_column(os_, context, 30)
    total = len(rows)
    position = {column: k for k, column in enumerate(columns, start=1)}
    capabilities = sorted({network.role[rid].capability for lot in lots for rid in lot.roles})
    if capabilities and len(",".join(capabilities)) < 250:  # Excel's limit on a list
        add_dropdown(os_, position["capability"], capabilities, rows=total)
    _validate(os_, ("level", "unit_cost", "effort", "claimed_reliability",
                    "claimed_response_hours", "min_slots"), BID_OFFERS, total)
    print_ready(wb, f"bid of {name}", network, header=round_header(network))
    return wb


def _offer_rows(network: Network, partner_id: str | None, lots: Sequence[Lot],
                columns: list[str]) -> tuple[list[list[object]], set[int]]:
    """The offers sheet's rows lot by lot: the bidder's current offers of each capability the
    lot buys (or an invitation row), then ``SPARE_PER_LOT`` blank rows; and the sheet rows of
    the blank ones, where the capability is picked. A lot bought at some sites only (a lot
    per site) gets its rows per site, ``site_id`` filled: the bidder's offer for that site, or
    its offer for every site restated there."""
    offers = [c for c in network.capabilities if partner_id and c.partner_id == partner_id]
    rows: list[list[object]] = []
    spare: set[int] = set()

    def row(offer=None, **given) -> list[object]:
        values = {c: (getattr(offer, c) or None if c in ("role_id", "bid_id", "site_id")
                      else getattr(offer, c, None)) for c in columns} if offer else {}
        values.update(given)
        return [values.get(c) for c in columns]

    for lot in lots:
        by_capability: dict[str, list] = {}
        for rid in lot.roles:
            by_capability.setdefault(network.role[rid].capability, []).append(network.role[rid])
        for capability, roles in by_capability.items():
            bases = ("", *(r.base_id for r in roles))
            places = [(site, [r for r in roles if r.site_id == site])
                      for site in dict.fromkeys(r.site_id for r in roles)] if lot.sites \
                else [("", roles)]
            for site, here in places:
                context = [lot.lot_id, *_context(here)]
                if site:
                    mine = [c for c in offers if c.capability == capability
                            and c.role_id in bases and c.site_id == site]
                    mine = mine or [replace(c, site_id=site) for c in offers
                                    if c.capability == capability and c.role_id in bases
                                    and not c.site_id]
                else:
                    sites = {r.site_id for r in here}
                    mine = [c for c in offers if c.capability == capability
                            and c.role_id in bases and c.site_id in ("", *sites)]
                rows += [row(offer) + context for offer in mine]
                if not mine:
                    rows.append(row(partner_id=partner_id, capability=capability,
                                    site_id=site or None) + context)
        only = next(iter(by_capability)) if len(by_capability) == 1 else None
        site = lot.sites[0] if len(lot.sites) == 1 else None
        for _ in range(SPARE_PER_LOT):
            rows.append(row(partner_id=partner_id, capability=only, site_id=site)
                        + [lot.lot_id, "(alternate bid or tier)", None, None])
            spare.add(len(rows) + 1)
    return rows, spare


def _context(roles) -> list[object]:
    grouped: dict[str, list] = {}
    for r in roles:
        grouped.setdefault(r.base_id, []).append(r)
    return [", ".join(f"{rs[0].base_id} {rs[0].name}{_sites_text(rs)}"
                      for rs in grouped.values()) or "(not sourced)",
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
                        blank: bool = False, force: bool = False, everyone: bool = False
                        ) -> list[Path]:
    """One bid workbook per invited bidder (``sourcing.invitations``: ``partners``, else every
    partner invited to a lot; ``everyone`` invites every partner that is not in-house to every
    lot), named by ``bid_file_names``; with ``blank``, also one for a new bidder. ``MANIFEST``
    beside them records each file sent and its SHA-256. Every target is checked before the
    first is written, and a failure part-way removes what this call wrote."""
    invited = invitations(network, list(dict.fromkeys(partners)), everyone)
    if blank:
        invited[None] = network.lots
    chosen = list(invited)
    books = [(name, lambda pid=pid: bid_workbook(network, pid, invited[pid]))
             for name, pid in zip(bid_file_names(chosen), chosen, strict=True)]
    return save_workbooks(folder, books, force=force, inputs=inputs_of(network), then=lambda
                          written: _write_manifest(network, Path(folder), [
                              (pid, path, invited[pid])
                              for pid, path in zip(chosen, written, strict=True)]))


def _write_manifest(network: Network, folder: Path,
                    sent: Sequence[tuple[str | None, Path, Sequence[Lot]]]) -> None:
    """``MANIFEST``: each file sent (merged with an earlier manifest of the folder), its
    bidder, lots and SHA-256, so that a file returned unchanged is known for one."""
    path = folder / MANIFEST
    files: dict[str, dict] = {}
    if path.is_file():
        try:
            files = {f["file"]: f for f in json.loads(path.read_text("utf-8"))["files"]}
        except (ValueError, KeyError, TypeError):
            files = {}
    for pid, file, lots in sent:
        files[file.name] = {"file": file.name, "partner_id": pid,
                            "lots": [lot.lot_id for lot in lots], "sha256": file_digest(file)}
    text = json.dumps({"round": network.policy.round_title or "",
                       "files": sorted(files.values(), key=lambda f: f["file"])}, indent=1)
    save_text(text + "\n", path, force=True, suffix=".json")
