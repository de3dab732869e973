"""The profile's objective of any plan, computed from the plan itself rather than read from a
solver: plans of different networks (a partner dropped, a set restricted) priced in one set of
units, those of the network given here."""

from __future__ import annotations

from dataclasses import dataclass

from orchestra.domain import Network, Plan, Profile, Rules
from orchestra.model.data import ModelData
from orchestra.model.rules import shortfall_units
from orchestra.model.transition import phased, schedule


@dataclass(frozen=True)
class Part:
    """One piece of a plan's objective, in money: a term's share that one partner, one
    touchpoint, or both, account for (None where the piece belongs to neither, e.g. a tie)."""

    term: str
    value: float
    partner_id: str | None = None
    touchpoint_id: str | None = None


def objective_parts(data: ModelData, plan: Plan) -> list[Part]:
    """The weighted terms of ``plan`` piece by piece, as the model of ``data`` counts them:
    cost (each partner's fixed cost, each slot), transition (each partner joining or leaving),
    unreliability (each slot), cohesion (each tie inside the team, half to either partner) and
    open optional slots (each role). Open critical slots are ranked before all of them."""
    network, profile = data.network, data.rules.profile
    scale = data.money_scale
    team = set(plan.selected)

    def money(value: float) -> float:  # rounded as the model rounds its coefficients
        return round(profile.cost_weight * data.money(value)) / scale

    def typical(weight: float) -> float:
        return data.in_typical_slots(weight) / scale

    parts = [Part("cost", money(network.partner[p].fixed_cost), p) for p in plan.selected]
    parts += [Part("cost", money(a.cost), a.partner_id, network.role[a.role_id].touchpoint_id)
              for a in plan.assignments]
    if network.current:  # newcomers pay onboarding, those of today left out their exit
        parts += [Part("transition", money(data.one_off(p)), p)
                  for p in sorted(team ^ network.incumbents)]
    if profile.reliability_weight > 0:
        parts += [Part("unreliability", typical(
            profile.reliability_weight * data.touchpoint_weight(network.role[a.role_id])
            * (1 - network.reliability_of(a.partner_id, a.role_id))),
            a.partner_id, network.role[a.role_id].touchpoint_id) for a in plan.assignments]
    if profile.cohesion_weight > 0:
        for rel in network.relationships:
            if {rel.partner_a, rel.partner_b} <= team:
                half = -typical(profile.cohesion_weight * rel.strength) / 2
                parts += [Part("cohesion", half, rel.partner_a),
                          Part("cohesion", half, rel.partner_b)]
    if phased(data.network):  # today's contracts running out, ended early, exit costs per contract
        parts.append(Part("calendar", money(schedule(network, plan).cost
                                            / data.rules.horizon_periods)))
    parts += _shortfall_parts(data, plan)
    if not profile.fill_all_first:
        filled: dict[str, int] = {}
        for a in plan.assignments:
            filled[a.role_id] = filled.get(a.role_id, 0) + 1
        parts += [Part("open_optional_slots",
                       typical(profile.fill_weight * data.touchpoint_weight(role))
                       * max(0, role.slots - filled.get(role.role_id, 0)),
                       touchpoint_id=role.touchpoint_id)
                  for role in network.roles if not role.critical and data.candidates[role.role_id]]
    return parts


def _shortfall_parts(data: ModelData, plan: Plan) -> list[Part]:
    """Each standard's priced shortfall (``rules.shortfall_units``), on its touchpoint."""
    pairs = {(a.role_id, a.partner_id) for a in plan.assignments}
    filled: dict[str, int] = {}
    for role_id, _ in pairs:
        filled[role_id] = filled.get(role_id, 0) + 1
    parts = []
    for standard in data.network.standards:
        units = shortfall_units(data, standard)
        if units is None:
            continue
        delivered = sum(u for key, u in units.per_pair.items() if key in pairs)
        if units.need is None:
            opened = sum(role.slots - filled.get(role.role_id, 0)
                         for role in data.network.covered(standard))
            value = delivered + units.per_open_slot * opened
        else:
            value = max(0, units.need - delivered)
        parts.append(Part("standard_shortfall", value / data.money_scale,
                          touchpoint_id=standard.touchpoint_id))
    return parts


def objective_terms(data: ModelData, plan: Plan) -> dict[str, float]:
    """The weighted terms of ``plan`` in money, summed from ``objective_parts``: the terms the
    profile weighs, each present even when it is zero."""
    terms = {"cost": 0.0}
    if data.network.current:
        terms["transition"] = 0.0
    if phased(data.network):
        terms["calendar"] = 0.0
    for part in objective_parts(data, plan):
        terms[part.term] = terms.get(part.term, 0.0) + part.value
    profile = data.rules.profile
    if profile.reliability_weight > 0:
        terms.setdefault("unreliability", 0.0)
    if profile.cohesion_weight > 0:
        terms.setdefault("cohesion", 0.0)
    if not profile.fill_all_first:
        terms.setdefault("open_optional_slots", 0.0)
    if any(shortfall_units(data, s) is not None for s in data.network.standards):
        terms.setdefault("standard_shortfall", 0.0)
    return terms


def objective_of(network: Network, profile: Profile, plan: Plan) -> float:
    """The sum of ``objective_terms`` for ``plan``, priced in ``network``'s units."""
    return sum(objective_terms(ModelData(network, Rules.of(network, profile)), plan).values())
