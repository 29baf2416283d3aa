"""One Mastodon Status entity (REST API v1, as timelines and search return it) to a PostRecord."""

from typing import Any

from sidos.listening.connectors.base import PostRecord
from sidos.listening.connectors.fields import SkipItem, count, language, parse_time
from sidos.listening.connectors.text import html_to_text


def status_to_record(status: Any, instance_host: str) -> PostRecord:
    if not isinstance(status, dict) or not isinstance(status.get("id"), str) or not status["id"]:
        raise SkipItem("no status id")
    created_at = parse_time(status.get("created_at"))
    if created_at is None:
        raise SkipItem("no valid created_at")
    # A boost is a status of its own whose text, counts and language are the original's (its `reblog`).
    original = status.get("reblog") if isinstance(status.get("reblog"), dict) else None
    source = original or status
    text = status_text(source)
    if not text:
        raise SkipItem("no text")
    account = status.get("account") if isinstance(status.get("account"), dict) else {}
    return PostRecord(
        external_id=status["id"],
        text=text,
        created_at=created_at,
        author_handle=handle(account, instance_host),
        author_name=_string(account.get("display_name")) or _string(account.get("username")),
        url=_string(source.get("url")) or _string(source.get("uri")),
        lang=language(source.get("language")),
        reply_to="" if original else _string(status.get("in_reply_to_id")),
        reshare_of=_string(original.get("id")) if original else "",
        like_count=count(source.get("favourites_count")),
        reshare_count=count(source.get("reblogs_count")),
        raw=status,
    )


def status_text(status: dict[str, Any]) -> str:
    """The content warning (it often names the complaint) and the content, as plain text."""
    parts = [html_to_text(_string(status.get("spoiler_text"))), html_to_text(_string(status.get("content")))]
    return "\n\n".join(part for part in parts if part)


def handle(account: dict[str, Any], instance_host: str) -> str:
    """`user@server` always: `acct` leaves the server out for the instance's own accounts, and a bare
    name would be ambiguous across the fediverse when matching a customer's stored handle."""
    acct = _string(account.get("acct")) or _string(account.get("username"))
    if not acct:
        return ""
    return acct if "@" in acct else f"{acct}@{instance_host}"


def id_key(status_id: str) -> tuple[int, str]:
    """Mastodon ids are numeric strings of growing length (snowflakes); compare them as numbers."""
    return (len(status_id), status_id)


def _string(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""
