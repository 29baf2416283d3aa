"""Checking one untrusted PostRecord before it is stored: each problem names the field."""

import datetime as dt
from dataclasses import replace
from urllib.parse import urlsplit

from sidos.listening.connectors.base import PostRecord
from sidos.listening.models import MAX_TEXT_CHARS

LANGUAGES = {"fi", "sv", "nb", "ru", "en"}
# What sources write for the languages we know; anything else is kept as "other".
LANGUAGE_ALIASES = {"no": "nb", "nn": "nb", "nob": "nb", "fin": "fi", "swe": "sv", "rus": "ru", "eng": "en"}
MAX_ID = 500
MAX_HANDLE = 200
MAX_URL = 1000


class InvalidRecord(ValueError):
    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def normalise_lang(value) -> str:
    """ISO 639-1 of the five languages, "other" for a stated other language, "" when not stated."""
    if not value:
        return ""
    code = str(value).strip().lower().replace("_", "-").split("-")[0]
    code = LANGUAGE_ALIASES.get(code, code)
    return code if code in LANGUAGES else "other"


def normalise_handle(handle: str) -> str:
    """Handles compare without the leading @ and case: @Matti@mastodon.social == matti@mastodon.social."""
    return handle.strip().lstrip("@").lower()


def clean(record: PostRecord) -> tuple[PostRecord, bool]:
    """The record with its text cut to size and its language normalised, and whether the text was cut.

    Raises InvalidRecord for what cannot be stored: no id, no text, a naive or missing time, a link that is
    not http(s) (a javascript: URL would run in the agent's browser), negative or non-integer counts.
    """
    external_id = str(record.external_id or "").strip()
    if not external_id:
        raise InvalidRecord("external_id", "missing")
    if len(external_id) > MAX_ID:
        raise InvalidRecord("external_id", f"longer than {MAX_ID} characters")
    if not isinstance(record.text, str) or not record.text.strip():
        raise InvalidRecord("text", "missing")
    if not isinstance(record.created_at, dt.datetime):
        raise InvalidRecord("created_at", "missing or not a date and time")
    if record.created_at.tzinfo is None or record.created_at.utcoffset() is None:
        raise InvalidRecord("created_at", "has no time zone")
    for field in ("like_count", "reshare_count"):
        value = getattr(record, field)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidRecord(field, f"not a whole number of zero or more: {value!r}")
    url = str(record.url or "").strip()
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InvalidRecord("url", "not an http(s) address")
        if len(url) > MAX_URL:
            raise InvalidRecord("url", f"longer than {MAX_URL} characters")
    for field in ("reply_to", "reshare_of"):
        if len(str(getattr(record, field) or "")) > MAX_ID:
            raise InvalidRecord(field, f"longer than {MAX_ID} characters")
    # Control characters other than line breaks and tabs have no business in a post.
    text = "".join(ch for ch in record.text.strip() if ch >= " " or ch in "\n\t")
    truncated = len(text) > MAX_TEXT_CHARS
    cleaned = replace(
        record,
        external_id=external_id,
        text=text[:MAX_TEXT_CHARS],
        author_handle=str(record.author_handle or "").strip()[:MAX_HANDLE],
        author_name=str(record.author_name or "").strip()[:MAX_HANDLE],
        url=url,
        lang=normalise_lang(record.lang),
        reply_to=str(record.reply_to or "").strip(),
        reshare_of=str(record.reshare_of or "").strip(),
    )
    return cleaned, truncated
