"""Why a slot stayed open: each qualified partner's obstacle, checked against the data and plan."""

from __future__ import annotations

from collections.abc import Mapping

from orchestra.domain import Network, Role, Rules
from orchestra.model.pricing import added_price

# Reason codes, most fundamental first: the first that applies to every candidate names the slot.
NO_CAPABILITY = "no_capability"
BELOW_LEVEL = "below_level"
EXCLUDED = "excluded"
CONFLICT = "conflict"
MAX_PARTNERS = "max_partners"
CAPACITY = "capacity"
BUDGET = "budget"
NOT_WORTH_IT = "not_worth_it"
REDUNDANCY = "redundancy"
RULE = "rule"
STANDARD = "standard"
PRICE = "price"  # its only prices are a volume tier out of reach or a bid it cannot use


def _names(network: Network, pids) -> str:
    return ", ".join(network.who(p) for p in pids)


def rule_obstacle(network: Network, role_id: str, pid: str, assigned: Mapping[str, set[str]],
                  selected: set[str], shares: bool = True) -> str | None:
    """The rules-sheet rule that putting ``pid`` on ``role_id`` would break, as a sentence, given
    who fills what (``assigned``, by role) and who is ``selected``; None if it breaks none.
    Without ``shares``, ``max_share`` is left out (a plan under construction, whose first slot
    is always all of its filled slots)."""
    for rule in network.rules:
        if rule.rule == "max_share" and not shares:
            continue
        if rule.rule == "same_partner" and role_id in rule.roles:
            others = {q for r in rule.roles if r != role_id for q in assigned.get(r, ())}
            if others - {pid}:
                return f"{rule}: {_names(network, sorted(others))} already serves the others"
        elif rule.rule == "single_source" and role_id in rule.roles:
            used = {q for r in rule.roles for q in assigned.get(r, ())}
            if pid not in used and len(used) >= (rule.limit or 0):
                return f"{rule}: {len(used)} partner(s) already ({_names(network, sorted(used))})"
        elif rule.rule == "requires" and rule.partners[0] == pid and pid not in selected:
            missing = [q for q in rule.partners[1:] if q not in selected]
            if missing:
                return f"{rule}: {network.who(pid)} joins only with {_names(network, missing)}"
        elif (rule.rule == "max_share" and (not rule.partners or pid in rule.partners)
              and rule.shares(role_id)):
            total = sum(len(v) for r, v in assigned.items() if rule.shares(r)) + 1
            mine = sum(1 for r, v in assigned.items() if rule.shares(r) and pid in v) + 1
            if mine > (rule.limit or 0) * total + 1e-9:
                return f"{rule}: {network.who(pid)} would hold {mine} of {total} filled slots"
    return None


def _closed_prices(network: Network, role: Role, pid: str,
                   assigned: Mapping[str, set[str]]) -> str:
    """Why none of ``pid``'s prices for ``role`` is open to the plan."""
    rows = network.prices(pid, role)
    have = 1 + sum(1 for r, pids in assigned.items()
                   if pid in pids and network.role[r].capability == role.capability)
    if all(row.min_slots > have for row in rows):
        least = min(row.min_slots for row in rows)
        return (f"{network.who(pid)} prices {role.capability} from {least} slots up, and "
                f"would take {have}")
    bids = sorted({row.bid_id for row in rows if row.bid_id})
    return (f"{network.who(pid)} prices {role.capability} only in its alternate bid "
            f"{', '.join(bids)}, which cannot be accepted beside the bid pricing its other slots")


def explain_open_slot(
    network: Network,
    rules: Rules,
    role: Role,
    assigned: dict[str, set[str]],
    used: dict[str, float],
    total_cost: float,
    stopped_early: bool,
) -> tuple[str, str]:
    """``(reason_code, sentence)`` for an open slot of ``role`` in a finished plan.

    ``assigned`` maps role ids to the partners filling them, ``used`` partners to capacity used.
    """
    # A partner kept off the role (``Rules.barred``, an explanation's re-solve) is no option.
    kept_off = {pid for r, pid in rules.barred if r == role.role_id}
    other = " other" if kept_off else ""
    offers = [c for c in network.offers(role.capability)
              if c.role_id in ("", role.role_id) and c.partner_id not in kept_off]
    if not offers:
        return NO_CAPABILITY, f"no{other} partner offers {role.capability}"
    qualified = [c for c in offers if c.level >= role.min_level]
    if not qualified:
        best = max(c.level for c in offers)
        return BELOW_LEVEL, (f"no{other} partner has {role.capability} at level "
                             f"{role.min_level} or above (best offered: level {best})")
    selected = {pid for pids in assigned.values() for pid in pids} | set(rules.must_include)
    excluded = set(rules.exclude)
    forbidden = network.conflicts(rules.forbid_below_strength)
    locked = {lk.partner_id for lk in network.locks}
    obstacles: list[tuple[str, str]] = []
    for offer in qualified:
        pid = offer.partner_id
        partner = network.partner[pid]
        who = network.who(pid)
        if pid in assigned.get(role.role_id, set()):
            continue  # already on this role: one partner, one slot of a role
        if pid in excluded:
            obstacles.append((EXCLUDED, f"{who} is excluded by the policy"))
            continue
        if pid not in selected:
            clash = sorted(forbidden.get(pid, set()) & selected)
            if clash:
                obstacles.append((CONFLICT, f"{who} may not join with {_names(network, clash)} "
                                            "(forbid_below_strength)"))
                continue
            if rules.max_partners is not None and len(selected) >= rules.max_partners:
                obstacles.append((MAX_PARTNERS, f"{who} would exceed max_partners "
                                                f"({rules.max_partners})"))
                continue
        blocked = rule_obstacle(network, role.role_id, pid, assigned, selected)
        if blocked:
            obstacles.append((RULE, f"{who}: {blocked}"))
            continue
        need = role.load * offer.effort
        free = partner.capacity - used.get(pid, 0.0)
        if need > free + 1e-9:
            by_lock = " (taken by locks)" if pid in locked else ""
            obstacles.append((CAPACITY, f"{who} has {max(free, 0):g} capacity left{by_lock}, "
                                        f"needs {need:g}"))
            continue
        if network.priced_in_bids:
            price = added_price(network, assigned, role.role_id, pid)
            if price is None:
                obstacles.append((PRICE, _closed_prices(network, role, pid, assigned)))
                continue
            offer = price
        extra = role.load * offer.unit_cost + (0 if pid in selected else partner.fixed_cost)
        if rules.budget is not None and total_cost + extra > rules.budget + 1e-9:
            obstacles.append((BUDGET, f"{who} would cost {extra:,.2f} with "
                                      f"{max(rules.budget - total_cost, 0):,.2f} of budget left"))
            continue
        obstacles.append((NOT_WORTH_IT, f"{who} could take it at {extra:,.2f}"))
    if not obstacles:
        return CAPACITY, (f"only {len(qualified)} qualified partner(s) for {role.slots} slots; "
                          "one partner fills at most one slot of a role")
    codes = [code for code, _ in obstacles]
    if NOT_WORTH_IT in codes:
        if stopped_early:
            code, lead = NOT_WORTH_IT, "the solver stopped before filling it; "
        elif role.critical:
            code, lead = CAPACITY, "filling it would break another rule elsewhere; "
        else:
            code, lead = NOT_WORTH_IT, "the profile values it below its cost; "
    else:
        code = max(set(codes), key=lambda c: (codes.count(c), c))
        lead = ""
    return code, lead + "; ".join(text for _, text in obstacles)
