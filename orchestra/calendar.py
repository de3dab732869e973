"""The contract calendar: dates as periods of the plan's horizon.

Period 1 begins on ``plan_start``; each period is a month, a quarter or a year (the policy's
``period``). A contract ending on a day inside period k is paid for periods 1..k, and its
successor takes over in period k + 1; a contract that ended before ``plan_start`` is rolling
(it can end at once, period 0). Everything here is a pure function of the network.
"""

from __future__ import annotations

import calendar as _days
from dataclasses import dataclass
from datetime import date, timedelta

from orchestra.domain import Lock, Network

# The periods a calendar can count, in months.
PERIOD_MONTHS = {"month": 1, "months": 1, "monthly": 1, "quarter": 3, "quarters": 3,
                 "quarterly": 3, "year": 12, "years": 12, "yearly": 12, "annual": 12}


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months, kept within the month it lands in.

    >>> add_months(date(2027, 1, 31), 1), add_months(date(2027, 11, 15), 3)
    (datetime.date(2027, 2, 28), datetime.date(2028, 2, 15))
    """
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, _days.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Calendar:
    """The plan's periods: ``horizon`` periods of ``months`` months from ``start``."""

    start: date
    months: int
    horizon: int

    def begins(self, period: int) -> date:
        """The first day of ``period`` (1 is ``start``)."""
        return add_months(self.start, self.months * (period - 1))

    def ends(self, period: int) -> date:
        """The last day of ``period``."""
        return self.begins(period + 1) - timedelta(days=1)

    def period_of(self, day: date) -> int:
        """The period ``day`` falls in; 0 before ``start``.

        >>> cal = Calendar(date(2027, 1, 1), 1, 12)
        >>> cal.period_of(date(2026, 12, 31)), cal.period_of(date(2027, 1, 1)), \\
        ...     cal.period_of(date(2027, 3, 31)), cal.period_of(date(2027, 4, 1))
        (0, 1, 3, 4)
        """
        if day < self.start:
            return 0
        period = 1
        while self.begins(period + 1) <= day:
            period += 1
        return period

    def paid(self, contract: Lock) -> int:
        """The periods of the horizon a contract runs if the plan does not end it early: to
        the end of the period its end falls in, at most the horizon (0: it can end at once)."""
        if contract.ends is None:
            return 0
        return min(self.period_of(contract.ends), self.horizon)


def calendar_of(network: Network, today: date | None = None) -> Calendar | None:
    """The network's calendar, or None when no contract of today's network has an end (every
    change then takes effect at plan_start, as without a calendar). ``plan_start`` defaults to
    ``today`` (the day of the run)."""
    if not any(c.ends is not None for c in network.current):
        return None
    policy = network.policy
    months = PERIOD_MONTHS.get((policy.period or "").strip().lower(), 0)
    return Calendar(policy.plan_start or today or date.today(), months,
                    round(policy.horizon_periods or 1))


def at_once() -> Calendar:
    """The calendar of a network whose contracts have no end: every change at plan_start."""
    return Calendar(date.today(), 1, 1)
