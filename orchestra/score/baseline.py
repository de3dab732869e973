"""Today's network as the baseline of a plan: scored exactly like a plan, and what changes.

Every figure a manager signs against: the recurring cost today and planned (the saving), the
one-off transition cost and its payback, and, role by role, which contracts are kept, replaced,
ended or new, with the partners who join and who leave.
"""

from __future__ import annotations

from dataclasses import dataclass

from orchestra.domain import Network, Plan, Profile
from orchestra.model.given import given_plan
from orchestra.score import Scores, score


@dataclass(frozen=True)
class Changes:
    """From today's (role, partner) pairs to the plan's."""

    kept: tuple[tuple[str, str], ...]  # (role, partner) in both
    replaced: tuple[tuple[str, str, str], ...]  # (role, today's partner, planned partner)
    ended: tuple[tuple[str, str], ...]  # today's pairs the plan ends, no one taking over
    new: tuple[tuple[str, str], ...]  # planned pairs on slots nobody holds today
    new_partners: tuple[str, ...]  # joining: selected, not in today's network
    dropped_partners: tuple[str, ...]  # leaving: in today's network, not selected

    @property
    def count(self) -> int:
        """Contracts that change: every replaced, ended or new assignment."""
        return len(self.replaced) + len(self.ended) + len(self.new)


def changes(network: Network, plan: Plan) -> Changes:
    """Role by role, today's partners against the planned ones. Where a role loses some and
    gains others, they are paired in id order as replacements; the rest end or are new."""
    today: dict[str, list[str]] = {}
    for pair in network.current:
        today.setdefault(pair.role_id, []).append(pair.partner_id)
    planned: dict[str, list[str]] = {}
    for a in plan.assignments:
        planned.setdefault(a.role_id, []).append(a.partner_id)
    kept, replaced, ended, new = [], [], [], []
    for role in network.roles:
        was, now = today.get(role.role_id, []), planned.get(role.role_id, [])
        kept += [(role.role_id, p) for p in sorted(set(was) & set(now))]
        gone, came = sorted(set(was) - set(now)), sorted(set(now) - set(was))
        replaced += [(role.role_id, a, b) for a, b in zip(gone, came, strict=False)]
        ended += [(role.role_id, p) for p in gone[len(came):]]
        new += [(role.role_id, p) for p in came[len(gone):]]
    team = set(plan.selected)
    return Changes(tuple(kept), tuple(replaced), tuple(ended), tuple(new),
                   tuple(sorted(team - network.incumbents)),
                   tuple(sorted(network.incumbents - team)))


@dataclass(frozen=True)
class Baseline:
    """Today's network, scored like a plan, set against ``changes`` of the plan."""

    plan: Plan
    scores: Scores
    changes: Changes
    transition_cost: float  # one-off: onboarding the newcomers, exit of those who leave
    savings: float  # per period: today's total cost minus the plan's (negative: it costs more)

    @property
    def payback_periods(self) -> float | None:
        """How many periods of savings pay for the transition; None if nothing is saved."""
        if self.transition_cost == 0:
            return 0.0
        return self.transition_cost / self.savings if self.savings > 0 else None


def baseline(network: Network, profile: Profile, plan: Plan) -> Baseline | None:
    """Today's network (the ``current`` sheet) as a plan at today's prices (before any
    returned bids), scored, against ``plan``; None when the input has no today's network."""
    if not network.current:
        return None
    contracted = network.as_contracted  # today's contracts at today's prices, not the bids
    today = given_plan(contracted, profile, network.current)
    return Baseline(today, score(contracted, today), changes(network, plan),
                    plan.transition_cost, today.total_cost - plan.total_cost)
