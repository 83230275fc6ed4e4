"""When time-dependent results are refreshed: pure functions of the working calendar and the settings.

Most results change with time alone (a call becomes late at 15:24 whether or not anyone saves; a repair becomes
overdue overnight), so the watcher computes them again on a schedule (:mod:`automation.refresh`). The refresh
instants of a working day are, for each work period ``[start, end]`` (settings ``calendar.work_periods``):

* its start (08:00, 13:00 by default) — the results people read when the period opens;
* every ``watch.refresh_minutes`` after it (default 60: 09:00, 10:00, 11:00, …) while within the period;
* its end (12:00, 17:00) — working time does not advance in the break or overnight, so the figures at closing
  time hold until the next opening (for the calendar the closing minute is still working time: a deadline may
  fall on it, SPEC §5).

Days are working days of the product's calendar (:class:`automation.calendar.WorkCalendar`: Monday–Friday, minus
public holidays, plus make-up working days, then 基础资料/节假日调整 overrides). Nothing is refreshed on other
days. All instants are naive local time in whole minutes, like the calendar's.
"""

from __future__ import annotations

import datetime as dt

from .calendar import WorkCalendar
from .settings import Settings

__all__ = ["SEARCH_DAYS", "next_refresh", "refresh_minutes_of_day", "refreshes_on"]

# How far ahead a next refresh is looked for; a calendar with no working day in two years has none.
SEARCH_DAYS = 732


def refresh_minutes_of_day(periods: tuple[tuple[int, int], ...], every: int) -> tuple[int, ...]:
    """The refresh instants of a working day as minutes after its midnight, sorted, without repeats (1440 is the
    next midnight, the end of a period that closes at 24:00)."""
    if every < 1:
        raise ValueError(f"refresh interval must be at least 1 minute, not {every}")
    points: set[int] = set()
    for start, end in periods:
        points.update(range(start, end, every))
        points.add(end)
    return tuple(sorted(points))


def refreshes_on(day: dt.date, calendar: WorkCalendar, settings: Settings) -> list[dt.datetime]:
    """Every refresh instant of ``day`` (none on a day that is not a working day)."""
    if not calendar.is_working_day(day):
        return []
    midnight = dt.datetime.combine(day, dt.time())
    return [midnight + dt.timedelta(minutes=m) for m in refresh_minutes_of_day(calendar.periods, settings.refresh_minutes)]


def next_refresh(after: dt.datetime, calendar: WorkCalendar, settings: Settings) -> dt.datetime | None:
    """The first refresh instant strictly after ``after``; None when no working day lies within SEARCH_DAYS.

    The work periods are the calendar's (made from the same settings); ``settings.refresh_minutes`` the interval.
    """
    day = after.date()
    for _ in range(SEARCH_DAYS + 1):
        for instant in refreshes_on(day, calendar, settings):
            if instant > after:
                return instant
        day += dt.timedelta(days=1)
    return None
