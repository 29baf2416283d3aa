"""One feedparser entry (RSS 2.0, RSS 1.0 or Atom) to a PostRecord."""

import calendar
import hashlib
from datetime import UTC, datetime
from typing import Any

from sidos.listening.connectors.base import PostRecord
from sidos.listening.connectors.fields import SkipItem, language
from sidos.listening.connectors.text import html_to_text, tidy

_HTML_TYPES = ("text/html", "application/xhtml+xml", "html", "xhtml")


def entry_id(entry: Any) -> str:
    """The entry's own id (Atom id, RSS guid), else its link, else a digest of its title and text, so a
    feed without guids still gives each entry the same id on every poll."""
    for key in ("id", "link"):
        value = entry.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    digest = hashlib.sha256(f"{entry.get('title', '')}\n{entry.get('summary', '')}".encode()).hexdigest()
    return f"sha256:{digest[:32]}"


def entry_time(entry: Any, *keys: str) -> datetime | None:
    for key in keys:
        # dict.get: feedparser's own get maps a missing "updated" to "published", with a warning.
        parsed = dict.get(entry, f"{key}_parsed")
        if parsed:
            # feedparser normalises every date format it knows to a UTC struct_time.
            return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    return None


def entry_to_record(entry: Any, feed: Any, fetched_at: datetime) -> PostRecord:
    external_id = entry_id(entry)
    title = _plain(entry.get("title_detail") or {"value": entry.get("title", ""), "type": "text/plain"})
    bodies = entry.get("content") or []
    body = _plain(bodies[0]) if bodies else _plain(entry.get("summary_detail") or {})
    # A news entry's title says as much as its text; a post-like entry repeats it as its first words.
    text = f"{title}\n\n{body}" if body and title and not body.startswith(title) else body or title
    if not text:
        raise SkipItem("no text")
    author = entry.get("author_detail") or {}
    detail_lang = (bodies[0].get("language") if bodies else None) or (entry.get("summary_detail") or {}).get(
        "language"
    )
    return PostRecord(
        external_id=external_id,
        text=text,
        # An undated entry is dated when Sidos first saw it: later polls skip it by id, so that stays.
        created_at=entry_time(entry, "published", "updated", "created") or fetched_at,
        author_handle=(author.get("email") or entry.get("author") or "").strip(),
        author_name=(author.get("name") or entry.get("author") or "").strip(),
        url=(entry.get("link") or "").strip(),
        lang=language(detail_lang) or language(feed.get("language")),
        raw=_raw(entry, external_id),
    )


def _plain(detail: Any) -> str:
    value = detail.get("value") or ""
    if not isinstance(value, str):
        return ""
    if (detail.get("type") or "text/html") in _HTML_TYPES:
        return html_to_text(value)
    return tidy(value)


def _raw(entry: Any, external_id: str) -> dict[str, Any]:
    # feedparser's entries hold struct_times and nested dicts; keep the plain fields, JSON-safe.
    raw: dict[str, Any] = {"id": external_id}
    for key in ("title", "link", "author", "published", "updated", "comments"):
        value = dict.get(entry, key)
        if isinstance(value, str) and value:
            raw[key] = value
    tags = [tag.get("term") for tag in entry.get("tags") or [] if isinstance(tag.get("term"), str)]
    if tags:
        raw["tags"] = tags
    return raw
