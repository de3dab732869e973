"""The numbers the model is built from: candidate pairs, integer scales and objective weights.

CP-SAT works on integers. Money and capacity are scaled by the smallest power of ten (up to
10**4) that makes every input figure whole, so plans are exact for inputs with up to four
decimals; beyond that, costs are rounded to the nearest 1/10,000 and capacity use is rounded up
(never promising more than a partner has). On networks whose figures add up to more than 2**53
at that scale, fewer decimals are kept; where even whole units overflow, ``ModelSizeError``.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, replace
from functools import cached_property

from orchestra.calendar import Calendar, calendar_of
from orchestra.domain import Capability, Network, Role, Rules
from orchestra.errors import OrchestraError

MAX_DECIMALS = 4
# Every integer the model holds (a cost, a capacity sum, the objective) stays below this, so it
# is exact both in CP-SAT's 64-bit integers and in the doubles its objective is reported in.
EXACT_LIMIT = 2**53


class ModelSizeError(OrchestraError):
    """The input's figures, summed over the network, are too large for exact planning."""


def fitting_scale(scale: int, ceiling: float, what: str) -> int:
    """The largest power of ten up to ``scale`` for which ``ceiling`` scaled stays exact.

    >>> fitting_scale(100, 1e12, "money"), fitting_scale(100, 1e15, "money")
    (100, 1)
    """
    while scale > 1 and ceiling * scale > EXACT_LIMIT:
        scale //= 10
    if ceiling * scale > EXACT_LIMIT:
        raise ModelSizeError(
            f"the network's {what} figures add up to {ceiling:,.0f}, more than orchestra can "
            f"plan exactly ({EXACT_LIMIT:,}); state them in a larger unit (thousands, say)")
    return scale


def decimal_scale(values: list[float], max_decimals: int = MAX_DECIMALS) -> int:
    """Smallest power of ten that makes every value whole (capped at ``10**max_decimals``).

    >>> decimal_scale([1.0, 2.5]), decimal_scale([0.25, 3]), decimal_scale([1 / 3])
    (10, 100, 10000)
    """
    for k in range(max_decimals + 1):
        scale = 10**k
        if all(abs(v * scale - round(v * scale)) < 1e-6 for v in values):
            return scale
    return 10**max_decimals


@dataclass(frozen=True)
class Candidate:
    """Partner ``partner_id`` may fill a slot of ``role``, through ``offer``."""

    role: Role
    offer: Capability

    @property
    def key(self) -> tuple[str, str]:
        return (self.role.role_id, self.offer.partner_id)

    @property
    def cost(self) -> float:
        return self.role.load * self.offer.unit_cost

    @property
    def usage(self) -> float:
        return self.role.load * self.offer.effort

    def costs(self, network: Network) -> list[float]:
        """The slot's cost at each price of the offer (its base, alternate bids, tiers)."""
        return [self.role.load * row.unit_cost
                for row in network.prices(self.offer.partner_id, self.role)]


@dataclass(frozen=True)
class ModelData:
    network: Network
    rules: Rules
    # Keep only this many candidates per role, the cheapest by ``price`` (locked pairs always):
    # a narrower model for the first stage of the search on large networks. Scales and weights
    # stay those of the full model, so objective values mean the same in both.
    keep_best: int | None = None
    # The partners whose max_share constraints the model holds; None: every partner (see
    # ``solve._search``, which adds them lazily).
    share_partners: frozenset[str] | None = None

    @cached_property
    def all_candidates(self) -> dict[str, list[Candidate]]:
        """Per role, the qualified partners the policy allows (no variable for the others)."""
        excluded, barred = set(self.rules.exclude), self.rules.barred
        return {
            role.role_id: [Candidate(role, offer) for offer in self.network.qualified(role)
                           if offer.partner_id not in excluded
                           and (role.role_id, offer.partner_id) not in barred]
            for role in self.network.roles
        }

    @cached_property
    def all_candidates_keys(self) -> frozenset[tuple[str, str]]:
        """Every (role, partner) pair with a variable in the full model."""
        return frozenset(c.key for c in self.all_pairs)

    @cached_property
    def all_pairs(self) -> list[Candidate]:
        return [c for cands in self.all_candidates.values() for c in cands]

    def price(self, cand: Candidate) -> float:
        """A candidate's standalone price in money: its slot, its share of the partner's fixed
        cost by capacity used, and its unreliability as the profile weighs it."""
        partner = self.network.partner[cand.offer.partner_id]
        profile = self.rules.profile
        fixed_share = partner.fixed_cost * cand.usage / partner.capacity if partner.capacity else 0
        return (profile.cost_weight * (min(cand.costs(self.network)) + fixed_share)
                + profile.reliability_weight * self.typical_slot_cost
                * self.touchpoint_weight(cand.role)
                * (1 - self.network.reliability_of(partner.partner_id, cand.role)))

    @cached_property
    def candidates(self) -> dict[str, list[Candidate]]:
        if self.keep_best is None:
            return self.all_candidates
        # Locked pairs and today's pairs are always kept: max_changes may need the latter.
        locked = {(lk.role_id, lk.partner_id) for lk in (*self.network.locks,
                                                          *self.network.current)}
        kept = {}
        for role_id, cands in self.all_candidates.items():
            ranked = sorted(cands, key=lambda c: (self.price(c), c.offer.partner_id))
            best = ranked[:self.keep_best]
            kept[role_id] = best + [c for c in ranked[self.keep_best:] if c.key in locked]
        return kept

    # What a narrowed model shares with the full one: worked out on the whole network.
    _WHOLE_NETWORK = ("all_candidates", "all_pairs", "money_scale", "capacity_scale",
                      "typical_slot_cost", "objective_ceiling")

    def narrowed(self, keep_best: int) -> ModelData:
        """This model with only the ``keep_best`` best-priced candidates per role, sharing
        the candidates, scales and weights already worked out on the whole network (they are
        the same by definition; on L computing them again took a second).

        >>> import orchestra
        >>> from orchestra.domain import Rules
        >>> net = orchestra.load_workbook("inputs/bank.xlsx")
        >>> full = ModelData(net, Rules.of(net, orchestra.load_profile("balanced")))
        >>> narrow = full.narrowed(2)
        >>> narrow.money_scale == full.money_scale, len(narrow.pairs) < len(full.pairs)
        (True, True)
        """
        return self._sharing(self._WHOLE_NETWORK, keep_best=keep_best)

    def holding_shares_of(self, partners: frozenset[str]) -> ModelData:
        """This model holding the max_share constraints of ``partners`` only (see
        ``solve._search``, which adds them lazily), sharing every figure worked out here:
        none of them depends on which shares are held.

        >>> import orchestra
        >>> from orchestra.domain import Rules
        >>> net = orchestra.load_workbook("inputs/bank.xlsx")
        >>> data = ModelData(net, Rules.of(net, orchestra.load_profile("balanced")))
        >>> held = data.holding_shares_of(frozenset({"P01"}))
        >>> held.share_partners, held.pairs is data.pairs
        (frozenset({'P01'}), True)
        """
        figures = [name for name, attr in vars(type(self)).items()
                   if isinstance(attr, cached_property)]
        return self._sharing(figures, share_partners=partners)

    def _sharing(self, names, **changes) -> ModelData:
        """This model with ``changes``, holding this one's values of the cached ``names``."""
        other = replace(self, **changes)
        for name in names:
            other.__dict__[name] = getattr(self, name)  # a cached_property's own slot
        return other

    @cached_property
    def pairs(self) -> list[Candidate]:
        return [c for cands in self.candidates.values() for c in cands]

    @cached_property
    def partner_ids(self) -> list[str]:
        """Partners that get a selection variable: candidates for some role, or forced in."""
        used = {c.offer.partner_id for c in self.pairs} | set(self.rules.must_include)
        used |= {lk.partner_id for lk in self.network.locks}
        # Today's partners: whether they stay decides their exit cost.
        used |= {p for p in self.network.incumbents if p not in self.rules.exclude}
        return [p.partner_id for p in self.network.partners if p.partner_id in used]

    @cached_property
    def _scaled_partners(self) -> set[str]:
        """The partners of the full model, narrowed or not: the scales are computed over them."""
        return {c.offer.partner_id for c in self.all_pairs} | set(self.partner_ids)

    @cached_property
    def money_scale(self) -> int:
        values = [self.network.partner[p].fixed_cost for p in self._scaled_partners]
        values += [cost for c in self.all_pairs for cost in c.costs(self.network)]
        if self.rules.budget is not None:
            values.append(self.rules.budget)
        values += self._transition_figures
        scale = decimal_scale(values)
        if self._prices_standards:
            # A standard's shortfall is priced in fractions of a typical slot: to the cent at
            # least, or whole-unit costs would round a small shortfall away.
            scale = max(scale, 100)
        return fitting_scale(scale, self.objective_ceiling, "money")

    @property
    def _prices_standards(self) -> bool:
        rules = self.rules
        return bool(rules.profile.standard_shortfall_weight > 0 and rules.meet_standards
                    and self.network.standards)

    def one_off(self, partner_id: str) -> float:
        """The one-off cost that hangs on a partner's selection, per period of the horizon: its
        exit cost if it is in today's network (paid when it is left out), else its onboarding
        cost (paid when it joins); nothing without a today's network."""
        if not self.network.current:
            return 0.0
        partner = self.network.partner[partner_id]
        cost = (partner.exit_cost if partner_id in self.network.incumbents
                else partner.onboarding_cost)
        return cost / self.rules.horizon_periods

    @cached_property
    def calendar(self) -> Calendar | None:
        """The periods today's contracts end in (None: no contract has an end)."""
        return calendar_of(self.network)

    @cached_property
    def _transition_figures(self) -> list[float]:
        """The ``one_off`` figures of every partner the model prices, and each of today's
        contracts' one-off costs and what it costs over the horizon while it runs out, per
        period of the horizon."""
        if not self.network.current:
            return []
        horizon = self.rules.horizon_periods
        contracted = self.network.as_contracted
        figures = [self.one_off(p) for p in self._scaled_partners | self.network.incumbents]
        for c in self.network.current:
            role = contracted.role[c.role_id]
            offer = contracted.offer(c.partner_id, role)
            runs = role.load * offer.unit_cost if offer is not None and c.ends else 0.0
            # each priced on its own: the scale must hold every coefficient, not their sum
            figures += [(c.termination_fee or 0.0) / horizon, c.exit_cost / horizon, runs]
        if self.calendar is not None:
            # The calendar term prices whole periods of slots and fixed costs per period of
            # the horizon: exact at the scale where each of those is.
            figures += [cost / horizon for c in self.all_pairs for cost in c.costs(self.network)]
            figures += [self.network.partner[p].fixed_cost / horizon
                        for p in self._scaled_partners]
        return figures

    @cached_property
    def objective_ceiling(self) -> float:
        """The most any objective term, or their sum, can reach, in money: every partner and
        every candidate at once, every slot open, every tie counted."""
        profile = self.rules.profile
        typical = self.typical_slot_cost
        fixed = sum(self.network.partner[p].fixed_cost for p in self._scaled_partners)
        slots = sum(max(c.costs(self.network)) for c in self.all_pairs)
        unreliable = sum(self.touchpoint_weight(c.role) for c in self.all_pairs)
        open_slots = sum(role.slots * self.touchpoint_weight(role) for role in self.network.roles)
        ties = sum(abs(rel.strength) for rel in self.network.relationships)
        return max(self.rules.budget or 0.0,
                   profile.cost_weight * (fixed + slots + sum(self._transition_figures))
                   + typical * (profile.reliability_weight * unreliable
                                + profile.fill_weight * open_slots
                                + profile.cohesion_weight * ties))

    @cached_property
    def capacity_scale(self) -> int:
        values = [self.network.partner[p].capacity for p in self._scaled_partners]
        values += [c.usage for c in self.all_pairs]
        load: dict[str, float] = {}
        for c in self.all_pairs:
            load[c.offer.partner_id] = load.get(c.offer.partner_id, 0.0) + c.usage * c.role.slots
        ceiling = max([*values, *load.values(), 0.0])
        return fitting_scale(decimal_scale(values), ceiling, "capacity")

    def money(self, value: float) -> int:
        return round(value * self.money_scale)

    def capacity(self, value: float) -> int:
        return math.floor(value * self.capacity_scale + 1e-9)

    def usage(self, value: float) -> int:
        return math.ceil(value * self.capacity_scale - 1e-9)

    @cached_property
    def typical_slot_cost(self) -> float:
        """Median over qualified pairs of fixed cost plus slot cost; the unit of profile weights
        (the policy's ``weight_unit`` when a re-solve keeps the unit of the plan it explains)."""
        if self.network.policy.weight_unit is not None:
            return self.network.policy.weight_unit
        costs = [self.network.partner[c.offer.partner_id].fixed_cost + c.cost
                 for c in self.all_pairs]
        return max(1.0, statistics.median(costs)) if costs else 1.0

    def touchpoint_weight(self, role: Role) -> float:
        """Importance of the role's touchpoint, multiplied up on a moment of truth."""
        touchpoint = self.network.touchpoint[role.touchpoint_id]
        factor = self.rules.profile.moment_of_truth_factor if touchpoint.moment_of_truth else 1.0
        return touchpoint.importance * factor

    def in_typical_slots(self, weight: float) -> int:
        """A profile weight (in typical slot costs) as integer objective units."""
        return round(weight * self.typical_slot_cost * self.money_scale)
