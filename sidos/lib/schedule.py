"""Slot arithmetic for periodic jobs (pure: no database, no clock of its own).

A schedule divides time into slots; a job is due once per slot. The slot that is due at a moment is the
latest slot that began at or before it, so a worker that was down for a week runs a nightly job once on
start-up (the latest missed night), never once per missed night.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

OFF_WORDS = {"off", "none", "never", "disabled"}
UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600}
_DAILY = re.compile(r"^(?:daily\s+)?(\d{1,2}):(\d{2})$")
_EVERY = re.compile(r"^(?:every\s+)?(\d+)\s*([smh]?)$")


@dataclass(frozen=True)
class Every:
    """Every N seconds, slots aligned to the Unix epoch so every worker computes the same slot starts."""

    seconds: int

    def slot(self, now: datetime) -> datetime:
        epoch = int(now.timestamp())
        return datetime.fromtimestamp(epoch - epoch % self.seconds, tz=UTC)

    def __str__(self) -> str:
        return f"every {self.seconds} s"


@dataclass(frozen=True)
class Daily:
    """Once a day at a wall-clock time in a time zone; the slot is that day's instant in UTC."""

    at: time
    zone: ZoneInfo

    def occurrence(self, day) -> datetime:
        # fold=0: a time repeated when clocks go back runs at its first occurrence only; a time skipped when
        # they go forward takes the offset from before the change, i.e. runs an hour later on the clock.
        return datetime.combine(day, self.at, tzinfo=self.zone).astimezone(UTC)

    def slot(self, now: datetime) -> datetime:
        today = now.astimezone(self.zone).date()
        start = self.occurrence(today)
        return start if start <= now else self.occurrence(today - timedelta(days=1))

    def __str__(self) -> str:
        return f"daily at {self.at:%H:%M} {self.zone.key}"


def parse_schedule(raw: str, zone: ZoneInfo, name: str = "schedule") -> Every | Daily | None:
    """'HH:MM' (daily), '90', '90s', '5m', '2h' (every), or 'off' (None). `name` goes into the error."""
    text = raw.strip().lower()
    if text in OFF_WORDS:
        return None
    if match := _DAILY.match(text):
        hour, minute = int(match[1]), int(match[2])
        if hour > 23 or minute > 59:
            raise ValueError(f"{name}: {raw!r} is not a time of day (00:00-23:59)")
        return Daily(time(hour, minute), zone)
    if match := _EVERY.match(text):
        seconds = int(match[1]) * UNIT_SECONDS[match[2]]
        if seconds <= 0:
            raise ValueError(f"{name}: the interval must be at least one second, not {raw!r}")
        return Every(seconds)
    raise ValueError(
        f"{name}: {raw!r} is not a schedule; use 'HH:MM' (daily), e.g. '5m' or '300' (every), or 'off'"
    )
