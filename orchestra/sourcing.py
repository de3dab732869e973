"""A sourcing round: who is invited to bid for which lot, who won each lot, and what each
bidder is told.

The round's facts live on the network (``Network.lots``, ``Network.invited``, the returned
bids merged by the loader); this module derives the round's answers from a plan of it. Every
figure is recomputable from the rows it is shown with: a bidder's price for a lot is its offers'
unit costs times the lot's load, a winner is whoever the plan puts on the lot's slots.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from orchestra.domain import Lot, Network, Plan, Profile
from orchestra.execution import Job, OnDone, parallel_settings, run_all
from orchestra.model import SolveSettings

NEW_BIDDER = None  # the blank bid of a bidder new to the network


def invitations(network: Network, partners: Sequence[str] = (), everyone: bool = False
                ) -> dict[str | None, tuple[Lot, ...]]:
    """Each bidder's lots, in the network's order: every partner invited to a lot
    (``Network.invited``; with ``everyone``, every partner that is not in-house), or only the
    ``partners`` named, to the lots they are invited to (every lot when none; a named partner
    is invited even where the policy excludes it)."""
    lots = network.lots
    if partners:
        out: dict[str | None, tuple[Lot, ...]] = {}
        for pid in partners:
            own = tuple(lot for lot in lots
                        if pid in network.invited(lot, everyone, excluded_too=True))
            out[pid] = own or lots
        return out
    invited = {lot.lot_id: set(network.invited(lot, everyone)) for lot in lots}
    return {p.partner_id: own for p in network.partners
            if (own := tuple(lot for lot in lots if p.partner_id in invited[lot.lot_id]))}


@dataclass(frozen=True)
class LotPrice:
    """What a bidder asks for a lot: per role, its cheapest qualifying price x the role's load
    x its slots (a volume tier counts when the lot alone reaches it)."""

    partner_id: str
    price: float | None  # None: it offers no qualifying level for some role of the lot
    roles_covered: int


def lot_price(network: Network, partner_id: str, lot: Lot) -> LotPrice:
    """``partner_id``'s price for the whole of ``lot`` from its offers (see ``LotPrice``)."""
    total, covered = 0.0, 0
    slots_of: dict[str, int] = {}
    for rid in lot.roles:
        role = network.role[rid]
        slots_of[role.capability] = slots_of.get(role.capability, 0) + role.slots
    for rid in lot.roles:
        role = network.role[rid]
        offer = network.offer(partner_id, role)
        if (offer is None or offer.level < role.min_level
                or not network.serves(partner_id, role.site_id)):
            continue
        prices = [c.unit_cost for c in network.prices(partner_id, role)
                  if c.min_slots <= slots_of[role.capability]]
        total += min(prices) * role.load * role.slots
        covered += 1
    return LotPrice(partner_id, total if covered == len(lot.roles) else None, covered)


def plan_price(network: Network, plan: Plan, lot: Lot) -> dict[str, float]:
    """Per partner the plan puts on ``lot``'s slots, the cost of those slots in the plan."""
    roles = set(lot.roles)
    out: dict[str, float] = {}
    for a in plan.assignments:
        if a.role_id in roles:
            out[a.partner_id] = out.get(a.partner_id, 0.0) + a.cost
    return out


@dataclass(frozen=True)
class LotAward:
    """Who the plan gives a lot, at what price, against the next bid and today's price."""

    lot: Lot
    winners: tuple[str, ...]  # the partners the plan puts on the lot's slots
    price: float  # the cost of the lot's slots in the plan
    open_slots: int
    bids: tuple[LotPrice, ...]  # every returned bid's price for the whole lot, cheapest first
    runner_up: LotPrice | None  # the cheapest whole-lot bid of a bidder that did not win it
    today: tuple[str, ...]  # today's holders of the lot's slots
    today_price: float | None  # their slots at today's prices (None: no today's network)

    @property
    def savings(self) -> float | None:
        """Today's price less the plan's, when the plan fills every slot of the lot."""
        if self.today_price is None or self.open_slots:
            return None
        return self.today_price - self.price


@dataclass(frozen=True)
class BidderAward:
    """One bidder's share of the award: the lots it won and what the plan pays it."""

    partner_id: str
    lots_won: tuple[str, ...]
    slot_cost: float  # its slots in the plan, every lot
    fixed_cost: float  # its fee, when the plan selects it

    @property
    def total(self) -> float:
        return self.slot_cost + self.fixed_cost


@dataclass(frozen=True)
class Award:
    lots: tuple[LotAward, ...]
    bidders: tuple[BidderAward, ...]  # every returned bid, in file order
    not_returned: tuple[str, ...]


def award(network: Network, plan: Plan) -> Award:
    """The round's award from ``plan`` of ``network`` with its returned bids merged in (see
    ``LotAward``). Today's price is today's holders' slots at the prices before the bids."""
    today = None
    if network.current:
        from orchestra.model.given import given_plan

        today = given_plan(network.as_contracted, plan.profile, network.current)
    lots = []
    for lot in network.lots:
        winners = plan_price(network, plan, lot)
        bids = sorted((p for pid in network.bidders
                       if (p := lot_price(network, pid, lot)).price is not None),
                      key=lambda p: (p.price, p.partner_id))
        runner = next((b for b in bids if b.partner_id not in winners), None)
        roles = set(lot.roles)
        held = plan_price(network.as_contracted, today, lot) if today else {}
        lots.append(LotAward(
            lot, tuple(winners), sum(winners.values()),
            sum(1 for s in plan.shortfalls if s.role_id in roles),
            tuple(bids), runner, tuple(held),
            sum(held.values()) if today and any(c.role_id in roles for c in network.current)
            else None))
    selected = set(plan.selected)
    bidders = []
    for pid in network.bidders:
        won = tuple(a.lot.lot_id for a in lots if pid in a.winners)
        cost = sum(a.cost for a in plan.assignments if a.partner_id == pid)
        bidders.append(BidderAward(pid, won, cost, network.partner[pid].fixed_cost
                                   if pid in selected else 0.0))
    return Award(tuple(lots), tuple(bidders), network.not_returned)


# --- feedback to each bidder ---------------------------------------------------------------


@dataclass(frozen=True)
class RoleBid:
    role_id: str
    role_name: str
    unit_cost: float  # the bidder's offer for the role, per unit of load
    qualifies: bool  # its level reaches the role's minimum
    won: bool  # the plan gives it a slot of the role


@dataclass(frozen=True)
class LotStanding:
    """One lot a bidder bid for, as the bidder is told it: its rank among the whole-lot bids,
    what it won, and either the price at which it would win or why it cannot. Nothing in it
    names another bidder or its price.

    ``price_to_win`` is a whole-lot price: with the bidder on every role of the lot it
    qualifies for, at that total price, the plan is as good as the plan chosen without it
    (``competition_only``: the budget and ``max_changes`` lifted). At or below it the plan gives
    the bidder the lot, or part of it: every plan that beats that one uses it on the lot. Its
    unit prices to win are its unit prices cut by ``cut``."""

    lot_id: str
    name: str
    price: float | None  # its whole-lot bid (None: it does not qualify for every role)
    rank: int | None  # among the whole-lot bids, cheapest first
    whole_lot_bids: int
    won: bool  # the plan gives it at least one slot of the lot
    roles: tuple[RoleBid, ...]
    price_to_win: float | None = None
    cut: float | None = None  # 1 - price_to_win / its price for the roles it qualifies for
    note: str = ""  # why it cannot win, or what else binds at that price


@dataclass(frozen=True)
class Feedback:
    partner_id: str
    lots: tuple[LotStanding, ...]


def competition_only(network: Network) -> Network:
    """``network`` with the budget and ``max_changes`` lifted: what the bids alone decide."""
    return replace(network, policy=replace(network.policy, budget=None, max_changes=None))


def on_lot_at_no_cost(network: Network, partner_id: str, roles: Sequence[str]) -> Network:
    """``network`` with ``partner_id`` on a slot of each of ``roles`` at no cost."""
    from orchestra.explanations import on_role_at_no_cost

    for rid in roles:
        network = on_role_at_no_cost(network, rid, partner_id)
    return network


def feedback(network: Network, profile: Profile, base: Plan, settings: SolveSettings | None
             = None, on_done: OnDone | None = None) -> tuple[Feedback, ...]:
    """What each returned bid is told, from ``base`` (the plan of ``network`` with the bids
    merged in): per lot it bid for, its rank among the whole-lot bids, what it won, and for a
    lot it did not win the whole-lot price at which it would (``LotStanding``), against the
    other bids with the budget and ``max_changes`` lifted and saying so where they bind; or
    the reason it cannot win, by standard, rule or level. One re-solve per lost lot (two
    where the budget or ``max_changes`` is set), run side by side."""
    from orchestra.explanations import replan, same_unit
    from orchestra.model import plan

    settings = settings or SolveSettings()
    result = award(network, base)
    market = competition_only(network)
    binds = market.policy != network.policy
    market_base = plan(market, profile, settings, warm_start=base) if binds else base
    standings: dict[tuple[str, str], LotStanding] = {}
    asked: list[tuple[str, LotAward, tuple[str, ...]]] = []
    for pid in network.bidders:
        for lot in result.lots:
            standing = _standing(network, base, pid, lot)
            if standing is None:
                continue
            standings[(pid, lot.lot.lot_id)] = standing
            qualified = tuple(r.role_id for r in standing.roles if r.qualifies)
            if not standing.won and qualified and pid not in network.policy.exclude:
                asked.append((pid, lot, qualified))
    fixed = {"market": same_unit(market, profile), "actual": same_unit(network, profile)}
    changed = [on_lot_at_no_cost(fixed["market"], pid, roles) for pid, _, roles in asked]
    if binds:
        changed += [on_lot_at_no_cost(fixed["actual"], pid, roles) for pid, _, roles in asked]
    _, each = parallel_settings(settings, max(1, len(changed)))
    solved = run_all([Job(replan, (net, profile, each, market_base)) for net in changed],
                     settings, on_done) if changed else []
    n = len(asked)
    for k, (pid, lot, roles) in enumerate(asked):
        at_market = _price_to_win(market, profile, market_base, pid, roles, solved[k])
        note = at_market[2]
        if binds:
            actual = _price_to_win(network, profile, base, pid, roles, solved[n + k])
            if at_market[0] is not None and (actual[0] is None
                                             or abs(actual[0] - at_market[0]) > 0.005):
                within = (f"you win at a whole-lot price of {actual[0]:,.2f} or less"
                          if actual[0] is not None else "you do not win at any price")
                note = (f"against the other bids alone; within {_limits(network)} {within}"
                        + (f" ({actual[2]})" if actual[2] and actual[0] is None else ""))
        standing = standings[(pid, lot.lot.lot_id)]
        standings[(pid, lot.lot.lot_id)] = replace(
            standing, price_to_win=at_market[0], cut=at_market[1], note=note)
    return tuple(Feedback(pid, tuple(s for (p, _), s in standings.items() if p == pid))
                 for pid in network.bidders)


def _standing(network: Network, base: Plan, pid: str, lot: LotAward) -> LotStanding | None:
    """``pid``'s standing on ``lot`` before any re-solve; None when it made no offer for it."""
    on = {a.role_id for a in base.assignments if a.partner_id == pid}
    roles = []
    for rid in lot.lot.roles:
        offer = network.offer(pid, rid)
        if offer is not None and network.serves(pid, network.role[rid].site_id):
            role = network.role[rid]
            roles.append(RoleBid(rid, role.name, offer.unit_cost,
                                 offer.level >= role.min_level, rid in on))
    if not roles:
        return None
    ranked = [b.partner_id for b in lot.bids]
    note = ""
    if not any(r.qualifies for r in roles):
        role = network.role[roles[0].role_id]
        note = (f"{role.base_id} needs {role.capability} at level {role.min_level}; your "
                f"offer is level {network.offer(pid, role.role_id).level}")
    elif pid in network.policy.exclude:
        note = "the buyer cannot engage you in this round"
    return LotStanding(lot.lot.lot_id, lot.lot.name, lot_price(network, pid, lot.lot).price,
                       ranked.index(pid) + 1 if pid in ranked else None, len(ranked),
                       pid in lot.winners, tuple(roles), note=note)


def _price_to_win(network: Network, profile: Profile, base: Plan, pid: str,
                  roles: Sequence[str], result: Plan | None
                  ) -> tuple[float | None, float | None, str]:
    """The whole-lot price to win, its cut below the bid and a note, from the re-solve with
    ``pid`` on ``roles`` at no cost: (O - O_free) / cost weight, where O is ``base``'s
    objective. None with the reason where it cannot win at any price."""
    from orchestra.explanations import rank, rank_change, share_paid, standards_lost
    from orchestra.model.evaluate import objective_of

    if result is None:
        return None, None, "not solved (interrupted)"
    if result.objective is None:
        return None, None, _obstacle(network, pid, roles)
    before, after = rank(network, base), rank(network, result)
    if after > before:
        if after[0] == before[0] and after[1] > before[1]:
            return None, None, _yours(network, pid, standards_lost(network, base, result,
                                                                   roles, pid))
        return None, None, f"with you on {', '.join(roles)}: {rank_change(before, after)}"
    weight = base.rules.profile.cost_weight
    if weight <= 0:
        return None, None, "the buyer's profile does not weigh cost: a price does not decide it"
    bid = sum(network.offer(pid, rid).unit_cost * network.role[rid].load for rid in roles)
    # With a contract calendar the lot's slots are paid from their takeover: the objective
    # moves with each price by the share of the horizon it is paid; cut alike, the bid's.
    paid = sum(network.offer(pid, rid).unit_cost * network.role[rid].load
               * share_paid(network, result, rid, pid) for rid in roles)
    scale = bid / paid if paid > 0 and bid > 0 else 1.0
    price = (objective_of(network, profile, base) - objective_of(network, profile, result)
             ) / weight * scale
    if after < before:  # it fills what the plan cannot: it wins at its price, at least
        return bid, 0.0, f"with you on {', '.join(roles)}: {rank_change(before, after)}"
    if price < -1e-6:
        fee = network.partner[pid].fixed_cost
        return None, None, (f"even at no price the plan is {-price:,.2f} better without you "
                            + (f"(your fee of {fee:,.2f} counts)" if fee > 0 and pid not in
                               base.selected else "(what you would displace)"))
    price = max(price, 0.0)
    return price, (1 - price / bid if bid > 0 else None), ""


def _obstacle(network: Network, pid: str, roles: Sequence[str]) -> str:
    """Why no plan keeps every rule with ``pid`` on ``roles``: its capacity, else in general
    terms (a rule may name others)."""
    need = sum(network.role[r].load * network.offer(pid, r).effort for r in roles)
    capacity = network.partner[pid].capacity
    if need > capacity + 1e-9:
        return f"capacity: the lot's roles you qualify for need {need:g}, you offer {capacity:g}"
    return f"no plan keeps every rule of the round with you on {', '.join(roles)}"


def _yours(network: Network, pid: str, reason: str) -> str:
    """A reason as the bidder reads it: "you" for its name, and a claim the buyer does not plan
    with said beside the standard it is about."""
    reason = reason.replace(network.who(pid), "you").replace(pid, "you")
    for verb in ("delivers", "answers", "states"):
        reason = reason.replace(f"you {verb}", f"you {verb[:-1]}")
    standard_of = {"reliability": "on_time_rate", "response_hours": "response_hours"}
    claims = [c for c in network.claims
              if c.partner_id == pid and standard_of[c.metric] in reason]
    if claims and not network.policy.accept_claims:
        reason += "; " + "; ".join(
            f"you claimed {c.metric} {c.claimed:g}, the buyer plans with its assessment "
            f"{'(none)' if c.assessed is None else format(c.assessed, 'g')}" for c in claims)
    return reason


def _limits(network: Network) -> str:
    policy = network.policy
    said = []
    if policy.budget is not None:
        said.append(f"the buyer's budget ({policy.budget:,.2f})")
    if policy.max_changes is not None:
        said.append(f"its limit on changed contracts ({policy.max_changes})")
    return " and ".join(said)
