"""Phone numbers to E.164 with Google's libphonenumber rules."""

from functools import lru_cache

import phonenumbers


class InvalidPhone(ValueError):
    pass


@lru_cache(maxsize=65536)
def to_e164(raw: str, default_region: str = "FI") -> str:
    """Return the number in E.164 (+358401234567) or raise InvalidPhone with a reason."""
    text = (raw or "").strip()
    if not text:
        raise InvalidPhone("empty phone number")
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, default_region.upper())
    except phonenumbers.NumberParseException as error:
        raise InvalidPhone(f"unparseable phone number {raw!r}: {error._msg}")
    if not phonenumbers.is_possible_number(number):
        raise InvalidPhone(f"{raw!r} is not a possible phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def to_e164_or_none(raw: str, default_region: str = "FI") -> str | None:
    try:
        return to_e164(raw, default_region)
    except InvalidPhone:
        return None
