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
    RULE_SCOPES,
    STAGES,
    TOUCHPOINT_KINDS,
)

# Column types. Each is coerced and checked by ``orchestra.io.loader``.
ID = "id"  # non-empty text
TEXT = "text"  # any text, blank allowed
NUMBER = "number"  # a number, range-checked
INTEGER = "integer"  # a whole number, range-checked
BOOL = "bool"  # yes/no, y/n, true/false, t/f, 1/0; x is yes
CHOICE = "choice"  # one of ``choices``
DATE = "date"  # an Excel date, or ISO text (2027-03-31)

REQUIRED = object()  # marks a column whose value may not be left blank

# Columns every comparison shows beside the candidate sets: no set may take their names.
YARDSTICK = "orchestra's choice"  # the unrestricted plan
TODAY = "today"  # today's network, when the input has a current sheet
RESERVED_SET_NAMES = (YARDSTICK, TODAY)


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
    unit: str = ""  # what one unit of the figure is ("money per period", "hours", ...)
    example: object = None  # a value a user might write

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
            return "yes/no, y/n, true/false, t/f, 1/0, or x for yes"
        if self.kind == CHOICE:
            return "one of " + ", ".join(self.choices)
        if self.kind == DATE:
            return "a date: an Excel date, or YYYY-MM-DD"
        what = "a whole number" if self.kind == INTEGER else "a number"
        if self.low is not None and self.high is not None:
            if self.low_open:
                return f"{what} above {_num(self.low)} and at most {_num(self.high)}"
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
            Column("partner_id", ID, help="Unique id of the partner.", example="P01"),
            Column("name", TEXT, help="Display name.", example="Northwind Digital"),
            Column("kind", CHOICE, help="What the partner is to the company.",
                   choices=PARTNER_KINDS, example="supplier"),
            Column("region", TEXT, "", help="Where the partner works (free text).",
                   example="north"),
            Column("fixed_cost", NUMBER, 0.0, "Cost of engaging the partner at all, per period.",
                   low=0, high=MAX_MONEY, unit="money per period", example=12000),
            Column("capacity", NUMBER, help="Units of work the partner can take per period.",
                   low=0, high=MAX_CAPACITY, unit="units of work per period", example=10),
            Column("reliability", NUMBER, 1.0,
                   "Share of commitments delivered to standard (0-1).", low=0, high=1,
                   unit="share, 0.98 = 98 %", example=0.97),
            Column("response_hours", NUMBER, BLANK,
                   "Typical time to respond, in hours (blank: unknown).", low=0,
                   high=MAX_HOURS, unit="hours", example=4),
            Column("onboarding_cost", NUMBER, 0.0,
                   "Paid once if the partner joins and is not in today's network.", low=0,
                   high=MAX_MONEY, unit="money, once", example=5000),
            Column("exit_cost", NUMBER, 0.0,
                   "Paid once if the partner is in today's network and the plan drops it.",
                   low=0, high=MAX_MONEY, unit="money, once", example=2000),
            Column("serves", TEXT, "", help="Where the partner can work on sited roles: "
                   "regions or site_ids of the sites sheet, separated by ; (blank: "
                   "everywhere). Network-wide roles are open to every partner.",
                   example="south;H07"),
        ),
        key=("partner_id",),
    ),
    Sheet(
        "sites",
        False,
        "The places a multi-site network works at (hotels, branches, clinics, stores): a role "
        "with sites is needed at each of them.",
        (
            Column("site_id", ID, help="Unique id of the site.", example="H01"),
            Column("name", TEXT, "", help="Display name.", example="Harbour Hotel Brighton"),
            Column("region", TEXT, "", help="The region it lies in; partners' serves may "
                   "name it.", example="south"),
        ),
        key=("site_id",),
    ),
    Sheet(
        "capabilities",
        True,
        "What each partner can do, how well (level 1-5), at what cost and effort.",
        (
            Column("partner_id", ID, help="A partner_id from the partners sheet.", example="P01"),
            Column("capability", ID, help="Name of the skill or resource, e.g. call_center.",
                   example="call_center"),
            Column("level", INTEGER, help="How well the partner does it, 1 (basic) to 5 (best).",
                   low=1, high=5, unit="level, 1 to 5", example=3),
            Column("unit_cost", NUMBER, 0.0, "Cost per unit of load assigned.", low=0,
                   high=MAX_MONEY, unit="money per unit of load, per period", example=1500),
            Column("effort", NUMBER, 1.0,
                   "Capacity used per unit of load (a specialist may need less).", low=0,
                   high=MAX_LOAD, unit="units of capacity per unit of load", example=1),
            Column("response_hours", NUMBER, BLANK,
                   "This offer's time to respond, in hours (blank: the partner's).", low=0,
                   high=MAX_HOURS, unit="hours", example=0.5),
            Column("reliability", NUMBER, BLANK,
                   "This offer's share delivered to standard, 0-1 (blank: the partner's).",
                   low=0, high=1, unit="share, 0.98 = 98 %", example=0.99),
            Column("role_id", TEXT, "",
                   help="Blank: the offer holds for every role needing the capability; a "
                   "role_id: for that role only (its own price, effort or level).", example="R07"),
            Column("bid_id", TEXT, "",
                   help="Blank: the price holds in every plan; a name: the price belongs to "
                   "that alternate bid (rows sharing it form one package; at most one of a "
                   "partner's bids is accepted). Restate the offer; only unit_cost may differ.",
                   example="B2"),
            Column("min_slots", INTEGER, 1,
                   help="A volume tier: the price holds when the partner takes at least this "
                   "many slots of the capability (its best tier prices all of them).", low=1,
                   high=MAX_SLOTS, unit="slots", example=3),
            Column("site_id", TEXT, "", help="Blank: the offer holds at every site the partner "
                   "serves; a site_id: at that site only (its own price, level or effort), "
                   "in place of the offer for every site.", example="H03"),
        ),
        key=("partner_id", "capability", "role_id", "site_id", "bid_id", "min_slots"),
    ),
    Sheet(
        "touchpoints",
        True,
        "Where the customer meets the network.",
        (
            Column("touchpoint_id", ID, help="Unique id of the touchpoint.", example="T01"),
            Column("name", TEXT, help="Display name.", example="Card delivery"),
            Column("kind", CHOICE, help="acquisition (learning, buying) or utilization (using).",
                   choices=TOUCHPOINT_KINDS, example="utilization"),
            Column("stage", CHOICE, help="front (the customer sees it) or back (they do not).",
                   choices=STAGES, example="front"),
            Column("channel", TEXT, "", help="branch, phone, web, mobile app, on-site, ...",
                   example="phone"),
            Column("moment_of_truth", BOOL, False,
                   "yes when this encounter fixes the customer's impression for good.",
                   example="yes"),
            Column("importance", NUMBER, 1.0, "Relative weight of the touchpoint.", low=0,
                   high=MAX_IMPORTANCE, unit="relative weight", example=2),
            Column("step", INTEGER, BLANK,
                   "Its place in the customer journey, 1 first (blank: acquisition before "
                   "utilization, then the sheet's order); orders the blueprint's columns.",
                   low=1, high=100_000, unit="position", example=3),
            Column("customer_action", TEXT, "", help="What the customer does here, in a few "
                   "words (the blueprint's customer actions lane).",
                   example="Calls to report a lost card"),
            Column("evidence", TEXT, "", help="What the customer sees or holds here (the "
                   "blueprint's physical evidence lane).", example="Replacement card, letter"),
        ),
        key=("touchpoint_id",),
    ),
    Sheet(
        "roles",
        True,
        "The work each touchpoint needs: a capability at a level, in some number of slots.",
        (
            Column("role_id", ID, help="Unique id of the role.", example="R07"),
            Column("name", TEXT, help="Display name.", example="Phone agents"),
            Column("touchpoint_id", ID, help="A touchpoint_id from the touchpoints sheet.",
                   example="T01"),
            Column("capability", ID, help="The capability the role needs.", example="call_center"),
            Column("min_level", INTEGER, 1, "Lowest capability level that qualifies (1-5).",
                   low=1, high=5, unit="level, 1 to 5", example=3),
            Column("slots", INTEGER, 1, "Distinct partners needed.", low=1,
                   high=MAX_SLOTS, unit="partners", example=2),
            Column("load", NUMBER, 1.0, "Units of work per slot.", low=0, high=MAX_LOAD,
                   unit="units of load per slot, per period", example=4),
            Column("critical", BOOL, True, "yes when the role must be filled.", example="yes"),
            Column("sites", TEXT, "", help="Blank: one network-wide role; all: needed at every "
                   "site of the sites sheet; or site_ids separated by ;. A role with sites has "
                   "its slots and load at each of them.", example="all"),
        ),
        key=("role_id",),
    ),
    Sheet(
        "relationships",
        False,
        "Joint history between partners: -1 (conflict) to 1 (works very well together).",
        (
            Column("partner_a", ID, help="A partner_id.", example="P01"),
            Column("partner_b", ID, help="Another partner_id.", example="P02"),
            Column("strength", NUMBER, help="-1 (friction) to 1 (strong good history).",
                   low=-1, high=1, unit="-1 to 1", example=0.6),
        ),
    ),
    Sheet(
        "standards",
        False,
        "Hard standards per touchpoint: customer expectation, target, promise and measure. "
        "An on_time_rate or response_hours standard is judged over the slots it covers, an open "
        "one delivering nothing: with R (2 slots, load 1) and R2 (1 slot, load 2) covered, A "
        "(0.9) and B (0.99) on R and R2 open, on time is (0.9 + 0.99) / 4 = 0.4725.",
        (
            Column("touchpoint_id", ID, help="A touchpoint_id.", example="T01"),
            Column("metric", ID, help="on_time_rate, response_hours or any name.",
                   example="response_hours"),
            Column("direction", CHOICE, help="higher or lower: which way is better.",
                   choices=DIRECTIONS, example="lower"),
            Column("customer_expects", NUMBER, BLANK, "What customers expect.",
                   low=-MAX_SCORE, high=MAX_SCORE,
                   unit="the metric's own (hours, share, survey score)", example=24),
            Column("target", NUMBER, BLANK, "The standard the company set.",
                   low=-MAX_SCORE, high=MAX_SCORE, unit="the metric's own", example=12),
            Column("promised", NUMBER, BLANK, "What marketing promises.",
                   low=-MAX_SCORE, high=MAX_SCORE, unit="the metric's own", example=8),
            Column("measured", NUMBER, BLANK, "What is measured today (blank: no data).",
                   low=-MAX_SCORE, high=MAX_SCORE, unit="the metric's own", example=18),
            Column("roles", TEXT, "", help="The roles of the touchpoint the standard covers, "
                   "role_ids separated by ; (blank: every role of the touchpoint). A covered "
                   "slot left open counts against the standard.", example="R07;R08"),
            Column("sites", TEXT, "", help="Blank: one figure across the network; all, or "
                   "site_ids separated by ;: kept at each of those sites separately, over the "
                   "covered roles there and the network-wide ones (one outcome per site).",
                   example="all"),
        ),
        key=("touchpoint_id", "metric"),
    ),
    Sheet(
        "expectations",
        False,
        "Soft standards per touchpoint: SERVQUAL survey scores.",
        (
            Column("touchpoint_id", ID, help="A touchpoint_id.", example="T01"),
            Column("dimension", CHOICE, help="A SERVQUAL dimension.", choices=DIMENSIONS,
                   example="reliability"),
            Column("customer_expected", NUMBER, BLANK, "Customers' expectation score.",
                   low=-MAX_SCORE, high=MAX_SCORE, unit="survey score on survey_scale",
                   example=6.2),
            Column("management_estimate", NUMBER, BLANK,
                   "What managers think customers expect.", low=-MAX_SCORE, high=MAX_SCORE,
                   unit="survey score on survey_scale", example=5.8),
            Column("customer_perceived", NUMBER, BLANK, "Customers' perception score.",
                   low=-MAX_SCORE, high=MAX_SCORE, unit="survey score on survey_scale",
                   example=5.1),
        ),
        key=("touchpoint_id", "dimension"),
    ),
    Sheet(
        "policy",
        False,
        "Rules for this plan, one per row: key and value (see the policy keys below).",
        (
            Column("key", ID, help="A policy key.", example="budget"),
            Column("value", TEXT, "", help="Its value.", example="700000"),
        ),
        key=("key",),
    ),
    Sheet(
        "sets",
        False,
        "Candidate partner sets for orchestra compare: one row per member of each set.",
        (
            Column("set_id", ID, help="Name of the candidate set.", example="incumbent"),
            Column("partner_id", ID, help="A partner_id in that set.", example="P01"),
        ),
        key=("set_id", "partner_id"),
    ),
    Sheet(
        "scenarios",
        False,
        "Named what-ifs for orchestra compare --scenarios, one per row: each planned with its "
        "own profile, limits and partners, side by side with today's network. A blank cell "
        "keeps the input's own value.",
        (
            Column("scenario", ID, help="Name of the scenario.", example="no_incumbent"),
            Column("profile", TEXT, "", help="A profile name (blank: the input's).",
                   example="resilient"),
            Column("budget", NUMBER, BLANK, "The budget in this scenario.", low=0,
                   high=MAX_BUDGET, unit="money per period", example=650000),
            Column("max_partners", INTEGER, BLANK, "Most partners in this scenario.", low=0,
                   high=MAX_SLOTS, unit="partners", example=12),
            Column("max_changes", INTEGER, BLANK, "Most of today's pairs it may end.", low=0,
                   high=MAX_SLOTS * MAX_SLOTS, unit="pairs", example=6),
            Column("meet_standards", BOOL, BLANK, "yes or no: keep the hard standards.",
                   example="yes"),
            Column("include", TEXT, "", help="partner_ids that must join, separated by ;.",
                   example="P03"),
            Column("exclude", TEXT, "", help="partner_ids that may not join, separated by ;.",
                   example="P08;P09"),
            Column("locks_from", TEXT, "", help="A workbook or folder (beside the input) whose "
                   "locks sheet, or report assignments with locked = yes, hold in this scenario.",
                   example="report.xlsx"),
        ),
        key=("scenario",),
    ),
    Sheet(
        "rules",
        False,
        "Rules that tie roles or partners together, one per row; lists separated by ;.",
        (
            Column("rule", CHOICE, help="same_partner: one partner serves all the roles; "
                   "single_source: at most limit partners across the roles; requires: the "
                   "first partner joins only with the others; max_share: each partner takes at "
                   "most share limit of the filled slots.", choices=RULE_KINDS,
                   example="same_partner"),
            Column("roles", TEXT, "", help="role_ids, separated by ; (same_partner, "
                   "single_source).", example="R04;R17"),
            Column("partners", TEXT, "", help="partner_ids, separated by ; (requires: A;B; "
                   "max_share: blank for every partner).", example="P03;P04"),
            Column("limit", NUMBER, BLANK, "single_source: most partners (a whole number); "
                   "max_share: a share from 0 to 1.", low=0, high=MAX_SLOTS,
                   unit="partners, or a share 0-1", example=2),
            Column("scope", CHOICE, "network", help="network: the rule holds across all "
                   "sites together (same_partner R05;R11: one partner for both roles "
                   "everywhere); site: it holds at each site separately (network-wide roles "
                   "join every site's). requires is always network-wide.", choices=RULE_SCOPES,
                   example="site"),
        ),
    ),
    Sheet(
        "lots",
        False,
        "What a sourcing round buys, one lot per row: the roles bought together and who is "
        "invited to bid for them (orchestra bids). Without it each sourced capability is a lot, "
        "and a partner is invited to the lots of the capabilities it offers today.",
        (
            Column("lot_id", ID, help="Name of the lot.", example="L1"),
            Column("name", TEXT, "", help="What the lot is, in words.", example="Payments"),
            Column("roles", TEXT, help="The role_ids bought in this lot, separated by ;.",
                   example="R04;R05"),
            Column("invited", TEXT, "qualified", help="Who may bid: partner_ids separated by ;, "
                   "or qualified (partners offering a capability of the lot's roles today), or "
                   "all (every partner that is not in-house).", example="qualified"),
            Column("sites", TEXT, "", help="On a network of sites: blank buys the lot's roles "
                   "at every site they are needed at; site_ids separated by ; buy them there "
                   "only (a lot per site), priced by offers for those sites.", example="H01"),
        ),
        key=("lot_id",),
    ),
    Sheet(
        "current",
        False,
        "Today's network: one row per slot held today. Every plan is set against it.",
        (
            Column("role_id", ID, help="A role_id.", example="R07"),
            Column("partner_id", ID, help="The partner_id holding one slot of it today.",
                   example="P17"),
            Column("site_id", TEXT, "", help="The site of the slot, for a role with sites "
                   "(blank for a network-wide role).", example="H01"),
            Column("contract_end", DATE, BLANK, help="When today's contract for the slot ends "
                   "(blank: it can end at plan_start). A replacement takes over in the period "
                   "after; a date before plan_start means the contract is rolling.",
                   example="2027-03-31"),
            Column("termination_fee", NUMBER, BLANK, "Paid once to end the contract at "
                   "plan_start, before contract_end (blank: it cannot end early).", low=0,
                   high=MAX_MONEY, unit="money, once", example=40000),
            Column("exit_cost", NUMBER, 0.0, "Paid once when the contract ends and is not "
                   "renewed (a handover).", low=0, high=MAX_MONEY, unit="money, once",
                   example=5000),
        ),
        key=("role_id", "site_id", "partner_id"),
    ),
    Sheet(
        "locks",
        False,
        "Assignments fixed by hand. A report's assignments sheet is accepted here too.",
        (
            Column("role_id", ID, help="A role_id.", example="R07"),
            Column("partner_id", ID, help="The partner_id that must fill one slot of it.",
                   example="P17"),
            Column("locked", BOOL, True, "no to keep the row but not the lock.", example="yes"),
            Column("site_id", TEXT, "", help="The site of the slot, for a role with sites "
                   "(blank for a network-wide role).", example="H01"),
        ),
        key=("role_id", "site_id", "partner_id"),
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
    default: str = "none"  # the value that holds when the key is absent, in words
    unit: str = ""
    example: object = None
    choices: tuple[str, ...] = ()


POLICY_KEYS: tuple[PolicyKey, ...] = (
    PolicyKey("budget", NUMBER, "Most the plan may cost in total, per period.", low=0,
              high=MAX_BUDGET, default="no limit", unit="money per period", example=700000),
    PolicyKey("max_partners", INTEGER, "Most partners the team may have.", low=0,
              high=MAX_SLOTS * 1000, default="no limit", unit="partners", example=12),
    PolicyKey("min_partners_per_touchpoint", INTEGER,
              "Distinct partners needed on each touchpoint with a critical role.", low=1,
              high=MAX_SLOTS, default="the profile's (1 unless it says otherwise)",
              unit="partners", example=2),
    PolicyKey("must_include", "ids", "Partner ids that must join, separated by ;",
              default="none", example="P24;P25"),
    PolicyKey("exclude", "ids", "Partner ids that may not join, separated by ;",
              default="none", example="P05"),
    PolicyKey("forbid_below_strength", NUMBER,
              "Never select two partners whose strength is below this.", low=-1, high=1,
              default="no such rule", unit="relationship strength, -1 to 1", example=-0.5),
    PolicyKey("time_limit_s", NUMBER, "Solver time limit.", low=0, high=MAX_SECONDS,
              default="60", unit="seconds", example=30),
    PolicyKey("profile", TEXT, "Planning profile from models/.", default="balanced",
              example="resilient"),
    PolicyKey("seed", INTEGER, "Solver random seed.", low=0, high=MAX_SEED, default="0",
              example=7),
    PolicyKey("max_changes", INTEGER, "Most of today's (role, partner) pairs the plan may end "
              "(0 keeps today's network).", low=0, high=MAX_SLOTS * 1000,
              default="no limit", unit="pairs", example=3),
    PolicyKey("meet_standards", BOOL, "yes: the plan keeps the hard standards on "
              "response_hours and on_time_rate where any plan can, after filling critical "
              "slots and before cost; no: they are only scored.", default="yes",
              example="yes"),
    PolicyKey("horizon_periods", NUMBER, "One-off costs (onboarding, exit) are spread over this "
              "many periods in the plan's objective; with contract ends, the plan is costed "
              "period by period over them (a whole number then).", low=0.01, high=1e6,
              default="1", unit="periods", example=12),
    PolicyKey("plan_start", DATE, "When the plan starts: period 1 begins that day; contract "
              "ends are set against it.", default="the date of the run", example="2027-01-01"),
    PolicyKey("currency", TEXT, "The currency of every money figure, shown in the reports' "
              "money headers.", default="none stated", example="EUR"),
    PolicyKey("period", TEXT, "The period every recurring figure is per (fixed costs, unit "
              "costs, capacity, the budget): month, quarter, year, ... (month, quarter or year "
              "where today's contracts have ends)", default="none stated", example="month"),
    PolicyKey("paper", CHOICE, "The paper the workbooks print on.", default="A4",
              example="A4", choices=("a4", "letter")),
    PolicyKey("survey_scale", TEXT, "The scale of the expectations sheet's survey scores, "
              "LOW-HIGH; every score must lie on it.", default="1-7", example="1-7"),
    PolicyKey("accept_claims", BOOL, "yes: returned bids' claimed reliability and response "
              "hours are planned with; no: the buyer's assessment on the partners and "
              "capabilities sheets is (claims are shown beside it).", default="no",
              example="no"),
    PolicyKey("round_title", TEXT, "The sourcing round's title, on every bid workbook.",
              default="none", example="Guest services 2027"),
    PolicyKey("buyer", TEXT, "Who runs the round, as bidders should see it.",
              default="none", example="Harbour Hotels procurement"),
    PolicyKey("deadline", TEXT, "When bids must be returned, as bidders should read it.",
              default="none", example="2027-01-31 17:00 CET"),
    PolicyKey("contact", TEXT, "Whom bidders ask and return their bid to.",
              default="none", example="tenders@harbour.example"),
    PolicyKey("default_onboarding_cost", NUMBER, "The onboarding cost of a bidder new to the "
              "network, which has no partners row of its own.", low=0, high=MAX_MONEY,
              default="none: a warning, and 0", unit="money, once", example=15000),
)

# What a bidder owns in its returned bid (``orchestra bids``): its price and capacity, its
# offers, and its claims on service levels, named as claims. The rest of a partner's row (kind,
# region, reliability and response hours as assessed, one-off costs) is the buyer's assessment:
# a returned bid that carries it is read without it.
BID_PARTNER = Sheet(
    "partner", True, "The bidder's own row.",
    (
        Column("partner_id", ID, help="The bidder's id.", example="P09"),
        Column("name", TEXT, "", help="The bidder's name.", example="CardWorks"),
        Column("submitted", BOOL, False, "yes when the bid is complete and returned; a bid "
               "that does not say yes is not read.", example="yes"),
        Column("capacity", NUMBER, BLANK, "Units of work it can take per period.", low=0,
               high=MAX_CAPACITY, unit="units of work per period", example=10),
        Column("fixed_cost", NUMBER, BLANK, "Its fee for being engaged at all, per period.",
               low=0, high=MAX_MONEY, unit="money per period", example=12000),
        Column("claimed_reliability", NUMBER, BLANK, "The share it claims to deliver to "
               "standard.", low=0, high=1, unit="share, 0.98 = 98 %", example=0.98),
        Column("claimed_response_hours", NUMBER, BLANK, "The response time it claims.", low=0,
               high=MAX_HOURS, unit="hours", example=4),
    ),
    key=("partner_id",),
)
BUYER_OWNED = ("kind", "region", "reliability", "response_hours", "onboarding_cost",
               "exit_cost")  # on a bid's partner sheet; reliability, response_hours on offers
BID_OFFERS = Sheet(
    "offers", True, "The bidder's offers.",
    (*(c for c in SHEET["capabilities"].columns if c.name not in ("reliability", "response_hours")),
     Column("claimed_reliability", NUMBER, BLANK, "The share it claims for this offer.", low=0,
            high=1, unit="share, 0.98 = 98 %", example=0.98),
     Column("claimed_response_hours", NUMBER, BLANK, "The response time it claims for this "
            "offer.", low=0, high=MAX_HOURS, unit="hours", example=4)),
)
POLICY_KEY = {k.key: k for k in POLICY_KEYS}


def default_text(column: Column) -> str:
    """A column's default as a value a user can read: "required", "1", "yes", "(empty)",
    "none (no data)"."""
    if column.required:
        return "required"
    if column.default is None:
        return "none (no data)"
    if column.default == "":
        return "(empty)"
    if isinstance(column.default, bool):
        return "yes" if column.default else "no"
    if isinstance(column.default, float):
        return f"{column.default:g}"
    return str(column.default)


def contract_rows() -> list[dict[str, str]]:
    """Every column of every sheet, then every policy key: sheet, column, meaning, type, unit,
    range, default, example. The one description behind the template's README sheet,
    ``orchestra template --markdown`` and docs/contract.md."""
    rows = []
    for sheet in SHEETS:
        for c in sheet.columns:
            rows.append({"sheet": sheet.name, "column": c.name, "meaning": c.help,
                         "type": c.kind, "unit": c.unit or "-", "range": c.expected(),
                         "default": default_text(c), "example": str(c.example)})
    for k in POLICY_KEYS:
        spec = Column(k.key, k.kind if k.kind != "ids" else TEXT, low=k.low, high=k.high,
                      low_open=k.low_open)
        kind = "partner ids separated by ;" if k.kind == "ids" else spec.expected()
        rows.append({"sheet": "policy", "column": k.key, "meaning": k.help, "type": k.kind,
                     "unit": k.unit or "-", "range": kind, "default": k.default,
                     "example": str(k.example)})
    return rows


def contract_markdown() -> str:
    """The contract as Markdown: each sheet's purpose and a table of its columns, then the
    policy keys (docs/contract.md is this text; a test keeps it current)."""
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    out = ["# The input contract", "",
           "One workbook (or a folder of `.csv` files, one per sheet). Sheet and column names "
           "are case-insensitive; unknown columns are ignored; every problem is reported with "
           "its cell. Generated from `orchestra/io/contract.py` (`orchestra template "
           "--markdown`).", ""]
    rows = contract_rows()
    for sheet in SHEETS:
        out += [f"## `{sheet.name}` ({'required' if sheet.required else 'optional'})", "",
                sheet.help, "",
                "| column | meaning | unit | range | default | example |",
                "| --- | --- | --- | --- | --- | --- |"]
        out += [f"| `{r['column']}` | {cell(r['meaning'])} | {cell(r['unit'])} | "
                f"{cell(r['range'])} | {cell(r['default'])} | {cell(r['example'])} |"
                for r in rows if r["sheet"] == sheet.name and r["column"] in
                {c.name for c in sheet.columns}]
        if sheet.key:
            out.append("")
            out.append(f"Unique together: {', '.join(f'`{k}`' for k in sheet.key)}.")
        out.append("")
    out += ["## Policy keys", "", "Rows of the `policy` sheet: `key` and `value`. A blank "
            "value leaves the default in force. The profile weights (`cost_weight`, "
            "`fill_weight`, `moment_of_truth_factor`, `reliability_weight`, "
            "`cohesion_weight`, `standard_shortfall_weight`) may be set here too, overriding the "
            "profile's.", "",
            "| key | meaning | unit | range | default | example |",
            "| --- | --- | --- | --- | --- | --- |"]
    out += [f"| `{r['column']}` | {cell(r['meaning'])} | {cell(r['unit'])} | "
            f"{cell(r['range'])} | {cell(r['default'])} | {cell(r['example'])} |"
            for r in rows[-len(POLICY_KEYS):]]
    return "\n".join(out) + "\n"
