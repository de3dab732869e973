"""The six value gaps per touchpoint, signed so that a positive value always means "falls short".

Each gap stays in its own units (hours stay hours, shares stay shares, survey points stay
points). A gap whose figures are missing is "no data", never zero.

=============  =================================  ===================================
gap            from                               value ("higher is better" metric)
=============  =================================  ===================================
knowledge      expectations                       customer_expected - management_estimate
specification  standards                          customer_expects - target
delivery       standards + plan                   target - delivered
communication  standards + plan                   promised - delivered
perception     standards + expectations           measured - customer_perceived
satisfaction   expectations                       customer_expected - customer_perceived
=============  =================================  ===================================

For a "lower is better" metric (hours, days) the standards gaps change sign. ``delivered`` is
what the plan delivers where the plan determines it: ``on_time_rate`` is the load-weighted mean
reliability of the partners assigned to the touchpoint, ``response_hours`` the slowest assigned
partner's response time; for any other metric it is ``measured``. The perception gap compares a
standard with the customers' perceived score of the same name, so it needs a soft standard
measured on the survey scale (metric ``empathy`` with the ``empathy`` expectation row, say); a
hard metric has no perceived figure in its units and shows "no data".

Severity: ``none`` when the value is zero or better; otherwise the shortfall relative to the
figure it falls short of (the reference: target, promised, customer_expects, customer_expected
or measured) is ``minor`` up to 10 % and ``major`` beyond. For shares (a metric whose figures all
lie in 0-1, such as an on-time rate) the shortfall is taken relative to the room left to perfect
(``1 - reference``; for a "lower" share, the reference itself), so 95 % against a 98 % standard,
2.5 times the failures, is major.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from orchestra.domain import Expectation, Network, Plan, Standard, judge

GAPS = ("knowledge", "specification", "delivery", "communication", "perception", "satisfaction")
MINOR_UP_TO = 0.10


@dataclass(frozen=True)
class Gap:
    touchpoint_id: str
    gap: str  # one of GAPS
    subject: str  # the metric or the SERVQUAL dimension
    value: float | None  # positive: falls short; None: no data
    reference: float | None  # the figure the value falls short of
    severity: str  # none / minor / major / no data
    note: str = ""


def shortfall(direction: str, wanted: float | None, got: float | None) -> float | None:
    """How far ``got`` falls short of ``wanted``, positive when worse, in the metric's units.

    >>> shortfall("higher", 0.98, 0.95), shortfall("lower", 4, 16), shortfall("lower", 4, None)
    (0.030000000000000027, 12, None)
    """
    if wanted is None or got is None:
        return None
    return wanted - got if direction == "higher" else got - wanted


def severity(value: float | None, reference: float | None, direction: str = "higher",
             share: bool = False) -> str:
    """none / minor / major (see the module's text), or "no data".

    >>> severity(0.03, 0.98, share=True), severity(0.1, 6.5), severity(1.2, 6.6), severity(-1, 5)
    ('major', 'minor', 'major', 'none')
    """
    if value is None:
        return "no data"
    if value <= 1e-12:
        return "none"
    if reference is None:
        return "major"
    room = (1.0 - reference if direction == "higher" else reference) if share else abs(reference)
    if room <= 0:
        return "major"
    return "minor" if value / room <= MINOR_UP_TO else "major"


def delivered(network: Network, plan: Plan, standard: Standard) -> tuple[float | None, str]:
    """What the plan delivers on the standard's metric, and where the figure came from."""
    if standard.metric not in ("on_time_rate", "response_hours"):
        return standard.measured, "measured"
    if standard.target is None:  # no target: the plan's figure over every role of it
        standard = replace(standard, target=0.0, roles=())
    figures = judge(network, standard, [(a.role_id, a.partner_id) for a in plan.assignments])
    open_note = f", {figures.open_slots} covered slot(s) open" if figures.open_slots else ""
    if standard.metric == "on_time_rate":
        if figures.achieved is None:
            return None, "no slot covered"
        return figures.achieved, f"plan: reliability x load over the covered load{open_note}"
    if figures.achieved is None:
        return None, f"no assigned partner states response_hours{open_note}"
    covered = {r.role_id for r in network.covered(standard)}
    slowest = max((network.response_of(a.partner_id, a.role_id) or 0, a.partner_id)
                  for a in plan.assignments if a.role_id in covered)
    return figures.achieved, f"plan: slowest partner {network.who(slowest[1])}{open_note}"


def _is_share(standard: Standard) -> bool:
    figures = [v for v in (standard.customer_expects, standard.target, standard.promised,
                           standard.measured) if v is not None]
    return bool(figures) and all(0.0 <= v <= 1.0 for v in figures)


def _gap(tid: str, name: str, subject: str, value: float | None, reference: float | None,
         direction: str = "higher", share: bool = False, note: str = "") -> Gap:
    if value is not None:
        value = round(value, 9)  # 0.99 - 0.95 is 0.04, not 0.040000000000000036
    return Gap(tid, name, subject, value, reference,
               severity(value, reference, direction, share), note)


def standard_gaps(network: Network, plan: Plan, standard: Standard,
                  perceived: Expectation | None) -> list[Gap]:
    """Specification, delivery, communication and perception gaps of one standard."""
    tid, metric, direction = standard.touchpoint_id, standard.subject, standard.direction
    share = _is_share(standard)
    got, source = delivered(network, plan, standard)

    def gap(name: str, wanted: float | None, have: float | None, note: str = "") -> Gap:
        return _gap(tid, name, metric, shortfall(direction, wanted, have), wanted, direction,
                    share, note)

    gaps = [
        gap("specification", standard.customer_expects, standard.target),
        gap("delivery", standard.target, got, source),
        gap("communication", standard.promised, got, source),
    ]
    if perceived is not None and perceived.customer_perceived is not None:
        # Delivered as measured, against what customers perceive: same survey scale.
        gaps.append(_gap(tid, "perception", metric,
                         shortfall("higher", standard.measured, perceived.customer_perceived),
                         standard.measured, note="measured vs customer_perceived"))
    else:
        gaps.append(_gap(tid, "perception", metric, None, standard.measured,
                         note="no perceived score in this metric's units"))
    return gaps


def expectation_gaps(expectation: Expectation) -> list[Gap]:
    """Knowledge and satisfaction gaps of one SERVQUAL dimension (survey points)."""
    e = expectation
    return [
        _gap(e.touchpoint_id, "knowledge", e.dimension,
             shortfall("higher", e.customer_expected, e.management_estimate), e.customer_expected),
        _gap(e.touchpoint_id, "satisfaction", e.dimension,
             shortfall("higher", e.customer_expected, e.customer_perceived), e.customer_expected),
    ]


def value_gaps(network: Network, plan: Plan) -> list[Gap]:
    """Every gap the standards and expectations allow, touchpoint by touchpoint."""
    perceived = {(e.touchpoint_id, e.dimension): e for e in network.expectations}
    gaps = []
    for tp in network.touchpoints:
        tid = tp.touchpoint_id
        for standard in network.standards:
            if standard.touchpoint_id == tid:
                gaps += standard_gaps(network, plan, standard,
                                      perceived.get((tid, standard.metric)))
        for expectation in network.expectations:
            if expectation.touchpoint_id == tid:
                gaps += expectation_gaps(expectation)
    return gaps


def describe(gap: Gap) -> str:
    """One line for the terminal: ``T10 communication gap on response_hours: falls short by
    5.98 against 0.02 (major; plan: slowest partner P16)``."""
    head = f"{gap.touchpoint_id} {gap.gap} gap on {gap.subject}: "
    if gap.value is None:
        return head + "no data"
    reference = f"{gap.reference:g}" if gap.reference is not None else "?"
    tail = f"; {gap.note}" if gap.note else ""
    if gap.value <= 0:
        return head + f"none (meets {reference} with {abs(gap.value):g} to spare{tail})"
    return head + f"falls short by {gap.value:g} against {reference} ({gap.severity}{tail})"


def relative_size(gap: Gap) -> float:
    """A gap's shortfall relative to its reference, for ranking gaps in different units."""
    if gap.value is None or gap.value <= 0:
        return 0.0
    return gap.value / abs(gap.reference) if gap.reference else float("inf")


def largest(gaps: list[Gap], count: int = 3) -> list[Gap]:
    """The ``count`` worst gaps: major before minor, then by relative size."""
    rank = {"major": 0, "minor": 1}
    worst = [g for g in gaps if g.severity in rank]
    return sorted(worst, key=lambda g: (rank[g.severity], -relative_size(g)))[:count]
