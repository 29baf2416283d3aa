"""Phone numbers to E.164 with Google's libphonenumber rules."""

import re
from functools import lru_cache

import phonenumbers
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneMetadata

# What people put between digits; anything else (letters, extensions, other scripts) takes the full parser.
_SEPARATORS = str.maketrans("", "", " -.()/\u00a0\t")


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
    fast = _plain_e164(text, default_region.upper())
    if fast is not None:
        return fast
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


def _plain_e164(text: str, region: str) -> str | None:
    """E.164 for plain numbers (+CC digits, or national digits of the default region), else None.

    The full parser costs ~40 µs a number, most of it normalising Unicode digits, and an import of a
    million customers parses a million numbers. Plain numbers are nearly all of them, and for those
    the result follows from libphonenumber's own metadata by its own rules (country code, national
    prefix, possible lengths). Whenever a rule needs more than that, this returns None and the full
    parser decides; tests/test_phones_fast_path.py checks the two agree.
    """
    compact = text.translate(_SEPARATORS)
    international = compact.startswith("+")
    digits = compact[1:] if international else compact
    if not digits.isascii() or not digits.isdigit():
        return None
    if international:
        for size in (1, 2, 3):
            code = int(digits[:size])
            if code in COUNTRY_CODE_TO_REGION_CODE:
                break
        else:
            return None
        regions = COUNTRY_CODE_TO_REGION_CODE[code]
        if not regions or regions[0] == "001":
            return None
        metadata = PhoneMetadata.metadata_for_region(regions[0])
        national = digits[size:]
    else:
        metadata = PhoneMetadata.metadata_for_region(region)
        if metadata is None or (
            metadata.international_prefix and re.match(metadata.international_prefix, digits)
        ):
            return None
        if digits.startswith(str(metadata.country_code)):
            return None  # the parser may read the leading digits as a country code
        code = metadata.country_code
        national = digits
    if metadata is None:
        return None
    general = metadata.general_desc
    prefix = metadata.national_prefix_for_parsing
    if prefix and re.match(prefix, national):
        # Strip only a simple trunk prefix ("0", "8") from a national number, exactly as the parser
        # would: not if it would turn a valid-looking number into an invalid-looking one.
        if international or prefix != metadata.national_prefix or metadata.national_prefix_transform_rule:
            return None
        stripped = national[len(prefix) :]
        pattern = general.national_number_pattern
        if pattern and re.fullmatch(pattern, national) and not re.fullmatch(pattern, stripped):
            return None
        if len(stripped) not in general.possible_length:
            return None
        national = stripped
    if not national or national.startswith("0"):
        return None  # leading zeros have rules of their own (Italy and others)
    if len(national) not in (*general.possible_length, *general.possible_length_local_only):
        return None  # let the parser reject it with its reason
    return f"+{code}{national}"
