"""Reading the values people put in spreadsheet cells: dates, decimals, yes/no words."""

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo


class InvalidCell(ValueError):
    pass


_FINNISH_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_FINNISH_DATETIME = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})[ T](\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?$")


def parse_date(text: str) -> dt.date:
    """ISO 8601 (2024-03-05) or Finnish d.m.yyyy (5.3.2024)."""
    value = text.strip()
    match = _FINNISH_DATE.match(value)
    try:
        if match:
            day, month, year = (int(part) for part in match.groups())
            return dt.date(year, month, day)
        return dt.date.fromisoformat(value[:10] if "T" in value else value)
    except ValueError:
        raise InvalidCell(f"invalid date {text!r} (use YYYY-MM-DD or d.m.yyyy)")


def parse_datetime(text: str, default_tz: ZoneInfo) -> dt.datetime:
    """ISO 8601 date or date-time, or Finnish d.m.yyyy [HH:MM[:SS]]; naive values are local time."""
    value = text.strip()
    try:
        match = _FINNISH_DATETIME.match(value)
        if match:
            day, month, year, hour, minute, second = match.groups()
            moment = dt.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0))  # noqa: DTZ001 zone set below
        elif _FINNISH_DATE.match(value):
            moment = dt.datetime.combine(parse_date(value), dt.time())
        else:
            moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, InvalidCell):
        raise InvalidCell(f"invalid date/time {text!r} (use ISO 8601 or d.m.yyyy)")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=default_tz)
    return moment


def parse_decimal(text: str) -> Decimal:
    """12.50, 12,50, 1 234,50 and 1234.5 all read; a thousands separator is a space or NBSP."""
    value = text.strip().replace("\u00a0", "").replace(" ", "")
    if "," in value and "." in value:
        # 1.234,50 (continental) or 1,234.50 (English): the last separator is the decimal one.
        if value.rfind(",") > value.rfind("."):
            value = value.replace(".", "").replace(",", ".")
        else:
            value = value.replace(",", "")
    else:
        value = value.replace(",", ".")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise InvalidCell(f"invalid number {text!r}")
    if not number.is_finite():
        raise InvalidCell(f"invalid number {text!r}")
    return number


# Yes and no in the languages of our users (English, Finnish, Swedish, Norwegian) plus 1/0, true/false.
YES_WORDS = frozenset({"yes", "y", "true", "1", "kyllä", "kylla", "k", "ja", "j"})
NO_WORDS = frozenset({"no", "n", "false", "0", "ei", "e", "nej", "nei"})


def parse_yes_no(text: str) -> bool:
    word = text.strip().lower()
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    raise InvalidCell(f"unrecognised yes/no value {text!r} (use yes/no, kyllä/ei, ja/nej, ja/nei, 1/0)")
