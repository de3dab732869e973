"""The facts orchestra plans with, and the plan it returns: frozen, typed records.

Spreadsheets are checked at the edge (``orchestra.io``); everything past it works with these.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orchestra.model.transition import Schedule

PARTNER_KINDS = ("supplier", "service_provider", "customer", "internal")
TOUCHPOINT_KINDS = ("acquisition", "utilization")
STAGES = ("front", "back")
DIRECTIONS = ("higher", "lower")
DIMENSIONS = ("reliability", "responsiveness", "assurance", "empathy", "tangibles")
RULE_KINDS = ("same_partner", "single_source", "requires", "max_share")
RULE_SCOPES = ("network", "site")
ALL_SITES = "all"  # a sites cell naming every site
SITE_MARK = "@"  # a sited role's slots at one site are the role "R05@H1"


@dataclass(frozen=True)
class Partner:
    partner_id: str
    name: str
    kind: str
    capacity: float
    region: str = ""
    fixed_cost: float = 0.0
    reliability: float = 1.0
    response_hours: float | None = None
    onboarding_cost: float = 0.0  # paid once when a partner outside today's network joins
    exit_cost: float = 0.0  # paid once when a partner of today's network leaves it
    serves: tuple[str, ...] = ()  # the regions or site ids it works at; () everywhere


@dataclass(frozen=True)
class Site:
    """A place where sited roles are needed (a hotel, branch, clinic, store, depot)."""

    site_id: str
    name: str
    region: str = ""


@dataclass(frozen=True)
class Capability:
    """A partner's offer of a capability: for every role that needs it, or with ``role_id``
    for that role only (another price, effort or level for the same capability).

    With ``site_id``, the offer holds at that site only, in place of the partner's offer for
    every site. Several rows of one partner, capability, ``role_id`` and ``site_id`` are prices
    of the same offer: a row
    with a ``bid_id`` belongs to that alternate bid (at most one of a partner's bids is
    accepted); a row with ``min_slots`` above 1 is a volume tier (its price holds when the
    partner takes at least that many slots of the capability).
    """

    partner_id: str
    capability: str
    level: int
    unit_cost: float = 0.0
    effort: float = 1.0
    response_hours: float | None = None  # this offer's, when not the partner's own
    reliability: float | None = None  # this offer's, when not the partner's own
    role_id: str = ""
    bid_id: str = ""  # the alternate bid (package) this price belongs to; blank: always open
    min_slots: int = 1  # the volume tier: slots of the capability the partner must take
    site_id: str = ""  # an offer for that site only, in place of the one for every site

    @property
    def is_base(self) -> bool:
        """A price open in every plan: in no alternate bid, no volume tier."""
        return not self.bid_id and self.min_slots <= 1


@dataclass(frozen=True)
class Touchpoint:
    touchpoint_id: str
    name: str
    kind: str
    stage: str
    channel: str = ""
    moment_of_truth: bool = False
    importance: float = 1.0
    step: int | None = None  # place in the customer journey (the blueprint's column order)
    customer_action: str = ""  # what the customer does here (the blueprint's top lane)
    evidence: str = ""  # what the customer sees or holds (physical evidence)


@dataclass(frozen=True)
class Role:
    role_id: str
    name: str
    touchpoint_id: str
    capability: str
    min_level: int = 1
    slots: int = 1
    load: float = 1.0
    critical: bool = True
    # A role needed at several sites is one role per site, "R05@H1": its ``site_id`` and the
    # roles sheet's id in ``base`` ("R05"). A network-wide role has neither.
    site_id: str = ""
    base: str = ""

    @property
    def base_id(self) -> str:
        """The role's id on the roles sheet: "R05" for "R05@H1", else its own."""
        return self.base or self.role_id


@dataclass(frozen=True)
class Relationship:
    partner_a: str
    partner_b: str
    strength: float


class StandardNamed:
    """What names a standard, for it and for what is said of it (``touchpoint_id``,
    ``metric`` and ``site_id`` fields)."""

    touchpoint_id: str
    metric: str
    site_id: str

    @property
    def key(self) -> tuple[str, str, str]:
        """What tells one standard from another: touchpoint, metric and site."""
        return (self.touchpoint_id, self.metric, self.site_id)

    @property
    def subject(self) -> str:
        """What it measures, where: "response_hours", or "response_hours at H2"."""
        return f"{self.metric} at {self.site_id}" if self.site_id else self.metric

    @property
    def label(self) -> str:
        """The standard as messages name it: "T03 response_hours" or "... at H2"."""
        return f"{self.touchpoint_id} {self.subject}"


@dataclass(frozen=True)
class Standard(StandardNamed):
    touchpoint_id: str
    metric: str
    direction: str
    customer_expects: float | None = None
    target: float | None = None
    promised: float | None = None
    measured: float | None = None
    roles: tuple[str, ...] = ()  # the roles it covers; () means every role of the touchpoint
    site_id: str = ""  # kept at this site (its roles there and the network-wide ones); "": all

    @property
    def plannable(self) -> bool:
        """A target on a metric the plan determines, in the direction that metric improves:
        ``meet_standards`` makes the plan keep it."""
        return self.target is not None and PLANNED_METRICS.get(self.metric) == self.direction

    def too_slow(self, hours: float | None) -> bool:
        """A partner answering in ``hours`` breaks this ``response_hours`` standard (a partner
        whose response time is unknown never does, as in the scores)."""
        return hours is not None and hours > self.target + 1e-9

    def over_target(self, hours: float | None) -> float:
        """How far a partner answering in ``hours`` is over this response standard, as a share
        of the target (0 within it, or when its time is unknown)."""
        if hours is None or hours <= self.target:
            return 0.0
        return (hours - self.target) / self.target if self.target > 0 else hours - self.target


@dataclass(frozen=True)
class StandardFigures:
    """What a plan delivers on one hard standard over the slots it covers.

    ``on_time_rate``: achieved = (sum over covered slots that are filled of reliability x load)
    / (sum over every covered slot, filled or open, of load): an open slot delivers nothing.
    ``response_hours``: achieved = the slowest filled covered slot's time; met only when every
    covered slot is filled and none is slower than the target. ``missed_by`` is in the metric's
    units (0 when met); ``shortfall`` is what the objective prices: the share short of the
    target (on-time), or each filled slot's hours over the target as a share of it plus 1 per
    open covered slot (response).
    """

    achieved: float | None
    open_slots: int
    met: bool | None  # None when the standard covers no slot
    missed_by: float
    shortfall: float


def judge(network: Network, standard: Standard, pairs: Iterable[tuple[str, str]]
          ) -> StandardFigures:
    """``standard``'s figures for the plan given as (role_id, partner_id) pairs.

    >>> net = Network((Partner("A", "A", "supplier", 9, reliability=0.9),), (),
    ...               (Touchpoint("T", "T", "utilization", "front"),),
    ...               (Role("R", "R", "T", "x", slots=2, load=2.0),))
    >>> judge(net, Standard("T", "on_time_rate", "higher", target=0.9), [("R", "A")])
    StandardFigures(achieved=0.45, open_slots=1, met=False, missed_by=0.45, shortfall=0.45)
    """
    covered = network.covered(standard)
    if not covered:
        return StandardFigures(None, 0, None, 0.0, 0.0)
    ids = {r.role_id for r in covered}
    filled = [(network.role[r], p) for r, p in pairs if r in ids]
    open_slots = sum(r.slots for r in covered) - len(filled)
    target = standard.target
    if standard.metric == "on_time_rate":
        weight, total = network.on_time_weights(standard)
        achieved = sum(weight[r.role_id] * network.reliability_of(p, r)
                       for r, p in filled) / total
        short = max(0.0, target - achieved)
        return StandardFigures(achieved, open_slots, short <= 1e-9,
                               0.0 if short <= 1e-9 else short, short if short > 1e-9 else 0.0)
    hours = [h for r, p in filled if (h := network.response_of(p, r)) is not None]
    achieved = max(hours) if hours else None
    slow = any(standard.too_slow(h) for h in hours)
    met = open_slots <= 0 and not slow
    missed_by = 0.0 if met or achieved is None else max(0.0, achieved - target)
    shortfall = sum(standard.over_target(h) for h in hours) + max(0, open_slots)
    return StandardFigures(achieved, max(0, open_slots), met, missed_by, shortfall)


# The hard-standard metrics a plan determines, and the direction in which each is better.
PLANNED_METRICS = {"response_hours": "lower", "on_time_rate": "higher"}


@dataclass(frozen=True)
class Expectation:
    touchpoint_id: str
    dimension: str
    customer_expected: float | None = None
    management_estimate: float | None = None
    customer_perceived: float | None = None


@dataclass(frozen=True)
class Policy:
    """Rules the company sets for this plan. ``None`` means "no limit" / "not set"."""

    @property
    def money_unit(self) -> str:
        """How money figures are labelled: "EUR per month", "EUR", "per month" or ""."""
        per = f"per {self.period}" if self.period else ""
        return " ".join(part for part in (self.currency or "", per) if part)

    budget: float | None = None
    max_partners: int | None = None
    min_partners_per_touchpoint: int | None = None
    must_include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    forbid_below_strength: float | None = None
    time_limit_s: float | None = None
    profile: str | None = None
    seed: int | None = None
    max_changes: int | None = None  # most of today's (role, partner) pairs the plan may end
    horizon_periods: float | None = None  # one-off costs are spread over this many periods
    meet_standards: bool | None = None  # hard standards as planning rules (default yes)
    currency: str | None = None  # e.g. EUR: every money figure is in it
    period: str | None = None  # e.g. month: every recurring figure is per one of them
    plan_start: date | None = None  # period 1 begins that day (None: the day of the run)
    survey_scale: tuple[float, float] = (1.0, 7.0)  # the expectations sheet's scores lie on it
    accept_claims: bool | None = None  # plan with returned bids' claims, not the assessment
    paper: str | None = None  # A4 or letter: the printed pages
    round_title: str | None = None  # a sourcing round as its bidders see it
    buyer: str | None = None
    deadline: str | None = None
    contact: str | None = None
    default_onboarding_cost: float | None = None  # a new bidder's onboarding cost
    # (role, partner) pairs the plan may not use, though the partner qualifies: set by
    # ``orchestra explain`` to ask who would serve the role otherwise; never read from a sheet.
    barred: tuple[tuple[str, str], ...] = ()
    # Teams the plan must differ from, each in at least ``min_difference`` partners (selected
    # in one and not the other): set by ``plan --alternatives``; never read from a sheet.
    other_than: tuple[tuple[str, ...], ...] = ()
    min_difference: int = 2
    # The typical slot cost (the unit of the profile's weights), fixed from another network so
    # that a re-solve of a changed network weighs its terms exactly as the plan did.
    weight_unit: float | None = None
    # Profile weights overridden by the policy sheet, e.g. {"cohesion": 0.5}.
    weights: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    # Where each key was read (``policy!B5``), for messages that name the rule.
    cells: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}),
                                     compare=False)


@dataclass(frozen=True)
class CandidateSet:
    set_id: str
    partner_ids: tuple[str, ...]


@dataclass(frozen=True)
class Scenario:
    """A named what-if of the ``scenarios`` sheet: None (or empty) keeps the input's value."""

    name: str
    profile: str = ""
    budget: float | None = None
    max_partners: int | None = None
    max_changes: int | None = None
    meet_standards: bool | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    locks_from: str = ""
    where: str = field(default="", compare=False)  # the cell of its name


@dataclass(frozen=True)
class PlanRule:
    """A rule of the ``rules`` sheet that ties roles or partners together.

    ``same_partner``: one partner serves all ``roles`` (each of one slot); ``single_source``:
    at most ``limit`` distinct partners across all slots of ``roles``; ``requires``: the first
    of ``partners`` is selected only if the others are; ``max_share``: each of ``partners``
    (every partner when none is named) takes at most share ``limit`` of all filled slots (of
    the filled slots of ``roles``, when it names them: a site's).

    On a network of sites the loader writes a rule in the roles of each site: across every
    site (scope ``network``: ``roles`` holds every site's), or once per site (``site_id``).
    """

    rule: str
    roles: tuple[str, ...] = ()
    partners: tuple[str, ...] = ()
    limit: float | None = None
    where: str = field(default="", compare=False)
    site_id: str = ""  # the site this copy of a site-scoped rule holds at
    written: tuple[str, ...] = ()  # the roles as the rules sheet names them, for messages

    def shares(self, role_id: str) -> bool:
        """Whether a slot of ``role_id`` counts in this max_share rule's shares."""
        return not self.roles or role_id in self.roles

    def __str__(self) -> str:
        roles = self.written or self.roles
        what = ";".join(roles or self.partners) or "every partner"
        limit = "" if self.limit is None else f", limit {self.limit:g}"
        at = f" at {self.site_id}" if self.site_id else ""
        return f"{self.rule} ({what}{limit}){at}"


@dataclass(frozen=True)
class Lock:
    """A (role, partner) pair held: a lock, or a contract of today's network with its terms
    (``ends``: the contract's end date, None when it can end at plan_start; the
    ``termination_fee`` to end it before then, None when it cannot be ended early; the
    ``exit_cost`` paid when it ends and is not renewed)."""

    role_id: str
    partner_id: str
    where: str = field(default="", compare=False)  # the cell it was read from, for messages
    ends: date | None = None
    termination_fee: float | None = None
    exit_cost: float = 0.0


@dataclass(frozen=True)
class Claim:
    """A service level a returned bid claims, beside the buyer's assessment of it."""

    partner_id: str
    capability: str  # "" for the partner's own figure
    metric: str  # reliability or response_hours
    claimed: float
    assessed: float | None
    where: str = field(default="", compare=False)

    def __str__(self) -> str:
        what = f"{self.partner_id} {self.capability + ' ' if self.capability else ''}"
        assessed = "not assessed" if self.assessed is None else f"assessed {self.assessed:g}"
        return f"{self.where}: {what}{self.metric} claimed {self.claimed:g} ({assessed})"


INVITE_QUALIFIED, INVITE_ALL = "qualified", "all"


@dataclass(frozen=True)
class Lot:
    """What a sourcing round buys together: roles, and who is invited to bid for them
    (partner ids, or ``INVITE_QUALIFIED`` / ``INVITE_ALL``)."""

    lot_id: str
    name: str
    roles: tuple[str, ...]
    invited: tuple[str, ...] = (INVITE_QUALIFIED,)
    sites: tuple[str, ...] = ()  # bought at these sites only (a lot per site); (): everywhere


@dataclass(frozen=True)
class Network:
    """Everything read from one input: the facts a plan is made from."""

    partners: tuple[Partner, ...]
    capabilities: tuple[Capability, ...]
    touchpoints: tuple[Touchpoint, ...]
    roles: tuple[Role, ...]
    relationships: tuple[Relationship, ...] = ()
    standards: tuple[Standard, ...] = ()
    expectations: tuple[Expectation, ...] = ()
    policy: Policy = Policy()
    sets: tuple[CandidateSet, ...] = ()
    scenarios: tuple[Scenario, ...] = ()
    locks: tuple[Lock, ...] = ()
    current: tuple[Lock, ...] = ()  # today's network: one (role, partner) per slot held today
    rules: tuple[PlanRule, ...] = ()  # the rules sheet
    source: str = ""  # the workbook or folder read
    locks_source: str = ""  # the file the locks came from, when not the input itself
    bids_sources: tuple[str, ...] = ()  # returned bid files merged in (``--bids``)
    bidders: tuple[str, ...] = ()  # the partners those bids speak for, in file order
    claims: tuple[Claim, ...] = ()  # what returned bids claim, beside the buyer's assessment
    not_returned: tuple[str, ...] = ()  # bid files in the folder that are not bids (why, each)
    lot_rows: tuple[Lot, ...] = ()  # the lots sheet; ``lots`` gives the round's lots
    sites: tuple[Site, ...] = ()  # the sites sheet: where sited roles are needed
    # The input as it stood before returned bids were merged in: today's contracts at today's
    # prices (None without bids, or without a today's network to price).
    before_bids: Network | None = field(default=None, compare=False, repr=False)

    @property
    def as_contracted(self) -> Network:
        """The network at today's prices: before the returned bids, if there are any."""
        return self.before_bids or self

    # Lookups: built once on first use. The records are frozen, so the caches never go stale.
    @cached_property
    def partner(self) -> Mapping[str, Partner]:
        return MappingProxyType({p.partner_id: p for p in self.partners})

    @cached_property
    def _partner_ids(self) -> Mapping[str, str]:
        return MappingProxyType({pid.lower(): pid for pid in self.partner})

    def partner_id(self, text: str) -> str | None:
        """The partner id ``text`` names, as the input spells it (ids are case-insensitive);
        None when it names none."""
        return self._partner_ids.get(text.strip().lower())

    @cached_property
    def site(self) -> Mapping[str, Site]:
        return MappingProxyType({s.site_id: s for s in self.sites})

    def serves(self, partner_id: str, site_id: str) -> bool:
        """Whether a partner works at a site: it names no place (everywhere), or the site, or
        the site's region. Every partner serves a network-wide role (``site_id`` "")."""
        places = self.partner[partner_id].serves
        if not site_id or not places:
            return True
        site = self.site.get(site_id)
        return site_id in places or (site is not None and bool(site.region)
                                     and site.region in places)

    @cached_property
    def by_base(self) -> Mapping[str, tuple[Role, ...]]:
        """Each role of the roles sheet (its ``base_id``) and the roles it is: itself, or one
        per site it is needed at, in the sites sheet's order."""
        index: dict[str, list[Role]] = {}
        for role in self.roles:
            index.setdefault(role.base_id, []).append(role)
        return MappingProxyType({k: tuple(v) for k, v in index.items()})

    def roles_text(self, role_ids: Iterable[str], most: int = 3) -> str:
        """Roles as a sentence names them, each roles-sheet role once: "R01, R05 at H1, H2"
        or "R05 at 8 sites" beyond ``most`` sites."""
        sites: dict[str, list[str]] = {}
        for rid in role_ids:
            role = self.role[rid]
            sites.setdefault(role.base_id, [])
            if role.site_id:
                sites[role.base_id].append(role.site_id)
        return ", ".join(base if not at else f"{base} at {', '.join(at)}" if len(at) <= most
                         else f"{base} at {len(at)} sites" for base, at in sites.items())

    def ref(self, role_id: str) -> dict[str, str | None]:
        """A role as outputs write it: the roles sheet's ``role_id`` and its ``site_id`` (None
        for a network-wide role)."""
        role = self.role.get(role_id)
        if role is None:
            return {"role_id": role_id or None, "site_id": None}
        return {"role_id": role.base_id, "site_id": role.site_id or None}

    def where(self, role_id: str) -> str:
        """A role as messages name it: its id, "R05 at H1" for a sited role's."""
        role = self.role.get(role_id)
        if role is None or not role.site_id:
            return role_id
        return f"{role.base_id} at {role.site_id}"

    @cached_property
    def touchpoint(self) -> Mapping[str, Touchpoint]:
        return MappingProxyType({t.touchpoint_id: t for t in self.touchpoints})

    @cached_property
    def role(self) -> Mapping[str, Role]:
        return MappingProxyType({r.role_id: r for r in self.roles})

    @cached_property
    def _capability_index(self) -> Mapping[str, tuple[Capability, ...]]:
        index: dict[str, list[Capability]] = {}
        for cap in self.capabilities:
            index.setdefault(cap.capability, []).append(cap)
        return MappingProxyType({k: tuple(v) for k, v in index.items()})

    @cached_property
    def _roles_by_touchpoint(self) -> Mapping[str, tuple[Role, ...]]:
        index: dict[str, list[Role]] = {t.touchpoint_id: [] for t in self.touchpoints}
        for role in self.roles:
            index.setdefault(role.touchpoint_id, []).append(role)
        return MappingProxyType({k: tuple(v) for k, v in index.items()})

    @cached_property
    def _prices_index(self) -> Mapping[tuple[str, str, str, str], tuple[Capability, ...]]:
        index: dict[tuple[str, str, str, str], list[Capability]] = {}
        for c in self.capabilities:
            index.setdefault((c.partner_id, c.capability, c.role_id, c.site_id), []).append(c)
        return MappingProxyType({k: tuple(v) for k, v in index.items()})

    @cached_property
    def _offer_index(self) -> Mapping[tuple[str, str, str, str], Capability]:
        # An offer's face: its base price where it has one, else its first row.
        return MappingProxyType({k: next((c for c in rows if c.is_base), rows[0])
                                 for k, rows in self._prices_index.items()})

    @cached_property
    def priced_in_bids(self) -> bool:
        """Whether any offer has an alternate bid or a volume tier."""
        return any(not c.is_base for c in self.capabilities)

    def who(self, partner_id: str) -> str:
        """A partner as sentences name it: its name, the id beside it ("CareLine (P17)")."""
        partner = self.partner.get(partner_id)
        if partner is None or partner.name in ("", partner_id):
            return partner_id
        return f"{partner.name} ({partner_id})"

    def offer(self, partner_id: str, role: Role | str) -> Capability | None:
        """``partner_id``'s offer for ``role``: its offer made for that role, else its offer of
        the role's capability, if it has one."""
        role = self.role[role] if isinstance(role, str) else role
        return next((self._offer_index[k] for k in self._offer_keys(partner_id, role)
                     if k in self._offer_index), None)

    @staticmethod
    def _offer_keys(partner_id: str, role: Role) -> tuple[tuple[str, str, str, str], ...]:
        """Where an offer for ``role`` may be, most specific first: made for this very role
        (``explain`` prices one so), for the roles sheet's role at its site, for the
        capability at its site, for the roles sheet's role, for the capability."""
        keys = dict.fromkeys(((role.role_id, ""), (role.base_id, role.site_id),
                              ("", role.site_id), (role.base_id, ""), ("", "")))
        return tuple((partner_id, role.capability, rid, site) for rid, site in keys)

    def prices(self, partner_id: str, role: Role | str) -> tuple[Capability, ...]:
        """Every price of ``offer(partner_id, role)``: its base row, alternate bids, tiers."""
        role = self.role[role] if isinstance(role, str) else role
        return next((self._prices_index[k] for k in self._offer_keys(partner_id, role)
                     if k in self._prices_index), ())

    def reliability_of(self, partner_id: str, role: Role | str) -> float:
        """Share delivered to standard on ``role``: the offer's figure, else the partner's."""
        offer = self.offer(partner_id, role)
        if offer is not None and offer.reliability is not None:
            return offer.reliability
        return self.partner[partner_id].reliability

    def response_of(self, partner_id: str, role: Role | str) -> float | None:
        """Hours to respond on ``role``: the offer's figure, else the partner's (None: unknown)."""
        offer = self.offer(partner_id, role)
        if offer is not None and offer.response_hours is not None:
            return offer.response_hours
        return self.partner[partner_id].response_hours

    def conflicts(self, threshold: float | None) -> dict[str, set[str]]:
        """For each partner, the partners whose strength with it is below ``threshold``
        (none when no threshold is set): the pairs ``forbid_below_strength`` keeps apart."""
        pairs: dict[str, set[str]] = {}
        if threshold is None:
            return pairs
        for rel in self.relationships:
            if rel.strength < threshold:
                pairs.setdefault(rel.partner_a, set()).add(rel.partner_b)
                pairs.setdefault(rel.partner_b, set()).add(rel.partner_a)
        return pairs

    def offers(self, capability: str) -> tuple[Capability, ...]:
        """Every partner's offer of ``capability``, at any level."""
        return self._capability_index.get(capability, ())

    def qualified(self, role: Role | str) -> tuple[Capability, ...]:
        """The offers that qualify for ``role``: its capability at ``min_level`` or above, one
        per partner (an offer made for the role in place of the partner's general one), from
        the partners that serve the role's site."""
        role = self.role[role] if isinstance(role, str) else role
        partners = dict.fromkeys(c.partner_id for c in self.offers(role.capability)
                                 if c.role_id in ("", role.base_id, role.role_id)
                                 and c.site_id in ("", role.site_id)
                                 and self.serves(c.partner_id, role.site_id))
        offers = (self.offer(pid, role) for pid in partners)
        return tuple(c for c in offers if c is not None and c.level >= role.min_level)

    @cached_property
    def journey(self) -> tuple[Touchpoint, ...]:
        """The touchpoints in the customer's order: by ``step`` where given (those without one
        after), then acquisition before utilization, then the input's order."""
        order = {t.touchpoint_id: k for k, t in enumerate(self.touchpoints)}
        return tuple(sorted(self.touchpoints, key=lambda t: (
            t.step is None, t.step or 0, t.kind != "acquisition", order[t.touchpoint_id])))

    def roles_of(self, touchpoint_id: str) -> tuple[Role, ...]:
        return self._roles_by_touchpoint.get(touchpoint_id, ())

    @cached_property
    def slot_count(self) -> int:
        return sum(r.slots for r in self.roles)

    def covered(self, standard: Standard) -> tuple[Role, ...]:
        """The roles a standard covers: those its ``roles`` name, else all of its touchpoint;
        a standard kept at one site covers the roles there and the network-wide ones."""
        roles = self.roles_of(standard.touchpoint_id)
        return tuple(r for r in roles if (not standard.roles or r.base_id in standard.roles)
                     and (not standard.site_id or r.site_id in ("", standard.site_id)))

    def on_time_weights(self, standard: Standard) -> tuple[dict[str, float], float]:
        """Each covered role's weight in an on-time standard (its load; every slot alike when
        no covered role has a load) and the covered total the delivered sum is divided by."""
        covered = self.covered(standard)
        total = sum(r.slots * r.load for r in covered)
        if total > 0:
            return {r.role_id: r.load for r in covered}, total
        return {r.role_id: 1.0 for r in covered}, float(sum(r.slots for r in covered))

    def out_of_reach(self, standard: Standard) -> str:
        """Why no plan can meet a plannable ``standard``, with the best figure on offer; "" when
        one may. Response: a covered role with fewer allowed qualified partners than slots, or
        whose allowed qualified partners all answer too slowly. On-time: the most reliable
        allowed partners on every covered slot still fall short."""
        excluded = set(self.policy.exclude)
        covered = self.covered(standard)
        allowed = {role.role_id: [o.partner_id for o in self.qualified(role)
                                  if o.partner_id not in excluded] for role in covered}
        if standard.metric == "response_hours":
            for role in covered:
                fast = [p for p in allowed[role.role_id]
                        if not standard.too_slow(self.response_of(p, role))]
                if len(fast) >= role.slots:
                    continue
                if not allowed[role.role_id]:
                    return f"no partner can fill {self.where(role.role_id)}, a slot it covers"
                hours = [h for p in allowed[role.role_id]
                         if (h := self.response_of(p, role)) is not None]
                if not fast:
                    return (f"the fastest qualified partner for {self.where(role.role_id)} "
                            "answers in "
                            f"{min(hours):g} h")
                return (f"{len(fast)} qualified partner(s) for {self.where(role.role_id)} "
                        "answer within "
                        f"{standard.target:g} h, for its {role.slots} slots")
            return ""
        best = {role.role_id: sorted((self.reliability_of(p, role) for p in allowed[role.role_id]),
                                     reverse=True)[:role.slots] for role in covered}
        total = sum(r.slots * r.load for r in covered)
        if total <= 0:
            return ""
        ceiling = sum(role.load * rate for role in covered for rate in best[role.role_id])
        if ceiling / total < standard.target - 1e-9:
            return (f"the most reliable qualified partners on every slot it covers deliver "
                    f"{ceiling / total:.4g}")
        return ""

    @cached_property
    def lots(self) -> tuple[Lot, ...]:
        """The lots of a sourcing round: the lots sheet, else one lot per sourced capability
        (its roles, named after it), open to the partners qualified for it."""
        if self.lot_rows:
            return self.lot_rows
        roles: dict[str, list[str]] = {}
        for role in self.roles:
            roles.setdefault(role.capability, []).append(role.role_id)
        return tuple(Lot(cap, cap, tuple(ids)) for cap, ids in sorted(roles.items()))

    def invited(self, lot: Lot, everyone: bool = False, excluded_too: bool = False
                ) -> tuple[str, ...]:
        """The partners invited to bid for ``lot`` (in the input's order): those it names, or
        with ``qualified`` the partners offering today the capability of one of its roles (at
        any level: the bid may raise it), or
        with ``all`` (or ``everyone``) every partner that is not in-house. Partners the policy
        excludes are not invited (unless ``excluded_too``)."""
        excluded = set() if excluded_too else set(self.policy.exclude)
        if everyone or INVITE_ALL in lot.invited:
            named = {p.partner_id for p in self.partners if p.kind != "internal"}
        else:
            named = {pid for pid in lot.invited if pid != INVITE_QUALIFIED}
            if INVITE_QUALIFIED in lot.invited:
                named |= {c.partner_id for rid in lot.roles
                          for c in self.offers(self.role[rid].capability)
                          if c.role_id in ("", self.role[rid].base_id)
                          and c.site_id in ("", self.role[rid].site_id)
                          and self.serves(c.partner_id, self.role[rid].site_id)
                          and self.partner[c.partner_id].kind != "internal"}
        return tuple(p.partner_id for p in self.partners
                     if p.partner_id in named and p.partner_id not in excluded)

    @cached_property
    def incumbents(self) -> frozenset[str]:
        """The partners of today's network (the ``current`` sheet)."""
        return frozenset(c.partner_id for c in self.current)

    def transition_cost(self, selected: Iterable[str]) -> float:
        """One-off cost of moving from today's network to a team: onboarding of every newcomer,
        exit of every partner of today's network left out. Nothing without a ``current``."""
        if not self.current:
            return 0.0
        team = set(selected)
        return (sum(self.partner[p].onboarding_cost for p in team - self.incumbents)
                + sum(self.partner[p].exit_cost for p in self.incumbents - team))


@dataclass(frozen=True)
class Profile:
    """A planning profile: how the objective weighs its terms, and extra rules.

    Weights other than ``cost_weight`` are in units of a *typical slot cost* (the median, over
    every partner-role pair that qualifies, of the partner's fixed cost plus the slot's cost), so
    one profile means the same on a network priced in euros or in thousands of euros.
    """

    name: str
    description: str = ""
    cost_weight: float = 1.0
    fill_weight: float = 2.0
    moment_of_truth_factor: float = 2.0
    reliability_weight: float = 0.5
    cohesion_weight: float = 0.25
    fill_all_first: bool = False
    min_partners_per_touchpoint: int = 1
    protect_moments_of_truth: bool = False
    # A missed hard standard also costs this many typical slots x its touchpoint's importance
    # x how far it falls short (``StandardFigures.shortfall``); 0 prices money only.
    standard_shortfall_weight: float = 0.0


# Profile fields a policy sheet may override, by the same name.
WEIGHT_KEYS = (
    "cost_weight",
    "fill_weight",
    "moment_of_truth_factor",
    "reliability_weight",
    "cohesion_weight",
    "standard_shortfall_weight",
)


@dataclass(frozen=True)
class Rules:
    """The rules and weights in force for one plan: the profile, overridden by the policy."""

    profile: Profile
    budget: float | None
    max_partners: int | None
    min_partners_per_touchpoint: int
    must_include: tuple[str, ...]
    exclude: tuple[str, ...]
    forbid_below_strength: float | None
    max_changes: int | None = None
    horizon_periods: float = 1.0
    meet_standards: bool = True
    barred: frozenset[tuple[str, str]] = frozenset()
    other_than: tuple[frozenset[str], ...] = ()
    min_difference: int = 2

    def differs_enough(self, team: set[str] | frozenset[str]) -> bool:
        """Whether ``team`` differs from every team in ``other_than`` in ``min_difference``
        partners or more."""
        return all(len(set(team) ^ other) >= self.min_difference for other in self.other_than)

    @classmethod
    def of(cls, network: Network, profile: Profile) -> Rules:
        """Profile values, with every value the policy sheet sets taking precedence."""
        policy = network.policy
        weights = {k: v for k, v in policy.weights.items() if k in WEIGHT_KEYS}
        merged = Profile(**{**profile.__dict__, **weights})
        redundancy = policy.min_partners_per_touchpoint
        return cls(
            profile=merged,
            budget=policy.budget,
            max_partners=policy.max_partners,
            min_partners_per_touchpoint=(
                redundancy if redundancy is not None else profile.min_partners_per_touchpoint),
            must_include=policy.must_include,
            exclude=policy.exclude,
            forbid_below_strength=policy.forbid_below_strength,
            max_changes=policy.max_changes,
            horizon_periods=policy.horizon_periods or 1.0,
            meet_standards=policy.meet_standards is not False,
            barred=frozenset(policy.barred),
            other_than=tuple(frozenset(t) for t in policy.other_than),
            min_difference=policy.min_difference,
        )


@dataclass(frozen=True)
class Assignment:
    """One slot of one role, filled by one partner."""

    role_id: str
    slot: int
    partner_id: str
    cost: float
    capacity_used: float
    locked: bool = False
    bid_id: str = ""  # the partner's alternate bid that prices the slot (blank: none)
    min_slots: int = 1  # the volume tier that prices it (1: no tier)


@dataclass(frozen=True)
class Shortfall:
    """A slot left open, or a touchpoint short of distinct partners, and why."""

    role_id: str
    slot: int
    touchpoint_id: str
    critical: bool
    reason_code: str
    reason: str


@dataclass(frozen=True)
class Plan:
    """What the planner decided, how sure it is, and under which rules."""

    status: str  # "optimal", "feasible" or "no solution"
    objective: float | None
    bound: float | None
    gap: float | None
    wall_time_s: float
    stopped_by: str  # "proven optimal", "time limit", "interrupted", "no solution"
    terms: Mapping[str, float]
    selected: tuple[str, ...]
    assignments: tuple[Assignment, ...]
    total_cost: float
    shortfalls: tuple[Shortfall, ...]
    rules: Rules
    settings: Mapping[str, object]
    transition_cost: float = 0.0  # one-off, from today's network (0 without a current sheet)
    # With a contract calendar: the horizon's cost beyond the steady state and the one-offs
    # (today's contracts paid while they run out, newcomers starting when they take over).
    phasing_cost: float = 0.0
    # How the plan phases in (``model.transition.Schedule``), worked out once with the plan;
    # None without contract ends or exit costs per contract.
    schedule: Schedule | None = field(default=None, compare=False, repr=False)
    # Where the bound comes from: "cp-sat" (its search), "lagrangian" (``model.flat``, when
    # tighter) or None without a bound.
    bound_source: str | None = None

    @property
    def critical_shortfalls(self) -> tuple[Shortfall, ...]:
        return tuple(s for s in self.shortfalls if s.critical)

    @property
    def profile(self) -> Profile:
        return self.rules.profile
