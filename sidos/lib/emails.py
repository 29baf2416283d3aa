"""E-mail addresses as contact points: trimmed, compared case-insensitively."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email


class InvalidEmail(ValueError):
    pass


_SIMPLE_ADDRESS = re.compile(r"^[a-z0-9._%+\-']+@[a-z0-9\-]+(\.[a-z0-9\-]+)*\.[a-z]{2,}$")


def normalise_email(raw: str) -> str:
    """Trim and lower-case an address; raise InvalidEmail if it is not one.

    The whole address is lower-cased: local parts are case-sensitive in theory, but no
    mail provider our customers use treats them so, and duplicates hide behind case.
    """
    address = (raw or "").strip().lower()
    if not address:
        raise InvalidEmail("empty e-mail address")
    # Most addresses pass the cheap pattern; Django's validator decides the rest (IDN, quoted).
    if _SIMPLE_ADDRESS.match(address):
        return address
    try:
        validate_email(address)
    except ValidationError:
        raise InvalidEmail(f"invalid e-mail address {raw.strip()!r}")
    return address
