"""Date arguments for the analytics commands: ISO 8601 or Finnish d.m.yyyy (PRODUCT.md Conventions)."""

import datetime as dt

from django.core.management.base import CommandError

from sidos.lib.cells import parse_date


def date_argument(text: str, name: str) -> dt.date:
    try:
        return parse_date(text)
    except ValueError:
        raise CommandError(f"{name}: {text!r} is not a date (use YYYY-MM-DD or d.m.yyyy)", returncode=2)
