"""Business-time arithmetic for SLA clocks: pure functions, no database.

Opening hours are wall-clock times in the calendar's time zone, so a DST change moves them with the
local clock; durations are real elapsed time (an 08:00–16:00 day is always eight hours, and an
around-the-clock calendar counts 23 hours on the spring-forward day).
"""

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

MINUTES_PER_DAY = 24 * 60
# A guard against calendars with (almost) no open time: ten years of days without one opening hour.
MAX_DAYS = 3660


@dataclass(frozen=True)
class Calendar:
    """Open hours per weekday (0 = Monday) as (open, close) minutes of the day, 0–1440."""

    tz: ZoneInfo
    hours: dict[int, tuple[tuple[int, int], ...]]
    is_holiday: Callable[[dt.date], bool] = field(default=lambda day: False)

    def __post_init__(self):
        for weekday, spans in self.hours.items():
            if not 0 <= weekday <= 6:
                raise ValueError(f"weekday must be 0–6 (Monday–Sunday), not {weekday}")
            for start, end in spans:
                if not 0 <= start < end <= MINUTES_PER_DAY:
                    raise ValueError(f"opening hours {start}–{end} on weekday {weekday} are not a span")
        if not any(self.hours.get(day) for day in range(7)):
            raise ValueError("a calendar needs opening hours on at least one weekday")


def always_open(tz: ZoneInfo) -> Calendar:
    return Calendar(tz=tz, hours={day: ((0, MINUTES_PER_DAY),) for day in range(7)})


def _local_instant(day: dt.date, minute: int, tz: ZoneInfo) -> dt.datetime:
    """The real instant of a wall-clock minute; a time the clocks skip maps past the gap."""
    if minute >= MINUTES_PER_DAY:
        day, minute = day + dt.timedelta(days=1), 0
    local = dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=tz)
    # Round-tripping through UTC resolves a skipped time (spring forward) to the first real one after it.
    return local.astimezone(dt.UTC)


def open_spans(calendar: Calendar, start: dt.datetime) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """Open spans (UTC) from the one containing `start` onwards, clipped to begin no earlier than start."""
    _require_aware(start)
    day = start.astimezone(calendar.tz).date() - dt.timedelta(days=1)  # a span may run past midnight
    for _ in range(MAX_DAYS):
        if not calendar.is_holiday(day):
            for open_minute, close_minute in calendar.hours.get(day.weekday(), ()):
                span_start = _local_instant(day, open_minute, calendar.tz)
                span_end = _local_instant(day, close_minute, calendar.tz)
                if span_end <= start or span_end <= span_start:
                    continue
                yield max(span_start, start), span_end
        day += dt.timedelta(days=1)
    raise ValueError("the calendar has no open time in ten years (are all days holidays?)")


def add_business_time(calendar: Calendar, start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
    """The instant when `duration` of open time has passed since `start`."""
    if duration < dt.timedelta(0):
        raise ValueError("duration must not be negative")
    left = duration
    for span_start, span_end in open_spans(calendar, start):
        length = span_end - span_start
        if left <= length:
            if left == dt.timedelta(0):
                return span_start
            return span_start + left
        left -= length
    raise AssertionError("open_spans never ends without raising")  # pragma: no cover


def business_time_between(calendar: Calendar, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    """Open time from start to end; negative when end is before start."""
    _require_aware(end)
    if end < start:
        return -business_time_between(calendar, end, start)
    total = dt.timedelta(0)
    for span_start, span_end in open_spans(calendar, start):
        if span_start >= end:
            break
        total += min(span_end, end) - span_start
    return total


def _require_aware(value: dt.datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("business time needs timezone-aware datetimes")
