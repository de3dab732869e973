"""A sourcing round's results as people read them: the award (per lot and per bidder) for the
buyer, on a sheet and in the terminal, and one feedback workbook per bidder that shows it only
its own bids."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook

from orchestra.domain import Network
from orchestra.report.tables import Table, money
from orchestra.report.xlsx import (
    MONEY,
    inputs_of,
    print_ready,
    save_workbooks,
    set_value,
    wrap_column,
    write_table,
)
from orchestra.sourcing import Award, Feedback


def _names(network: Network, ids: Sequence[str]) -> str:
    return ", ".join(f"{pid} {network.partner[pid].name}" if network.partner[pid].name != pid
                     else pid for pid in ids)


def award_table(network: Network, result: Award) -> Table:
    """Per lot: the winners and the plan's price, the runner-up's whole-lot price, today's."""
    price, runner, today, saved = (money(network, n) for n in (
        "price", "runner_up_price", "today_price", "savings"))
    rows = []
    for lot in result.lots:
        rows.append((lot.lot.lot_id, lot.lot.name, network.roles_text(lot.lot.roles),
                     _names(network, lot.winners) or "(none)", lot.price, lot.open_slots,
                     len(lot.bids),
                     _names(network, [lot.runner_up.partner_id]) if lot.runner_up else
                     "(no other whole-lot bid)",
                     lot.runner_up.price if lot.runner_up else None,
                     _names(network, lot.today) or "(none today)", lot.today_price,
                     lot.savings))
    return Table("award", ("lot", "name", "roles", "winners", price, "open_slots",
                           "whole_lot_bids", "runner_up", runner, "today", today, saved),
                 tuple(rows), {price: MONEY, runner: MONEY, today: MONEY, saved: MONEY})


def bidders_table(network: Network, result: Award) -> Table:
    """Per returned bid: the lots it won and what the plan pays it; then the files that are
    not bids."""
    slot, fixed, total = (money(network, n) for n in ("slot_cost", "fixed_cost", "total"))
    rows: list[tuple] = [(b.partner_id, network.partner[b.partner_id].name, "returned",
                          ", ".join(b.lots_won) or "(none)", b.slot_cost, b.fixed_cost, b.total)
                         for b in result.bidders]
    rows += [("", "", f"not returned: {why}", "", None, None, None)
             for why in result.not_returned]
    return Table("bidders", ("partner_id", "partner", "bid", "lots_won", slot, fixed, total),
                 tuple(rows), {slot: MONEY, fixed: MONEY, total: MONEY})


PRICE_NOTE = ("price: the lot's slots in the plan; a whole-lot bid prices every role of the lot "
              "at the bidder's cheapest qualifying offer (a volume tier when the lot alone "
              "reaches it) x load x slots; savings: today's price less the plan's, today's "
              "holders at today's prices")


def write_award_sheets(wb: Workbook, network: Network, result: Award) -> None:
    """The ``award`` sheet (per lot) and the ``bidders`` sheet (per returned bid)."""
    for table in (award_table(network, result), bidders_table(network, result)):
        ws = wb.create_sheet(table.name)
        last = write_table(ws, table.header, table.rows, name=table.name,
                           formats=table.formats)
        if table.name == "award":  # wrapped in the key column: it prints on every page
            ws.column_dimensions["A"].width = max(ws.column_dimensions["A"].width or 0, 32)
            set_value(ws.cell(row=last + 2, column=1), PRICE_NOTE)
            wrap_column(ws, "A", 30, rows=[last + 2])


def award_lines(network: Network, result: Award) -> list[str]:
    """The award in the terminal: one line per lot with a winner or a bid, then the bidders."""
    unit = network.policy.currency or ""
    lines = ["award (per lot: winners at the plan's price; runner-up's whole-lot bid; today):"]
    for lot in result.lots:
        if not lot.bids and not (set(lot.winners) & set(network.bidders)):
            continue
        runner = (f"runner-up {lot.runner_up.partner_id} {lot.runner_up.price:,.2f}"
                  if lot.runner_up else "no other whole-lot bid")
        saved = f", saves {lot.savings:,.2f}" if lot.savings is not None else ""
        lines.append(f"  {lot.lot.lot_id}: {', '.join(lot.winners) or '(open)'} "
                     f"{lot.price:,.2f}{' ' + unit if unit else ''}; {runner}{saved}")
    won = [b for b in result.bidders if b.lots_won]
    lines.append(f"  {len(result.bidders)} bid(s) returned, {len(won)} winning; "
                 f"{len(result.not_returned)} file(s) not returned")
    return lines


def feedback_table(network: Network, result: Feedback) -> Table:
    """One row per role of each lot the bidder bid for: its standing on the lot, and the price
    at which it would win the lot (its unit prices cut alike) or the reason it cannot."""
    price, unit, lot_win, unit_win = (money(network, n) for n in (
        "your_lot_price", "your_unit_cost", "lot_price_to_win", "unit_price_to_win"))
    rows = []
    for lot in result.lots:
        rank = f"{lot.rank} of {lot.whole_lot_bids}" if lot.rank else "not a whole-lot bid"
        for role in lot.roles:
            to_win = (role.unit_cost * (1 - lot.cut) if lot.cut is not None and role.qualifies
                      else None)
            rows.append((lot.lot_id, lot.name, lot.price, rank, "yes" if lot.won else "no",
                         network.where(role.role_id), role.role_name, role.unit_cost,
                         "yes" if role.won else "no", to_win, lot.price_to_win, lot.cut,
                         lot.note))
    return Table("feedback", ("lot", "lot_name", price, "rank", "lot_won", "role_id", "role",
                              unit, "role_won", unit_win, lot_win, "below_your_bid", "why"),
                 tuple(rows), {price: MONEY, unit: MONEY, unit_win: MONEY, lot_win: MONEY,
                               "below_your_bid": "0.0%"})


def feedback_workbook(network: Network, result: Feedback) -> Workbook:
    """A bidder's feedback: the round, then its own standing per lot and role."""
    from orchestra.report.bids import round_header

    policy = network.policy
    wb = Workbook()
    ws = wb.active
    ws.title = "round"
    name = network.partner[result.partner_id].name
    lines = [policy.round_title or "Sourcing round", f"Feedback to: {name}",
             *(f"{label}: {value}" for label, value in (("Buyer", policy.buyer),
                                                        ("Contact", policy.contact)) if value),
             "",
             "rank: your place among the bids for the whole lot, cheapest first (your price for "
             "the whole lot: each role at your cheapest qualifying offer x its load x its "
             "slots).",
             "lot_price_to_win: for a lot you did not win, the whole-lot price at which the "
             "plan with you on every role of the lot you qualify for is as good as the plan "
             "chosen, against the other bids; at or below it you win the lot or part of it. "
             "unit_price_to_win: each of your unit prices cut alike to reach it. Where the "
             "buyer's budget or its limit on changed contracts also decides, the why column "
             "says so.",
             "why: the reason you cannot win a role at any price, by standard, rule or level.",
             "Nothing here names another bidder or its prices."]
    for k, line in enumerate(lines, start=1):
        set_value(ws.cell(row=k, column=1), line)
    ws.column_dimensions["A"].width = 110
    wrap_column(ws, "A", 100)
    table = feedback_table(network, result)
    sheet = wb.create_sheet("feedback")
    write_table(sheet, table.header, table.rows, name="feedback", formats=table.formats)
    wrap_column(sheet, "M", 60)
    print_ready(wb, f"feedback to {name}", network, header=round_header(network))
    return wb


def write_feedback_workbooks(network: Network, results: Sequence[Feedback],
                             folder: str | Path, force: bool = False) -> list[Path]:
    """One feedback workbook per bidder in ``folder``, named like its bid."""
    from orchestra.report.bids import bid_file_names

    names = bid_file_names([r.partner_id for r in results])
    return save_workbooks(folder, [(name, lambda r=r: feedback_workbook(network, r))
                                   for name, r in zip(names, results, strict=True)],
                          force=force, inputs=inputs_of(network))
