"""Which price of an offer holds for a filled slot: its base price, one of the partner's
alternate bids, or a volume tier.

A price row is *open* to a plan when its bid is the partner's accepted bid (or it belongs to no
bid) and the partner takes at least its ``min_slots`` slots of the capability. A slot is priced
by its cheapest open row. The model chooses the same rows (``rules.add_price_choice``); this
module prices plans read back from it and plans given by hand, one source for both.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence

from orchestra.domain import Capability, Network


def taken(network: Network, pairs: Sequence[tuple[str, str]]) -> Counter[tuple[str, str]]:
    """Slots each partner takes of each capability, over (role, partner) ``pairs``."""
    return Counter((pid, network.role[rid].capability) for rid, pid in pairs)


def open_rows(network: Network, role_id: str, partner_id: str, bid_id: str,
              counts: Mapping[tuple[str, str], int]) -> list[Capability]:
    """The price rows of the partner's offer for the role open under accepted bid ``bid_id``
    ("" for none) and the slots ``counts`` the partner takes; cheapest first."""
    role = network.role[role_id]
    have = counts.get((partner_id, role.capability), 0)
    rows = [c for c in network.prices(partner_id, role)
            if c.bid_id in ("", bid_id) and c.min_slots <= have]
    return sorted(rows, key=lambda c: (c.unit_cost, not c.is_base, c.min_slots, c.bid_id))


def priced_rows(network: Network, assigned: Mapping[str, Sequence[str]],
                accepted: Mapping[str, str] | None = None
                ) -> dict[tuple[str, str], Capability]:
    """The row that prices each filled (role, partner) pair of ``assigned`` (role -> partners).

    ``accepted`` names each partner's accepted bid (missing or "": none); without it, each
    partner's bid is the one that prices its slots cheapest (no bid first on ties). A pair no
    open row can price (a plan given by hand may mix two bids, or fall short of a tier) keeps
    its offer's face price; ``check_plan`` names it.
    """
    pairs = [(rid, pid) for rid, pids in assigned.items() for pid in pids
             if network.offer(pid, rid) is not None]
    counts = taken(network, pairs)
    by_partner: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for rid, pid in pairs:
        by_partner[pid].append((rid, pid))
    chosen: dict[tuple[str, str], Capability] = {}
    for pid, own in by_partner.items():
        if accepted is not None:
            bids = [accepted.get(pid, "")]
        else:
            bids = ["", *sorted({c.bid_id for rid, _ in own for c in network.prices(pid, rid)
                                 if c.bid_id})]
        best = None
        for bid in bids:
            rows = {pair: open_rows(network, *pair, bid, counts) for pair in own}
            unpriced = sum(not r for r in rows.values())
            cost = sum(network.role[rid].load * r[0].unit_cost
                       for (rid, _), r in rows.items() if r)
            if best is None or (unpriced, cost) < best[0]:
                best = ((unpriced, cost), rows)
        for pair, rows in best[1].items():
            chosen[pair] = rows[0] if rows else network.offer(pid, pair[0])
    return chosen



def priced_openly(network: Network, rows: Mapping[tuple[str, str], Capability]) -> bool:
    """Whether ``priced_rows``'s rows keep the rules: one bid at most per partner, every
    tier's slots taken."""
    counts = taken(network, list(rows))
    bids: dict[str, set[str]] = defaultdict(set)
    for (_rid, pid), row in rows.items():
        if row.bid_id:
            bids[pid].add(row.bid_id)
        if row.min_slots > counts[(pid, row.capability)]:
            return False
    return all(len(used) <= 1 for used in bids.values())


def added_price(network: Network, assigned: Mapping[str, Iterable[str]], role_id: str,
                partner_id: str) -> Capability | None:
    """The price ``partner_id`` would fill a slot of ``role_id`` at, added to ``assigned``
    (role -> partners), its bids chosen afresh; None when no price is open to it (a tier out
    of reach, or its only prices in a bid that cannot be accepted beside its other slots)."""
    mine = {r: [partner_id] for r, pids in assigned.items() if partner_id in pids}
    mine.setdefault(role_id, []).append(partner_id)
    rows = priced_rows(network, mine)
    return rows[(role_id, partner_id)] if priced_openly(network, rows) else None
