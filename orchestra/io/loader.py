"""Check raw tables against the contract and turn them into a ``Network``.

Every problem is collected, located to its cell, and raised together in one ``InputError``.
"""

from __future__ import annotations

import difflib
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType

from orchestra.calendar import PERIOD_MONTHS
from orchestra.domain import (
    INVITE_ALL,
    INVITE_QUALIFIED,
    PLANNED_METRICS,
    WEIGHT_KEYS,
    CandidateSet,
    Capability,
    Claim,
    Expectation,
    Lock,
    Lot,
    Network,
    Partner,
    PlanRule,
    Policy,
    Relationship,
    Role,
    Scenario,
    Standard,
    Touchpoint,
)
from orchestra.errors import InputError, Problem
from orchestra.io import sites
from orchestra.io.contract import (
    BID_OFFERS,
    BID_PARTNER,
    BOOL,
    BUYER_OWNED,
    CHOICE,
    DATE,
    ID,
    INTEGER,
    MAX_WEIGHT,
    NUMBER,
    POLICY_KEY,
    REQUIRED,
    RESERVED_SET_NAMES,
    SHEET,
    SHEETS,
    TEXT,
    Column,
    Sheet,
)
from orchestra.io.reader import ExcelError, RawTable, clean_text, id_list, read_tables

TRUE_WORDS = {"yes", "y", "true", "t", "1", "x"}
FALSE_WORDS = {"no", "n", "false", "f", "0"}


class _Invalid(ValueError):
    """A cell value that cannot be coerced; the message says what was found."""


def _shown(value: object) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _shown_value(value: object) -> str:
    return "blank" if value is None else _shown(value)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _text(value: object) -> str:
    if isinstance(value, ExcelError):
        raise _Invalid(f"is the Excel error {value}")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # an id typed as 101 in Excel is the text "101"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(clean_text(value)).strip()


# "1,500,000" and "1,500.25" group thousands; "0,5", "12,75" and "1.234,5" use a decimal comma.
# "1,500" alone could be either, so it is refused rather than guessed.
THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")
DECIMAL_COMMA = re.compile(r"[+-]?\d{1,3}(\.\d{3})*,\d+|[+-]?\d+,\d+")
AMBIGUOUS = re.compile(r"[+-]?[1-9]\d{0,2},\d{3}")


def _plain_number(text: str) -> str:
    """A number as written by hand, in Python's notation; commas are read only where they
    cannot mean two things.

    >>> _plain_number("1,500,000"), _plain_number("0,5"), _plain_number("1.234,5")
    ('1500000', '0.5', '1234.5')
    """
    if "," not in text:
        return text
    if AMBIGUOUS.fullmatch(text):
        raise _Invalid(f'got "{text}": a thousands separator or a decimal comma? Write it '
                       "without the comma, or with a decimal point")
    if THOUSANDS.fullmatch(text) and (text.count(",") > 1 or "." in text):
        return text.replace(",", "")
    if DECIMAL_COMMA.fullmatch(text):
        return text.replace(".", "").replace(",", ".")
    raise _Invalid(f'got "{text}"')


def _number(value: object) -> float:
    if isinstance(value, bool):
        raise _Invalid(f"got {_shown(value)}")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = _text(value).replace(" ", "").replace("\u00a0", "")
        percent = text.endswith("%")
        plain = _plain_number(text.rstrip("%"))
        try:
            number = float(plain)
        except ValueError:
            raise _Invalid(f"got {_shown(value)}") from None
        if percent:
            number /= 100
    if not math.isfinite(number):
        raise _Invalid(f"got {_shown(value)}")
    return number


def _integer(value: object) -> int:
    number = _number(value)
    if not number.is_integer():
        raise _Invalid(f"got {_shown(value)}")
    return int(number)


def _bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    word = _text(value).lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise _Invalid(f"got {_shown(value)}")


def _date(value: object) -> date:
    """A date cell: an Excel date (read as a date or a datetime), or ISO text."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            pass
    raise _Invalid(f"got {_shown(value)}")


def coerce(column: Column, value: object) -> object:
    """One cell's value as the column's type, or ``_Invalid`` saying what was found.

    >>> from orchestra.io.contract import SHEET
    >>> coerce(SHEET["roles"].column("min_level"), "3")
    3
    >>> coerce(SHEET["roles"].column("critical"), "No")
    False
    """
    if _blank(value):
        if column.required and column.kind != TEXT:
            raise _Invalid("is blank")
        return column.default if column.default is not REQUIRED else ""
    if column.kind in (ID, TEXT):
        return _text(value)
    if column.kind == BOOL:
        return _bool(value)
    if column.kind == CHOICE:
        word = _text(value).lower().replace(" ", "_").replace("-", "_")
        if word not in column.choices:
            raise _Invalid(f"got {_shown(value)}")
        return word
    if column.kind == DATE:
        return _date(value)
    if isinstance(value, str) and value.strip().endswith("%") and "share" not in column.unit:
        unit = f" ({column.unit})" if column.unit else ""
        raise _Invalid(f"got {_shown(value)}: a percentage, where an amount{unit} is expected")
    number = _integer(value) if column.kind == INTEGER else _number(value)
    too_low = column.low is not None and (
        number <= column.low if column.low_open else number < column.low
    )
    too_high = column.high is not None and number > column.high
    if too_low or too_high:
        raise _Invalid(f"got {_shown(value)}")
    return number


def _percent_hint(column: Column, raw: object) -> str:
    """For a share (0 to 1) given as a percentage (98), the words that say so."""
    if not column.unit.startswith("share"):
        return ""
    try:
        number = _number(raw)
    except _Invalid:
        return ""
    return _as_percent(number)


def _as_percent(number: float) -> str:
    """The hint for a share written as a percentage (10 to 100: 98 for 0.98); "" otherwise."""
    if 10 <= number <= 100:
        return f": looks like a percentage: write {number / 100:g} for {number:g} %"
    return ""


@dataclass
class _Row:
    """A coerced row, with the location of each of its cells for later cross-checks."""

    number: int
    values: dict[str, object]
    cells: dict[str, str]


@dataclass
class _Reader:
    """Collects problems while turning raw tables into typed rows."""

    tables: dict[str, RawTable]
    # Ids of every row whose id cell is fine, even when another cell of the row is not: a bad
    # capacity must not turn every reference to that partner into a second error.
    ids: dict[str, set[str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)  # what returned bids claim
    not_returned: list[str] = field(default_factory=list)  # bid files that are no bid, why

    def rows(self, sheet: Sheet, unique: bool = True) -> list[_Row]:
        table = self.tables.get(sheet.name)
        if table is None:
            if sheet.required:
                self.problems.append(Problem(sheet.name, "missing sheet",
                                             "a sheet (or .csv file) named " + sheet.name))
            return []
        positions: dict[str, int] = {}
        for col, name in enumerate(table.header):
            name = name.replace(" ", "_")
            if name in positions and name in {c.name for c in sheet.columns}:
                self.problems.append(Problem(table.where(1, col), f'duplicate column "{name}"',
                                             "each column once"))
            positions.setdefault(name, col)
        self._misspelt(table, sheet, positions)
        missing = [c.name for c in sheet.columns if c.required and c.name not in positions]
        for name in missing:
            self.problems.append(Problem(
                f"{table.label} header" if table.is_csv else table.where(1),
                f'missing column "{name}"',
                "the columns " + ", ".join(c.name for c in sheet.columns if c.required),
            ))
        if missing:
            return []
        rows = []
        for number, raw in table.rows:
            values: dict[str, object] = {}
            cells: dict[str, str] = {}
            ok = True
            for column in sheet.columns:
                col = positions.get(column.name)
                if col is None:
                    values[column.name] = column.default
                    cells[column.name] = table.where(number)
                    continue
                cells[column.name] = table.where(number, col)
                try:
                    values[column.name] = coerce(column, raw[col])
                except _Invalid as exc:
                    ok = False
                    hint = _percent_hint(column, raw[col])
                    self.problems.append(Problem(cells[column.name],
                                                 f"{column.name} {exc}{hint}",
                                                 column.expected()))
            if ok:
                rows.append(_Row(number, values, cells))
            if sheet.key and values.get(sheet.key[0]) not in (None, ""):
                self.ids.setdefault(sheet.name, set()).add(str(values[sheet.key[0]]))
        return self._unique(sheet, rows) if unique else rows

    def _misspelt(self, table: RawTable, sheet: Sheet, positions: dict[str, int]) -> None:
        """An unknown header that closely matches an absent contract column is a typo, not an
        extra column: ignoring "min-level" would silently give every role the default."""
        if not table.strict_header:
            return
        absent = [c.name for c in sheet.columns if c.name not in positions]
        for name, col in positions.items():
            if not name or name in {c.name for c in sheet.columns}:
                continue
            squeezed = {_squeeze(a): a for a in absent}
            meant = squeezed.get(_squeeze(name)) or next(
                iter(difflib.get_close_matches(name, absent, n=1, cutoff=0.8)), None)
            if meant:
                self.problems.append(Problem(table.where(1, col),
                                             f'unknown column "{name}": did you mean "{meant}"?',
                                             f'the column name "{meant}"'))

    def _unique(self, sheet: Sheet, rows: list[_Row]) -> list[_Row]:
        if not sheet.key:
            return rows
        seen: dict[tuple, _Row] = {}
        kept = []
        for row in rows:
            key = tuple(str(row.values[k]).lower() for k in sheet.key)
            if key in seen:
                first = seen[key].cells[sheet.key[0]]
                shown = ", ".join(f"{k}={row.values[k]}" for k in sheet.key)
                self.problems.append(Problem(row.cells[sheet.key[-1]],
                                             f"duplicate {shown}, already at {first}",
                                             "each " + " + ".join(sheet.key) + " once"))
                continue
            seen[key] = row
            kept.append(row)
        return kept

    def refers(self, row: _Row, column: str, known: set[str] | dict, what: str) -> bool:
        value = row.values[column]
        if value in known:
            return True
        self.problems.append(Problem(row.cells[column], f'unknown {what} "{value}"',
                                     f"a {what} from the {what.split('_')[0]}s sheet"))
        return False


def _squeeze(name: str) -> str:
    """A header without case, spaces, hyphens or underscores: "Min-Level" -> "minlevel"."""
    return re.sub(r"[^0-9a-z]", "", name.lower())


def _records(rows: list[_Row], cls: type) -> list:
    return [cls(**{k: v for k, v in row.values.items() if k in cls.__dataclass_fields__})
            for row in rows]


def _scale(text: str) -> tuple[float, float] | None:
    """ "1-7" -> (1.0, 7.0); None unless LOW-HIGH with LOW below HIGH."""
    low, sep, high = text.replace(" ", "").partition("-")
    try:
        pair = (float(low), float(high))
    except ValueError:
        return None
    return pair if sep and pair[0] < pair[1] else None


def _check_scores(reader: _Reader, sheets: dict[str, list[_Row]], policy: Policy) -> None:
    """Mistakes that pass the column checks: an on-time rate written as a percentage, a target
    looser than what customers expect (a warning), survey scores off the survey scale, and a
    perception score without the standards row that makes its gap (a warning)."""
    for row in sheets["standards"]:
        better = PLANNED_METRICS.get(row.values["metric"])
        if better is not None and row.values["direction"] != better:
            reader.problems.append(Problem(
                row.cells["direction"], f"{row.values['metric']} is better {better}, not "
                f"{row.values['direction']}", f"direction {better} for {row.values['metric']}"))
        if row.values["metric"] == "on_time_rate":
            for name in ("customer_expects", "target", "promised", "measured"):
                value = row.values[name]
                if value is not None and not 0 <= value <= 1:
                    hint = _as_percent(value)
                    reader.problems.append(Problem(row.cells[name],
                                                   f"on_time_rate {name} {value:g}{hint}",
                                                   "a share from 0 to 1"))
        expects, target = row.values["customer_expects"], row.values["target"]
        if expects is not None and target is not None:
            lower = row.values["direction"] == "lower"
            if (target > expects) if lower else (target < expects):
                reader.warnings.append(Problem(
                    row.cells["target"], f"target {target:g} is looser than what customers "
                    f"expect ({expects:g}): the specification gap is built into the standard",
                    f"a target at least as demanding as {expects:g}",
                    kind="standards have targets looser than customers expect"))
    low, high = policy.survey_scale
    # A survey_scale that could not be read is reported already: no score is judged by a guess.
    unreadable = any(p.what.startswith("survey_scale got") for p in reader.problems)
    soft = {(r.values["touchpoint_id"], r.values["metric"]) for r in sheets["standards"]}
    for row in sheets["expectations"]:
        for name in ("customer_expected", "management_estimate", "customer_perceived"):
            if unreadable:
                break
            value = row.values[name]
            if value is not None and not low <= value <= high:
                reader.problems.append(Problem(
                    row.cells[name], f"{name} {value:g} is off the survey scale "
                    f"{low:g}-{high:g}", f"a score from {low:g} to {high:g} (or set the policy "
                    "key survey_scale)"))
        tid, dimension = row.values["touchpoint_id"], row.values["dimension"]
        if row.values["customer_perceived"] is not None and (tid, dimension) not in soft:
            reader.warnings.append(Problem(
                row.cells["customer_perceived"], f"no perception gap for {tid} {dimension}: "
                "it needs a soft standard", f'a standards row: touchpoint_id {tid}, metric '
                f'{dimension}, direction higher, measured = the company\'s own score on the '
                f"survey scale", kind="surveyed dimensions have no soft standard (no "
                "perception gap)"))


def _policy(reader: _Reader, rows: list[_Row], partners: set[str]) -> Policy:
    values: dict[str, object] = {}
    weights: dict[str, float] = {}
    for row in rows:
        key = str(row.values["key"]).strip().lower()
        raw = row.values["value"]
        where = row.cells["value"]
        spec = POLICY_KEY.get(key)
        if spec is None and key not in WEIGHT_KEYS:
            known = ", ".join([*POLICY_KEY, *WEIGHT_KEYS])
            reader.warnings.append(Problem(row.cells["key"], f'unknown policy key "{key}" ignored',
                                           "one of " + known))
            continue
        if _blank(raw):
            continue  # a blank value leaves the default in force
        column = Column(key, spec.kind if spec and spec.kind != "ids" else NUMBER,
                        choices=spec.choices if spec else (),
                        low=spec.low if spec else 0,
                        high=spec.high if spec else MAX_WEIGHT,
                        low_open=spec.low_open if spec else False)
        if spec and spec.kind == "ids":
            ids = id_list(str(raw))
            for pid in ids:
                if pid not in partners:
                    reader.problems.append(Problem(where, f'{key} names unknown partner "{pid}"',
                                                   "partner ids from the partners sheet, "
                                                   "separated by ;"))
            values[key] = ids
            continue
        if key == "survey_scale":
            scale = _scale(_text(raw))
            if scale is None:
                reader.problems.append(Problem(where, f"survey_scale got {_shown(raw)}",
                                               "LOW-HIGH with LOW below HIGH, e.g. 1-7 or 1-5"))
            else:
                values[key] = scale
            continue
        if spec and spec.kind == TEXT:
            values[key] = _text(raw)
            continue
        try:
            number = coerce(column, raw)
        except _Invalid as exc:
            reader.problems.append(Problem(where, f"{key} {exc}", column.expected()))
            continue
        if spec is None:
            weights[key] = float(number)
        else:
            values[key] = number
    return Policy(**values, weights=MappingProxyType(weights))


# What every price row of one offer (its base price, alternate bids, volume tiers) restates.
OFFER_TERMS = ("level", "effort", "response_hours", "reliability")


def _check_prices(reader: _Reader, rows: list[_Row]) -> None:
    """Rows of one partner, capability, role_id and site_id are prices of one offer: they
    agree on everything but ``unit_cost`` (a different level or effort is a different
    offer)."""
    first: dict[tuple, _Row] = {}
    for row in rows:
        key = tuple(row.values[k] for k in ("partner_id", "capability", "role_id", "site_id"))
        if key not in first:
            first[key] = row
            continue
        base = first[key]
        for col in OFFER_TERMS:
            if row.values[col] != base.values[col]:
                reader.problems.append(Problem(
                    row.cells[col], f"{col} {_shown_value(row.values[col])} differs from "
                    f"{_shown_value(base.values[col])} at {base.cells[col]}, a price of the same "
                    f"offer ({key[0]}'s {key[1]}): alternate bids and volume tiers change "
                    "unit_cost only", _shown_value(base.values[col])))


def _check_offers(reader: _Reader, network: Network, rows: list[_Row]) -> None:
    """Offers no plan can use (warnings): a level below what every role of the capability
    asks; a volume tier whose ``min_slots`` is more than the slots the partner could ever hold
    of the capability (one per role it qualifies for)."""
    needing: dict[str, list] = {}
    for role in network.roles:
        needing.setdefault(role.capability, []).append(role)
    reach: Counter[tuple[str, str]] = Counter()
    for role in network.roles:
        for offer in network.qualified(role):
            reach[(offer.partner_id, role.capability)] += 1
    for row in rows:
        pid, capability, level = (row.values[k] for k in ("partner_id", "capability", "level"))
        roles = [r for r in needing.get(capability, ())
                 if row.values["role_id"] in ("", r.base_id)
                 and row.values["site_id"] in ("", r.site_id)]
        if roles and all(level < r.min_level for r in roles):
            least = min(r.min_level for r in roles)
            reader.warnings.append(Problem(
                row.cells["level"], f"{pid} offers {capability} at level {level:g}, below "
                f"every role that needs it (level {least} and up): no plan can use it",
                f"a level of at least {least}, or no row",
                kind="offers are below every role that needs them"))
        most = reach[(pid, capability)]
        if roles and row.values["min_slots"] > max(1, most):
            reader.warnings.append(Problem(
                row.cells["min_slots"], f"{pid}'s tier of {capability} needs "
                f"{row.values['min_slots']:g} slots; it can hold at most {most} (one per role "
                "it qualifies for): no plan reaches it", f"min_slots of at most {most}",
                kind="volume tiers are beyond reach"))


def _scenarios(reader: _Reader, rows: list[_Row], partners: set[str]) -> tuple[Scenario, ...]:
    """The scenarios sheet: names clear of the columns every comparison shows and of the
    candidate sets, partner lists of known ids (case-insensitive), each problem at its cell."""
    known = {p.lower(): p for p in partners}
    out = []
    for row in rows:
        name = str(row.values["scenario"])
        if name.lower() in RESERVED_SET_NAMES:
            reader.problems.append(Problem(
                row.cells["scenario"], f'scenario name "{name}" is taken by a column every '
                "comparison shows", f"another name than {' or '.join(RESERVED_SET_NAMES)}"))
            continue
        lists = {}
        for column in ("include", "exclude"):
            ids = id_list(str(row.values[column] or ""))
            unknown = [p for p in ids if p.lower() not in known]
            if unknown:
                reader.problems.append(Problem(row.cells[column], "unknown partner_id(s) "
                                               + ", ".join(unknown),
                                               "partner_ids of the partners sheet, separated "
                                               "by ;"))
            lists[column] = tuple(known[p.lower()] for p in ids if p.lower() in known)
        out.append(Scenario(name, str(row.values["profile"] or ""), row.values["budget"],
                            row.values["max_partners"], row.values["max_changes"],
                            row.values["meet_standards"], lists["include"], lists["exclude"],
                            str(row.values["locks_from"] or ""), row.cells["scenario"]))
    return tuple(out)


def _lots(reader: _Reader, rows: list[_Row], partners: set[str]) -> tuple[Lot, ...]:
    """The lots sheet: known role ids (each role in one lot at most) and invitations of known
    partner ids, ``qualified`` or ``all``, each problem at its cell."""
    roles = {str(r).lower(): str(r) for r in reader.ids.get("roles", set())}
    known = {p.lower(): p for p in partners}
    keywords = (INVITE_QUALIFIED, INVITE_ALL)
    out = []
    for row in rows:
        lot_id = str(row.values["lot_id"])
        ids = id_list(str(row.values["roles"]))
        unknown = [r for r in ids if r.lower() not in roles]
        if unknown or not ids:
            reader.problems.append(Problem(
                row.cells["roles"], f"unknown role_id(s) {', '.join(unknown)}" if unknown
                else "no roles", "role_ids of the roles sheet, separated by ;"))
        # Each role in one lot: checked at each of its sites (``sites.expand``).
        lot_roles = tuple(roles[r.lower()] for r in ids if r.lower() in roles)
        invited = []
        for part in id_list(str(row.values["invited"] or INVITE_QUALIFIED)):
            if part.lower() in keywords:
                invited.append(part.lower())
            elif part.lower() in known:
                invited.append(known[part.lower()])
            else:
                reader.problems.append(Problem(
                    row.cells["invited"], f'unknown partner_id "{part}"',
                    "partner_ids separated by ;, or qualified, or all"))
        out.append(Lot(lot_id, str(row.values["name"] or lot_id), lot_roles,
                       tuple(dict.fromkeys(invited)) or (INVITE_QUALIFIED,),
                       id_list(str(row.values["sites"] or ""))))
    return tuple(out)


def _check_covered_roles(reader: _Reader, sheets: dict[str, list[_Row]]) -> None:
    """A standard's ``roles`` are roles of its own touchpoint; read into a tuple of ids."""
    where = {str(r.values["role_id"]).lower(): (str(r.values["role_id"]),
                                                str(r.values["touchpoint_id"]))
             for r in sheets["roles"]}
    for row in sheets["standards"]:
        ids, tid = id_list(str(row.values["roles"] or "")), row.values["touchpoint_id"]
        covered = []
        for rid in ids:
            known = where.get(rid.lower())
            if known is None:
                reader.problems.append(Problem(row.cells["roles"], f'unknown role_id "{rid}"',
                                               f"roles of touchpoint {tid}, separated by ;"))
            elif known[1] != tid:
                reader.problems.append(Problem(
                    row.cells["roles"], f"{known[0]} is a role of touchpoint {known[1]}, not "
                    f"of {tid}", f"roles of touchpoint {tid}, separated by ;"))
            else:
                covered.append(known[0])
        row.values["roles"] = tuple(covered)


def _cross_check(reader: _Reader, sheets: dict[str, list[_Row]]) -> None:
    partners = reader.ids.get("partners", set())
    touchpoints = reader.ids.get("touchpoints", set())
    roles = reader.ids.get("roles", set())
    for sheet in ("capabilities", "sets", "locks", "current"):
        sheets[sheet] = [r for r in sheets[sheet]
                         if reader.refers(r, "partner_id", partners, "partner_id")]
    needs = {str(r.values["role_id"]): str(r.values["capability"]) for r in sheets["roles"]}
    for row in sheets["capabilities"]:
        rid, capability = row.values["role_id"], row.values["capability"]
        if rid and rid not in roles:
            reader.refers(row, "role_id", roles, "role_id")
        elif rid and rid in needs and needs[rid] != capability:
            reader.problems.append(Problem(
                row.cells["role_id"], f'an offer of {capability} for role "{rid}", which needs '
                f"{needs[rid]}", f"a role that needs {capability}, or a blank role_id"))
    sites.offer_sites(reader, sheets)
    _check_prices(reader, sheets["capabilities"])
    for sheet in ("roles", "standards", "expectations"):
        sheets[sheet] = [r for r in sheets[sheet]
                         if reader.refers(r, "touchpoint_id", touchpoints, "touchpoint_id")]
    _check_covered_roles(reader, sheets)
    for sheet in ("locks", "current"):
        sheets[sheet] = [r for r in sheets[sheet]
                         if reader.refers(r, "role_id", roles, "role_id")]
    kept = []
    seen: dict[frozenset, str] = {}
    for row in sheets["relationships"]:
        a_ok = reader.refers(row, "partner_a", partners, "partner_id")
        b_ok = reader.refers(row, "partner_b", partners, "partner_id")
        a, b = row.values["partner_a"], row.values["partner_b"]
        if a == b:
            reader.problems.append(Problem(row.cells["partner_b"],
                                           f'partner "{a}" is related to itself',
                                           "two different partners"))
            continue
        pair = frozenset((a, b))
        if pair in seen:
            reader.problems.append(Problem(row.cells["partner_b"],
                                           f"duplicate relationship {a}-{b}, already at "
                                           f"{seen[pair]}", "each pair once, in either order"))
            continue
        seen[pair] = row.cells["partner_a"]
        if a_ok and b_ok:
            kept.append(row)
    sheets["relationships"] = kept


def _check_policy(reader: _Reader, network: Network, where: dict[str, str],
                  hand_plan: bool = False) -> None:
    """Contradictions in the rules a plan must keep, found before any solving. The rows of a
    plan made by hand are not locks to plan around: the rules they break are the score's to
    report (``check_plan``), so only the policy itself is checked then."""
    policy = network.policy
    excluded = set(policy.exclude)
    for pid in sorted(set(policy.must_include) & excluded):
        reader.problems.append(Problem(where.get("exclude", "policy"),
                                       f'partner "{pid}" is both in must_include and in exclude',
                                       "each partner in at most one of the two"))
    locks = () if hand_plan else network.locks
    for lock in locks:
        if lock.partner_id in excluded:
            reader.problems.append(Problem(lock.where, f'locked partner "{lock.partner_id}" is '
                                           "also excluded by the policy",
                                           "a lock on a partner that may join"))
    locked_cost = _check_holdable(reader, network, locks, "locks", "is locked to role {role}",
                                  "locks")
    forced = set(policy.must_include) | {lk.partner_id for lk in locks}
    if policy.max_partners is not None and len(forced) > policy.max_partners:
        reader.problems.append(Problem(
            where.get("max_partners", "policy"),
            f"max_partners is {policy.max_partners} but must_include and locks already need "
            f"{len(forced)} partners", f"max_partners of at least {len(forced)}"))
    if policy.forbid_below_strength is not None:
        for rel in network.relationships:
            if (rel.strength < policy.forbid_below_strength
                    and {rel.partner_a, rel.partner_b} <= forced):
                reader.problems.append(Problem(
                    where.get("forbid_below_strength", "policy"),
                    f"partners {rel.partner_a} and {rel.partner_b} must both join (must_include or"
                    f" locks) but their strength {rel.strength:g} is below forbid_below_strength",
                    "forced partners that may work together"))
    if policy.budget is not None:
        committed = sum(network.partner[p].fixed_cost for p in forced) + locked_cost
        if committed > policy.budget + 1e-9:
            reader.problems.append(Problem(
                where.get("budget", "policy"),
                f"must_include and locks already cost {committed:,.2f}, over the budget of "
                f"{policy.budget:,.2f}", "a budget that covers what is forced"))


def _plan_rules(reader: _Reader, rows: list[_Row], partners: set[str], roles: dict[str, int],
                policy: Policy) -> tuple[PlanRule, ...]:
    """The rules sheet, each row checked to the cell: known ids, the lists and limit its kind
    needs, and rules that contradict the policy."""
    found = []
    for row in rows:
        kind, limit = row.values["rule"], row.values["limit"]
        ids = {"roles": id_list(str(row.values["roles"])),
               "partners": id_list(str(row.values["partners"]))}
        problems = len(reader.problems)

        def bad(column: str, what: str, expected: str, row: _Row = row, kind: str = kind
                ) -> None:
            reader.problems.append(Problem(row.cells[column], f"{kind}: {what}", expected))

        for column, known in (("roles", roles), ("partners", partners)):
            for unknown in [i for i in ids[column] if i not in known]:
                bad(column, f'unknown {column[:-1]}_id "{unknown}"',
                    f"{column[:-1]}_ids from the {column} sheet, separated by ;")
        wants_roles = kind in ("same_partner", "single_source")
        if wants_roles and len(ids["roles"]) < (2 if kind == "same_partner" else 1):
            bad("roles", "needs the roles it ties together",
                "two or more role_ids" if kind == "same_partner" else "one or more role_ids")
        if not wants_roles and ids["roles"]:
            bad("roles", "takes no roles", "a blank roles cell")
        if kind == "same_partner":
            for rid in ids["roles"]:
                if roles.get(rid, 1) != 1:
                    bad("roles", f"role {rid} has {roles[rid]} slots; one partner can fill "
                        "only one of them", "roles of one slot each")
        if kind in ("same_partner", "single_source") and ids["partners"]:
            bad("partners", "takes no partners", "a blank partners cell")
        if kind == "requires":
            if len(ids["partners"]) < 2:
                bad("partners", "needs a partner and what it requires",
                    "partner_ids A;B (A joins only if B joins)")
            elif ids["partners"][0] in policy.must_include:
                for other in [p for p in ids["partners"][1:] if p in policy.exclude]:
                    bad("partners", f"{ids['partners'][0]} must join (must_include) but "
                        f"requires {other}, which is excluded", "rules that can be kept")
        if kind == "single_source" and (limit is None or not float(limit).is_integer()
                                        or limit < 1):
            bad("limit", f"limit got {limit}", "a whole number of partners, 1 or more")
        if kind == "max_share" and (limit is None or not 0 < limit <= 1):
            bad("limit", f"limit got {limit}", "a share above 0 and at most 1")
        if kind in ("same_partner", "requires") and limit is not None:
            bad("limit", "takes no limit", "a blank limit cell")
        if len(reader.problems) == problems:
            found.append(PlanRule(kind, ids["roles"], ids["partners"], limit,
                                  row.cells["rule"]))
    return tuple(found)


def _check_holdable(reader: _Reader, network: Network, pairs: Sequence[Lock], sheet: str,
                    holds: str, rows: str, bids: dict[str, str] | None = None) -> float:
    """Pairs a plan must be able to hold (locks, today's network): each partner qualified for
    its role, no more pairs than the role's slots, every partner within its capacity. Returns
    the cost of the qualified pairs. A partner whose returned bid (``bids``: partner to file)
    no longer qualifies it is reported in that bid, where the offer went missing."""
    per_role: Counter[str] = Counter()
    used: dict[str, float] = {}
    cost = 0.0
    for pair in pairs:
        role = network.role[pair.role_id]
        per_role[pair.role_id] += 1
        if not network.serves(pair.partner_id, role.site_id):
            held = holds.format(role=chr(34) + role.base_id + chr(34))
            reader.problems.append(Problem(
                pair.where, f'partner "{pair.partner_id}" {held} at site {role.site_id}, which '
                f"it does not serve (serves: {';'.join(network.partner[pair.partner_id].serves)})",
                f"a partner that serves {role.site_id} or its region"))
            continue
        offer = network.offer(pair.partner_id, role)
        if offer is None or offer.level < role.min_level:
            have = f"level {offer.level}" if offer else "no offer"
            held = holds.format(role=chr(34) + role.role_id + chr(34))
            if bids and pair.partner_id in bids:
                reader.problems.append(Problem(
                    f"[{bids[pair.partner_id]}]offers", f'partner "{pair.partner_id}" {held} '
                    f"({pair.where}), but its bid leaves {role.capability} at {have}",
                    f"an offer of {role.capability} at level {role.min_level} or above in the "
                    "bid, or today's row changed"))
                continue
            reader.problems.append(Problem(
                pair.where, f'partner "{pair.partner_id}" {held} but does not qualify '
                f"({role.capability}: {have})",
                f"{role.capability} at level {role.min_level} or above"))
            continue
        used[pair.partner_id] = used.get(pair.partner_id, 0.0) + role.load * offer.effort
        cost += role.load * offer.unit_cost
        if per_role[pair.role_id] == role.slots + 1:
            reader.problems.append(Problem(pair.where, f'role "{role.role_id}" has more {rows} '
                                           f"than its {role.slots} slot(s)",
                                           f"at most {role.slots} {rows}"))
    for pid, load in sorted(used.items()):
        capacity = network.partner[pid].capacity
        if load > capacity + 1e-9:
            reader.problems.append(Problem(
                sheet, f'{rows} give partner "{pid}" {load:g} units of work, over its capacity '
                f"of {capacity:g}", f"{rows} within each partner's capacity"))
    return cost


def _check_current(reader: _Reader, network: Network, where: dict[str, str],
                   bids: dict[str, str] | None = None) -> None:
    """Today's network must be one a plan could keep: each partner qualified for its role,
    no more partners than slots, within each partner's capacity; and what ``max_changes``
    demands be kept must be allowed by the policy."""
    policy = network.policy
    _check_holdable(reader, network, network.current, "current",
                    "holds role {role} in today's network", "rows of today's network", bids)
    _check_calendar(reader, network, where)
    if policy.max_changes is None:
        return
    excluded = set(policy.exclude)
    leaving = [c for c in network.current if c.partner_id in excluded]
    if len(leaving) > policy.max_changes:
        reader.problems.append(Problem(
            where.get("max_changes", "policy"),
            f"max_changes is {policy.max_changes} but exclude already ends {len(leaving)} of "
            f"today's assignments ({', '.join(f'{c.role_id}:{c.partner_id}' for c in leaving)})",
            f"max_changes of at least {len(leaving)}"))


def _check_calendar(reader: _Reader, network: Network, where: dict[str, str]) -> None:
    """Contract ends need periods a calendar can count (month, quarter or year) and a whole
    number of them in the horizon."""
    dated = next((c for c in network.current if c.ends is not None), None)
    if dated is None:
        return
    policy = network.policy
    if (policy.period or "").strip().lower() not in PERIOD_MONTHS:
        got = f'period is "{policy.period}"' if policy.period else "the policy states no period"
        reader.problems.append(Problem(
            where.get("period", "policy"), f"{got}, and today's contracts have ends "
            f"({dated.where.split('!')[0]} contract_end)", "a policy period of month, quarter "
            "or year"))
    horizon = policy.horizon_periods
    if horizon is not None and not float(horizon).is_integer():
        reader.problems.append(Problem(
            where.get("horizon_periods", "policy"), f"horizon_periods is {horizon:g}, and "
            "today's contracts have ends", "a whole number of periods"))


@dataclass(frozen=True)
class Loaded:
    network: Network
    warnings: tuple[Problem, ...]


def _merge_bids(reader: _Reader, sheets: dict[str, list[_Row]], bids) -> dict[str, str]:
    """Each returned bid replaces its partner's ``partners`` row and every capability row of
    that partner (a new partner id adds a partner). A bid speaks for one partner only: one row
    on its partner sheet, every offer for that partner, one bid per partner; every problem is
    located in the bid's own file. An offer of a capability no role needs is a warning."""
    needed = {str(r.values["capability"]) for r in sheets["roles"]}
    policy = _early_policy(sheets["policy"])
    known = {str(r.values["partner_id"]).lower(): str(r.values["partner_id"])
             for r in sheets["partners"]}
    seen: dict[str, str] = {}
    for k, bid in enumerate(bids):
        name = bid.path.name
        if bid.unchanged:
            _not_returned(reader, name, "the file as it was sent")
            continue
        if bid.partner is None or bid.offers is None:
            missing = " and ".join(s for s, t in (("partner", bid.partner),
                                                  ("offers", bid.offers)) if t is None)
            reader.problems.append(Problem(name, f"has no {missing} sheet",
                                           "a bid workbook as orchestra bids writes it"))
            continue
        partner_sheet = replace(BID_PARTNER, name=f"bid{k}:partner")
        offer_sheet = replace(BID_OFFERS, name=f"bid{k}:offers")
        reader.tables[partner_sheet.name] = bid.partner
        reader.tables[offer_sheet.name] = bid.offers
        partner_rows = reader.rows(partner_sheet)
        offer_rows = reader.rows(offer_sheet)
        if not partner_rows and not offer_rows and not bid.partner.rows:
            reader.warnings.append(Problem(name, "is an empty bid: left out",
                                           "a partner row and its offers"))
            continue
        if len(bid.partner.rows) != 1:
            reader.problems.append(Problem(bid.partner.where(2), f"{len(bid.partner.rows)} "
                                           "partner rows", "one row: the bidding partner"))
            continue
        if not partner_rows:  # its one row has a bad cell, reported at that cell
            continue
        if partner_rows[0].values.get("submitted") is not True:
            _not_returned(reader, name, "its submitted cell does not say yes"
                          if "submitted" in bid.partner.header
                          else "it has no submitted cell (a bid sheet from before it had one)")
            continue
        # Ids are case-insensitive: a bid for "p09" is P09's, under the id the input gives it.
        pid = str(partner_rows[0].values["partner_id"])
        pid = known.get(pid.lower(), pid)
        partner_rows[0].values["partner_id"] = pid
        if pid in seen:
            reader.problems.append(Problem(partner_rows[0].cells["partner_id"],
                                           f"a second bid for {pid} (the first is {seen[pid]})",
                                           "one bid file per partner"))
            continue
        seen[pid] = name
        known.setdefault(pid.lower(), pid)
        for row in offer_rows:
            other = str(row.values["partner_id"])
            if other.lower() == pid.lower():
                row.values["partner_id"] = other = pid
            if other != pid:
                reader.problems.append(Problem(row.cells["partner_id"],
                                               f'an offer for partner "{other}" in the bid of '
                                               f"{pid}", f"{pid}: a bid speaks for its own "
                                               "partner only"))
            elif str(row.values["capability"]) not in needed:
                reader.warnings.append(Problem(row.cells["capability"],
                                               f"{row.values['capability']} is not sourced: "
                                               "no role needs it", "a capability of the roles"))
        own = [r for r in offer_rows if str(r.values["partner_id"]) == pid]
        _buyer_figures(reader, bid.partner, BUYER_OWNED)
        _buyer_figures(reader, bid.offers, ("reliability", "response_hours"))
        merged = _assessed_partner(reader, sheets, partner_rows[0], policy)
        if merged is None:
            continue
        sheets["partners"] = _replaced(sheets["partners"], pid, [merged])
        # The bid replaces the partner's offers of the capabilities it names (its lots): the
        # rest of its offers stand.
        sheets["capabilities"] = _replaced(sheets["capabilities"], pid,
                                           [_assessed_offer(reader, sheets, r, policy)
                                            for r in own], bid.capabilities)
        reader.ids.setdefault("partners", set()).add(pid)
    return seen


def _early_policy(rows: list[_Row]) -> dict[str, object]:
    """accept_claims and default_onboarding_cost as the bids need them, before the policy
    sheet is read in full (which reports a bad value at its cell)."""
    out: dict[str, object] = {}
    for row in rows:
        key = str(row.values.get("key") or "").strip().lower()
        try:
            if key == "accept_claims":
                out[key] = _bool(row.values["value"])
            elif key == "default_onboarding_cost":
                out[key] = _number(row.values["value"])
        except _Invalid:
            pass
    return out


def _buyer_figures(reader: _Reader, table: RawTable, columns: Sequence[str]) -> None:
    """A returned bid that carries a figure of the buyer's assessment is read without it."""
    for col, name in enumerate(table.header):
        if name.replace(" ", "_") not in columns:
            continue
        for number, values in table.rows:
            if col < len(values) and not _blank(values[col]):
                claim = (f"; state a claim in claimed_{name}" if name in ("reliability",
                                                                         "response_hours")
                         else "")
                reader.warnings.append(Problem(
                    table.where(number, col), f"{name} is the buyer's assessment, not the "
                    f"bidder's: read without it{claim}", "a bid of offers, capacity, fee and "
                    "claims"))


def _claim(reader: _Reader, row: _Row, pid: str, capability: str, metric: str,
           assessed: float | None, accept: bool) -> float | None:
    """The figure planned with: the claim where claims are accepted (or nothing is assessed),
    else the assessment; every claim recorded beside it."""
    claimed = row.values.get(f"claimed_{metric}")
    if claimed is None:
        return assessed
    reader.claims.append(Claim(pid, capability, metric, claimed, assessed,
                               row.cells[f"claimed_{metric}"]))
    return claimed if accept or assessed is None else assessed


def _assessed_partner(reader: _Reader, sheets: dict[str, list[_Row]], bid_row: _Row,
                      policy: dict[str, object]) -> _Row | None:
    """The bidder's partners row: the buyer's row with the bid's capacity and fee, or, for a
    bidder new to the network, one made from the bid (its claims stand in for an assessment,
    and its onboarding cost is the policy's ``default_onboarding_cost``)."""
    pid = str(bid_row.values["partner_id"])
    accept = bool(policy.get("accept_claims"))
    base = next((r for r in sheets["partners"] if str(r.values["partner_id"]) == pid), None)
    if base is None:
        if bid_row.values["capacity"] is None:
            reader.problems.append(Problem(bid_row.cells["capacity"], "capacity is blank",
                                           "the capacity of a bidder new to the network"))
            return None
        onboarding = policy.get("default_onboarding_cost")
        if onboarding is None:
            reader.warnings.append(Problem(
                bid_row.cells["partner_id"], f"{pid} is new to the network and the policy has "
                "no default_onboarding_cost: it joins at no one-off cost",
                "a default_onboarding_cost policy key, or a partners row for it"))
        for metric in ("reliability", "response_hours"):
            if bid_row.values.get(f"claimed_{metric}") is not None:
                reader.warnings.append(Problem(
                    bid_row.cells[f"claimed_{metric}"], f"{pid} is not assessed: its claimed "
                    f"{metric} is planned with", f"a partners row for {pid} with your "
                    "assessment"))
        values = {"partner_id": pid, "name": bid_row.values["name"] or pid, "kind": "supplier",
                  "region": "", "fixed_cost": bid_row.values["fixed_cost"] or 0.0,
                  "capacity": bid_row.values["capacity"],
                  "reliability": _claim(reader, bid_row, pid, "", "reliability", None, True)
                  or 1.0,
                  "response_hours": _claim(reader, bid_row, pid, "", "response_hours", None,
                                           True),
                  "onboarding_cost": onboarding or 0.0, "exit_cost": 0.0}
        cells = {name: bid_row.cells.get(name, bid_row.cells["partner_id"]) for name in values}
        return _Row(bid_row.number, values, cells)
    values, cells = dict(base.values), dict(base.cells)
    for name in ("capacity", "fixed_cost"):
        if bid_row.values[name] is not None:
            values[name], cells[name] = bid_row.values[name], bid_row.cells[name]
    for metric in ("reliability", "response_hours"):
        values[metric] = _claim(reader, bid_row, pid, "", metric, base.values[metric], accept)
    return _Row(base.number, values, cells)


def _assessed_offer(reader: _Reader, sheets: dict[str, list[_Row]], bid_row: _Row,
                    policy: dict[str, object]) -> _Row:
    """An offer of a returned bid with the buyer's assessment of its service levels (the
    input's offer of that partner, capability and role, if there is one)."""
    key = tuple(bid_row.values[k] for k in ("partner_id", "capability", "role_id"))
    base = next((r for r in sheets["capabilities"]
                 if tuple(r.values[k] for k in ("partner_id", "capability", "role_id")) == key),
                None)
    values, cells = dict(bid_row.values), dict(bid_row.cells)
    for metric in ("reliability", "response_hours"):
        assessed = base.values[metric] if base is not None else None
        values[metric] = _claim(reader, bid_row, key[0], key[1], metric, assessed,
                                bool(policy.get("accept_claims")))
        cells[metric] = cells.get(f"claimed_{metric}", bid_row.cells["partner_id"])
    for name in ("claimed_reliability", "claimed_response_hours"):
        values.pop(name, None)
        cells.pop(name, None)
    return _Row(bid_row.number, values, cells)


def _replaced(rows: list[_Row], pid: str, new: list[_Row],
              capabilities: frozenset[tuple[str, str]] | None = None) -> list[_Row]:
    """``rows`` with ``pid``'s rows (of ``capabilities`` only, when given: (capability, site)
    pairs, site "" for every site) replaced by ``new``, where the first of them stood (at the
    end for a partner new to the network): the input's order, and so the plan, is kept."""
    def replaced(r: _Row) -> bool:
        capability = str(r.values.get("capability"))
        site = str(r.values.get("site_id") or "").lower()
        return str(r.values["partner_id"]) == pid and (
            not capabilities or (capability, "") in capabilities
            or (capability, site) in capabilities)

    at = next((k for k, r in enumerate(rows) if replaced(r)), len(rows))
    rest = [r for r in rows if not replaced(r)]
    before = sum(1 for r in rows[:at] if not replaced(r))
    return rest[:before] + new + rest[before:]


def _not_returned(reader: _Reader, name: str, why: str) -> None:
    reader.not_returned.append(f"{name}: {why}")
    reader.warnings.append(Problem(name, f"not returned ({why}): left out",
                                   "a bid with submitted: yes on its partner sheet",
                                   kind="bid files are not returned bids"))


def network_from_tables(tables: dict[str, RawTable], source: str = "",
                        hand_plan: bool = False, bids=()) -> Loaded:
    """Check raw tables against the contract and build the ``Network``; raise every problem.

    With ``hand_plan`` the locks are a plan made by hand: each row one filled slot, read as it
    is (twice the same row, more rows than slots) for ``check_plan`` to judge."""
    reader = _Reader(tables)
    sheets = {sheet.name: reader.rows(sheet, unique=not (hand_plan and sheet.name == "locks"))
              for sheet in SHEETS}
    bidders = _merge_bids(reader, sheets, bids) if bids else {}
    _cross_check(reader, sheets)
    partners = reader.ids.get("partners", set())
    for row in sheets["partners"] + sheets["touchpoints"] + sheets["roles"]:
        if row.values.get("name") == "":
            row.values["name"] = next(iter(row.values.values()))  # fall back to the id
    policy_rows = sheets["policy"]
    policy = _policy(reader, policy_rows, partners)
    _check_scores(reader, sheets, policy)
    sets: dict[str, list[str]] = {}
    for row in sheets["sets"]:
        if str(row.values["set_id"]).lower() in RESERVED_SET_NAMES:
            reader.problems.append(Problem(
                row.cells["set_id"], f'set name "{row.values["set_id"]}" is taken by a column '
                "every comparison shows", f"another name than {' or '.join(RESERVED_SET_NAMES)}"))
            continue
        sets.setdefault(row.values["set_id"], []).append(row.values["partner_id"])
    scenarios = _scenarios(reader, sheets["scenarios"], partners)
    lots = _lots(reader, sheets["lots"], partners)
    lock_rows = [r for r in sheets["locks"] if r.values["locked"]]
    role_slots = {str(r.values["role_id"]): int(r.values["slots"]) for r in sheets["roles"]}
    plan_rules = _plan_rules(reader, sheets["rules"], partners, role_slots, policy)
    # Every row read so far is sound on its own: each is written at its sites, every cell
    # that names a site checked, before any problem is raised.
    sited = sites.expand(reader, sheets, tuple(_records(sheets["roles"], Role)),
                         tuple(_records(sheets["standards"], Standard)), plan_rules, lots)
    locks = sites.pairs(reader, lock_rows, sited.by_base)
    current = sites.pairs(reader, sheets["current"], sited.by_base)
    if reader.problems:
        raise InputError(reader.problems, reader.warnings)
    network = Network(
        partners=tuple(replace(p, serves=sited.serves.get(p.partner_id, ()))
                       for p in _records(sheets["partners"], Partner)),
        capabilities=tuple(_records(sheets["capabilities"], Capability)),
        touchpoints=tuple(_records(sheets["touchpoints"], Touchpoint)),
        roles=sited.roles,
        relationships=tuple(_records(sheets["relationships"], Relationship)),
        standards=sited.standards,
        expectations=tuple(_records(sheets["expectations"], Expectation)),
        policy=policy,
        sets=tuple(CandidateSet(k, tuple(v)) for k, v in sets.items()),
        scenarios=scenarios,
        locks=tuple(locks),
        current=tuple(current),
        rules=sited.rules,
        sites=sited.sites,
        source=source,
        bidders=tuple(bidders),
        claims=tuple(reader.claims),
        bids_sources=tuple(str(b.path) for b in bids),
        not_returned=tuple(reader.not_returned),
        lot_rows=sited.lots,
    )
    where = {str(r.values["key"]).lower(): r.cells["value"] for r in policy_rows}
    network = replace(network, policy=replace(policy, cells=MappingProxyType(where)))
    _check_offers(reader, network, sheets["capabilities"])
    _check_policy(reader, network, where, hand_plan)
    _check_current(reader, network, where, bidders)
    if reader.problems:
        raise InputError(reader.problems, reader.warnings)
    return Loaded(network, tuple(reader.warnings))


def load(path: str | Path, bids: str | Path | None = None) -> Loaded:
    """Read and check a workbook or CSV folder; warnings (unknown policy keys) come back too.
    With ``bids``, a folder of returned bid workbooks merged in (see ``_merge_bids``)."""
    return _with_bids(read_tables(path, SHEET), path, bids)


def _with_bids(tables: dict[str, RawTable], path: str | Path, bids: str | Path | None,
               hand_plan: bool = False) -> Loaded:
    from orchestra.io.bids import read_bids

    read = read_bids(bids) if bids is not None else []
    loaded = network_from_tables(tables, source=str(path), hand_plan=hand_plan, bids=read)
    if not (read and loaded.network.current):
        return loaded
    # Today's contracts are priced before the bids; only a today's network is priced so, so
    # the input is read a second time only where there is one.
    before = network_from_tables(tables, source=str(path), hand_plan=hand_plan).network
    return replace(loaded, network=replace(loaded.network, before_bids=before))


def load_network(path: str | Path) -> Network:
    """Read and check a workbook (``.xlsx``) or a folder of ``.csv`` files into a ``Network``.

    Raises ``InputError`` listing every problem, each located to its cell.

    >>> net = load_network("inputs/bank.xlsx")
    >>> len(net.partners), len(net.roles), net.journey[0].kind
    (25, 30, 'acquisition')
    """
    return load(path).network


def network_from_rows(tables: dict[str, list[dict[str, object]]], source: str = "") -> Network:
    """Check and build a ``Network`` from in-memory rows (sheet -> row dicts), as if read from a
    CSV folder; for generated networks and tests that need no file."""
    raw = {}
    for sheet, rows in tables.items():
        header = tuple(c.name for c in SHEET[sheet].columns) if sheet in SHEET else tuple(
            rows[0] if rows else ())
        raw[sheet] = RawTable(sheet, header, tuple(
            (line, tuple("" if row.get(h) is None else row.get(h) for h in header))
            for line, row in enumerate(rows, start=2)), True)
    return network_from_tables(raw, source).network


def lock_table(path: str | Path, every_row: bool = False) -> RawTable:
    """The ``locks`` sheet of another workbook or folder, or else its ``assignments`` sheet (an
    orchestra report's, edited by hand), labelled with the file so errors point into it:
    ``[report.xlsx]assignments!E3``. With ``every_row``, the ``locked`` column is ignored and
    every row counts (a plan given by hand, not locks for re-planning)."""
    path = Path(path)
    tables = read_tables(path, ("locks", "assignments"))
    table = tables.get("locks") or tables.get("assignments")
    if table is None:
        raise InputError([Problem(path.name, "has neither a locks nor an assignments sheet",
                                  "a sheet with role_id and partner_id columns")])
    label = f"{path.name}/{table.sheet}" if table.is_csv else f"[{path.name}]{table.sheet}"
    header, rows = table.header, table.rows
    if "partner_id" in header:  # a report lists open slots too, without a partner
        at = header.index("partner_id")
        rows = tuple((n, values) for n, values in rows
                     if at < len(values) and str(values[at] or "").strip())
    if every_row and "locked" in header:
        keep = [i for i, name in enumerate(header) if name != "locked"]
        header = tuple(header[i] for i in keep)
        rows = tuple((n, tuple(values[i] for i in keep if i < len(values))) for n, values in rows)
    # One header rule for every sheet read: a report's own columns (partner_name, ...) are
    # far from the locks columns, so only a near miss ("Locked?", "lock") is an error, as it is
    # on the input's locks sheet; ignored, it would lock every row.
    return RawTable(label, header, rows, table.is_csv)


def load_with_locks(path: str | Path, locks_path: str | Path, every_row: bool = False,
                    bids: str | Path | None = None) -> Loaded:
    """Read ``path`` with its locks replaced by those in ``locks_path`` (see ``lock_table``),
    every lock checked like the input's own: ids, qualification, slots, capacity, budget. With
    ``every_row`` the rows are a plan made by hand: ids are checked, the rest is the score's."""
    tables = read_tables(path, SHEET)
    tables["locks"] = lock_table(locks_path, every_row)
    loaded = _with_bids(tables, path, bids, hand_plan=every_row)
    return replace(loaded, network=replace(loaded.network, locks_source=str(locks_path)))


def network_from_frames(**frames) -> Network:
    """A network from pandas DataFrames, one per sheet of the contract by the sheet's name
    (``partners=``, ``capabilities=``, ``touchpoints=``, ``roles=`` required; the others
    optional), checked exactly as a workbook is; problems are located as
    ``partners[row 7].capacity`` (the frame's row position, 0 first). Raises ``InputError``;
    warnings are on the network's ``source`` side, as for ``load``: see ``load_frames``.

    >>> import pandas as pd
    >>> net = network_from_frames(
    ...     partners=pd.DataFrame({"partner_id": ["A"], "name": ["Alpha"], "kind": ["supplier"],
    ...                            "capacity": [4]}),
    ...     capabilities=pd.DataFrame({"partner_id": ["A"], "capability": ["call"], "level": [3]}),
    ...     touchpoints=pd.DataFrame({"touchpoint_id": ["T1"], "name": ["Desk"],
    ...                               "kind": ["utilization"], "stage": ["front"]}),
    ...     roles=pd.DataFrame({"role_id": ["R1"], "name": ["Agents"], "touchpoint_id": ["T1"],
    ...                         "capability": ["call"]}))
    >>> [p.partner_id for p in net.partners], net.roles[0].min_level
    (['A'], 1)
    """
    return load_frames(**frames).network


def load_frames(**frames) -> Loaded:
    """``network_from_frames`` with the warnings (unknown policy keys, looser targets, ...)."""
    unknown = sorted(set(frames) - {s.name for s in SHEETS})
    if unknown:
        raise InputError([Problem(name, "not a sheet of the contract",
                                  "one of " + ", ".join(s.name for s in SHEETS))
                          for name in unknown])
    tables = {}
    for name, frame in frames.items():
        if frame is None:
            continue
        header = tuple(str(c).strip().lower() for c in frame.columns)
        rows = []
        for position, values in enumerate(frame.itertuples(index=False, name=None)):
            cells = tuple(None if _missing(v) else _plain(v) for v in values)
            if any(c is not None and not (isinstance(c, str) and not c.strip()) for c in cells):
                rows.append((position + 2, cells))
        tables[name] = RawTable(name, header, tuple(rows), is_csv=False, is_frame=True)
    return network_from_tables(tables, source="")


def _plain(value: object) -> object:
    """A numpy scalar (int64, float64, bool_) as the Python value it holds."""
    item = getattr(value, "item", None)
    return item() if callable(item) and not isinstance(value, str | bytes) else value


def _missing(value: object) -> bool:
    """pandas' blanks: None, NaN, NaT, pd.NA."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN and NaT are not equal to themselves
    except (TypeError, ValueError):  # pd.NA refuses a truth value
        return True
