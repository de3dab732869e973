"""The input workbook contract, as data: sheets, columns, types, defaults and their meaning.

The loader checks against it, the template writes it out, and the README sheet explains it, so
there is one place to change when the contract changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from orchestra.domain import (
    DIMENSIONS,
    DIRECTIONS,
    PARTNER_KINDS,
    RULE_KINDS,
    STAGES,
    TOUCHPOINT_KINDS,
)

# Column types. Each is coerced and checked by ``orchestra.io.loader``.
ID = "id"  # non-empty text
TEXT = "text"  # any text, blank allowed
NUMBER = "number"  # a number, range-checked
INTEGER = "integer"  # a whole number, range-checked
BOOL = "bool"  # yes/no/true/false/1/0
CHOICE = "choice"  # one of ``choices``

REQUIRED = object()  # marks a column whose value may not be left blank


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    default: object = REQUIRED
    help: str = ""
    choices: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None
    low_open: bool = False  # True when ``low`` itself is not allowed (strictly greater)

    @property
    def required(self) -> bool:
        """A required column must be in the header, and its cells may not be blank."""
        return self.default is REQUIRED

    def expected(self) -> str:
        """The plain-words description used in error messages and the README sheet."""
        if self.kind == ID:
            return "a non-empty id"
        if self.kind == TEXT:
            return "text"
        if self.kind == BOOL:
            return "yes/no, true/false or 1/0"
        if self.kind == CHOICE:
            return "one of " + ", ".join(self.choices)
        what = "a whole number" if self.kind == INTEGER else "a number"
        if self.low is not None and self.high is not None:
            return f"{what} from {_num(self.low)} to {_num(self.high)}"
        if self.low is not None:
            return f"{what} {'above' if self.low_open else 'of at least'} {_num(self.low)}"
        return what


def _num(value: float) -> str:
    """A bound as people write it: 5, 0.5, 1,000,000."""
    if not float(value).is_integer():
        return str(value)
    return f"{int(value):,}" if abs(value) >= 10_000 else str(int(value))


@dataclass(frozen=True)
class Sheet:
    name: str
    required: bool
    help: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()  # columns whose values must be unique together in the sheet

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


BLANK = None  # default for optional numbers: "no data"

# The largest figures orchestra accepts. The model works in 64-bit integers (money scaled to
# cents or finer), so a figure must stay far below 9.2e18 even when summed over a network;
# these bounds are far above any real input and keep every sum exact.
MAX_MONEY = 1e12  # per partner or per unit of load, per period
MAX_BUDGET = 1e15
MAX_CAPACITY = 1e9
MAX_LOAD = 1e6  # load per slot, and effort per unit of load
MAX_IMPORTANCE = 1e3
MAX_SLOTS = 1_000
MAX_HOURS = 1e6
MAX_SCORE = 1e9  # standards and survey figures
MAX_WEIGHT = 1e3  # profile weights, in typical slot costs
MAX_SEED = 2**31 - 1  # CP-SAT's random seed is a 32-bit integer
MAX_SECONDS = 1e7

SHEETS: tuple[Sheet, ...] = (
    Sheet(
        "partners",
        True,
        "Candidate partners: who could join the network, what they cost and how well they deliver.",
        (
            Column("partner_id", ID, help="Unique id of the partner."),
            Column("name", TEXT, help="Display name."),
            Column("kind", CHOICE, help="What the partner is to the company.",
                   choices=PARTNER_KINDS),
            Column("region", TEXT, "", help="Where the partner works (free text)."),
            Column("fixed_cost", NUMBER, 0.0, "Cost of engaging the partner at all, per period.",
                   low=0, high=MAX_MONEY),
            Column("capacity", NUMBER, help="Units of work the partner can take per period.",
                   low=0, high=MAX_CAPACITY),
            Column("reliability", NUMBER, 1.0,
                   "Share of commitments delivered to standard (0-1).", low=0, high=1),
            Column("response_hours", NUMBER, BLANK,
                   "Typical time to respond, in hours (blank: unknown).", low=0,
                   high=MAX_HOURS),
            Column("onboarding_cost", NUMBER, 0.0,
                   "Paid once if the partner joins and is not in today's network.", low=0,
                   high=MAX_MONEY),
            Column("exit_cost", NUMBER, 0.0,
                   "Paid once if the partner is in today's network and the plan drops it.",
                   low=0, high=MAX_MONEY),
        ),
        key=("partner_id",),
    ),
    Sheet(
        "capabilities",
        True,
        "What each partner can do, how well (level 1-5), at what cost and effort.",
        (
            Column("partner_id", ID, help="A partner_id from the partners sheet."),
            Column("capability", ID, help="Name of the skill or resource, e.g. call_center."),
            Column("level", INTEGER, help="How well the partner does it, 1 (basic) to 5 (best).",
                   low=1, high=5),
            Column("unit_cost", NUMBER, 0.0, "Cost per unit of load assigned.", low=0,
                   high=MAX_MONEY),
            Column("effort", NUMBER, 1.0,
                   "Capacity used per unit of load (a specialist may need less).", low=0,
                   high=MAX_LOAD),
            Column("response_hours", NUMBER, BLANK,
                   "This offer's time to respond, in hours (blank: the partner's).", low=0,
                   high=MAX_HOURS),
            Column("reliability", NUMBER, BLANK,
                   "This offer's share delivered to standard, 0-1 (blank: the partner's).",
                   low=0, high=1),
            Column("role_id", TEXT, "",
                   help="Blank: the offer holds for every role needing the capability; a "
                   "role_id: for that role only (its own price, effort or level)."),
        ),
        key=("partner_id", "capability", "role_id"),
    ),
    Sheet(
        "touchpoints",
        True,
        "Where the customer meets the network.",
        (
            Column("touchpoint_id", ID, help="Unique id of the touchpoint."),
            Column("name", TEXT, help="Display name."),
            Column("kind", CHOICE, help="acquisition (learning, buying) or utilization (using).",
                   choices=TOUCHPOINT_KINDS),
            Column("stage", CHOICE, help="front (the customer sees it) or back (they do not).",
                   choices=STAGES),
            Column("channel", TEXT, "", help="branch, phone, web, mobile app, on-site, ..."),
            Column("moment_of_truth", BOOL, False,
                   "yes when this encounter fixes the customer's impression for good."),
            Column("importance", NUMBER, 1.0, "Relative weight of the touchpoint.", low=0,
                   high=MAX_IMPORTANCE),
            Column("step", INTEGER, BLANK,
                   "Its place in the customer journey, 1 first (blank: acquisition before "
                   "utilization, then the sheet's order); orders the blueprint's columns.",
                   low=1, high=100_000),
        ),
        key=("touchpoint_id",),
    ),
    Sheet(
        "roles",
        True,
        "The work each touchpoint needs: a capability at a level, in some number of slots.",
        (
            Column("role_id", ID, help="Unique id of the role."),
            Column("name", TEXT, help="Display name."),
            Column("touchpoint_id", ID, help="A touchpoint_id from the touchpoints sheet."),
            Column("capability", ID, help="The capability the role needs."),
            Column("min_level", INTEGER, 1, "Lowest capability level that qualifies (1-5).",
                   low=1, high=5),
            Column("slots", INTEGER, 1, "Distinct partners needed.", low=1,
                   high=MAX_SLOTS),
            Column("load", NUMBER, 1.0, "Units of work per slot.", low=0, high=MAX_LOAD),
            Column("critical", BOOL, True, "yes when the role must be filled."),
        ),
        key=("role_id",),
    ),
    Sheet(
        "relationships",
        False,
        "Joint history between partners: -1 (conflict) to 1 (works very well together).",
        (
            Column("partner_a", ID, help="A partner_id."),
            Column("partner_b", ID, help="Another partner_id."),
            Column("strength", NUMBER, help="-1 (friction) to 1 (strong good history).",
                   low=-1, high=1),
        ),
    ),
    Sheet(
        "standards",
        False,
        "Hard standards per touchpoint: customer expectation, target, promise and measure.",
        (
            Column("touchpoint_id", ID, help="A touchpoint_id."),
            Column("metric", ID, help="on_time_rate, response_hours or any name."),
            Column("direction", CHOICE, help="higher or lower: which way is better.",
                   choices=DIRECTIONS),
            Column("customer_expects", NUMBER, BLANK, "What customers expect.",
                   low=-MAX_SCORE, high=MAX_SCORE),
            Column("target", NUMBER, BLANK, "The standard the company set.",
                   low=-MAX_SCORE, high=MAX_SCORE),
            Column("promised", NUMBER, BLANK, "What marketing promises.",
                   low=-MAX_SCORE, high=MAX_SCORE),
            Column("measured", NUMBER, BLANK, "What is measured today (blank: no data).",
                   low=-MAX_SCORE, high=MAX_SCORE),
        ),
        key=("touchpoint_id", "metric"),
    ),
    Sheet(
        "expectations",
        False,
        "Soft standards per touchpoint: SERVQUAL survey scores.",
        (
            Column("touchpoint_id", ID, help="A touchpoint_id."),
            Column("dimension", CHOICE, help="A SERVQUAL dimension.", choices=DIMENSIONS),
            Column("customer_expected", NUMBER, BLANK, "Customers' expectation score.",
                   low=-MAX_SCORE, high=MAX_SCORE),
            Column("management_estimate", NUMBER, BLANK,
                   "What managers think customers expect.", low=-MAX_SCORE, high=MAX_SCORE),
            Column("customer_perceived", NUMBER, BLANK, "Customers' perception score.",
                   low=-MAX_SCORE, high=MAX_SCORE),
        ),
        key=("touchpoint_id", "dimension"),
    ),
    Sheet(
        "policy",
        False,
        "Rules for this plan, one per row: key and value (see the policy keys below).",
        (
            Column("key", ID, help="A policy key."),
            Column("value", TEXT, "", help="Its value."),
        ),
        key=("key",),
    ),
    Sheet(
        "sets",
        False,
        "Candidate partner sets for orchestra compare: one row per member of each set.",
        (
            Column("set_id", ID, help="Name of the candidate set."),
            Column("partner_id", ID, help="A partner_id in that set."),
        ),
        key=("set_id", "partner_id"),
    ),
    Sheet(
        "rules",
        False,
        "Rules that tie roles or partners together, one per row; lists separated by ;.",
        (
            Column("rule", CHOICE, help="same_partner: one partner serves all the roles; "
                   "single_source: at most limit partners across the roles; requires: the "
                   "first partner joins only with the others; max_share: each partner takes at "
                   "most share limit of the filled slots.", choices=RULE_KINDS),
            Column("roles", TEXT, "", help="role_ids, separated by ; (same_partner, "
                   "single_source)."),
            Column("partners", TEXT, "", help="partner_ids, separated by ; (requires: A;B; "
                   "max_share: blank for every partner)."),
            Column("limit", NUMBER, BLANK, "single_source: most partners (a whole number); "
                   "max_share: a share from 0 to 1.", low=0, high=MAX_SLOTS),
        ),
    ),
    Sheet(
        "current",
        False,
        "Today's network: one row per slot held today. Every plan is set against it.",
        (
            Column("role_id", ID, help="A role_id."),
            Column("partner_id", ID, help="The partner_id holding one slot of it today."),
        ),
        key=("role_id", "partner_id"),
    ),
    Sheet(
        "locks",
        False,
        "Assignments fixed by hand. A report's assignments sheet is accepted here too.",
        (
            Column("role_id", ID, help="A role_id."),
            Column("partner_id", ID, help="The partner_id that must fill one slot of it."),
            Column("locked", BOOL, True, "no to keep the row but not the lock."),
        ),
        key=("role_id", "partner_id"),
    ),
)

SHEET = {s.name: s for s in SHEETS}


@dataclass(frozen=True)
class PolicyKey:
    key: str
    kind: str
    help: str
    low: float | None = None
    high: float | None = None
    low_open: bool = False


POLICY_KEYS: tuple[PolicyKey, ...] = (
    PolicyKey("budget", NUMBER, "Most the plan may cost in total (blank: no limit).", low=0,
              high=MAX_BUDGET),
    PolicyKey("max_partners", INTEGER, "Most partners the team may have.", low=0,
              high=MAX_SLOTS * 1000),
    PolicyKey("min_partners_per_touchpoint", INTEGER,
              "Distinct partners needed on each touchpoint with a critical role.", low=1,
              high=MAX_SLOTS),
    PolicyKey("must_include", "ids", "Partner ids that must join, separated by ;"),
    PolicyKey("exclude", "ids", "Partner ids that may not join, separated by ;"),
    PolicyKey("forbid_below_strength", NUMBER,
              "Never select two partners whose strength is below this.", low=-1, high=1),
    PolicyKey("time_limit_s", NUMBER, "Solver time limit in seconds (default 60).", low=0,
              high=MAX_SECONDS),
    PolicyKey("profile", TEXT, "Planning profile from models/ (default balanced)."),
    PolicyKey("seed", INTEGER, "Solver random seed (default 0).", low=0,
              high=MAX_SEED),
    PolicyKey("max_changes", INTEGER, "Most of today's (role, partner) pairs the plan may end "
              "(blank: no limit; 0 keeps today's network).", low=0, high=MAX_SLOTS * 1000),
    PolicyKey("meet_standards", BOOL, "yes (default): the plan keeps the hard standards on "
              "response_hours and on_time_rate where any plan can, after filling critical "
              "slots and before cost; no: they are only scored."),
    PolicyKey("horizon_periods", NUMBER, "One-off costs (onboarding, exit) are spread over this "
              "many periods in the plan's objective (default 1).", low=0, low_open=True,
              high=1e6),
)
POLICY_KEY = {k.key: k for k in POLICY_KEYS}
