"""The profile's objective of any plan, computed from the plan itself rather than read from a
solver: plans of different networks (a partner dropped, a set restricted) priced in one set of
units, those of the network given here."""

from __future__ import annotations

from orchestra.domain import Network, Plan, Profile, Rules
from orchestra.model.data import ModelData


def objective_terms(data: ModelData, plan: Plan) -> dict[str, float]:
    """The weighted terms of ``plan`` in money, as the model of ``data`` would count them:
    cost, unreliability, cohesion and open optional slots (the open critical slots are ranked
    before all of them and are not in the sum)."""
    network, profile = data.network, data.rules.profile
    scale = data.money_scale
    team = set(plan.selected)

    def typical(weight: float) -> float:  # rounded as the model rounds its coefficients
        return data.in_typical_slots(weight) / scale

    terms = {"cost": (sum(round(profile.cost_weight * data.money(network.partner[p].fixed_cost))
                          for p in plan.selected)
                      + sum(round(profile.cost_weight * data.money(a.cost))
                            for a in plan.assignments)) / scale}
    if network.current:  # newcomers pay onboarding, those of today left out their exit
        terms["transition"] = sum(round(profile.cost_weight * data.money(data.one_off(p)))
                                  for p in team ^ network.incumbents) / scale
    if profile.reliability_weight > 0:
        terms["unreliability"] = sum(
            typical(profile.reliability_weight * data.touchpoint_weight(network.role[a.role_id])
                    * (1 - network.reliability_of(a.partner_id, a.role_id)))
            for a in plan.assignments)
    if profile.cohesion_weight > 0:
        terms["cohesion"] = -sum(typical(profile.cohesion_weight * rel.strength)
                                 for rel in network.relationships
                                 if {rel.partner_a, rel.partner_b} <= team)
    if not profile.fill_all_first:
        filled: dict[str, int] = {}
        for a in plan.assignments:
            filled[a.role_id] = filled.get(a.role_id, 0) + 1
        terms["open_optional_slots"] = sum(
            typical(profile.fill_weight * data.touchpoint_weight(role))
            * max(0, role.slots - filled.get(role.role_id, 0))
            for role in network.roles if not role.critical and data.candidates[role.role_id])
    return terms


def objective_of(network: Network, profile: Profile, plan: Plan) -> float:
    """The sum of ``objective_terms`` for ``plan``, priced in ``network``'s units."""
    return sum(objective_terms(ModelData(network, Rules.of(network, profile)), plan).values())
