"""Reading a source config and the raw items' fields: each bad key or value named in a ConnectorError."""

import urllib.parse
from datetime import UTC, datetime
from typing import Any

from sidos.listening.connectors.base import ConnectorError
from sidos.listening.connectors.http import check_url

SEEN_LIMIT = 1000  # ids a cursor remembers to drop repeats at a boundary; feeds and pages are smaller


class SkipItem(ValueError):
    """One raw item that cannot become a PostRecord; the connector reports it in `problems`."""


def check_keys(kind: str, config: dict[str, Any], allowed: set[str]) -> None:
    if not isinstance(config, dict):
        raise ConnectorError(f"{kind} source config must be a JSON object, not {type(config).__name__}")
    unknown = sorted(set(config) - allowed)
    if unknown:
        raise ConnectorError(
            f"{kind} source config: unknown key(s) {', '.join(unknown)}; "
            f"allowed: {', '.join(sorted(allowed))}"
        )


def text_value(
    kind: str, config: dict[str, Any], key: str, *, required: bool = False, default: str = ""
) -> str:
    value = config.get(key, default)
    if value is None:
        value = default
    if not isinstance(value, str):
        raise ConnectorError(f"{kind} source config: {key} must be a string")
    value = value.strip()
    if required and not value:
        raise ConnectorError(f"{kind} source config: {key} is required")
    return value


def url_value(kind: str, config: dict[str, Any], key: str, *, default: str = "", base: bool = False) -> str:
    """An http(s) URL; a `base` one (a server that API paths are appended to) without query or fragment."""
    value = text_value(kind, config, key, required=not default, default=default)
    try:
        check_url(value)
    except ConnectorError:
        raise ConnectorError(f"{kind} source config: {key} must be an http(s) URL, not {value!r}")
    parts = urllib.parse.urlsplit(value)
    if base and (parts.query or parts.fragment):
        raise ConnectorError(f"{kind} source config: {key} must be the server's address, without ? or #")
    return value.rstrip("/") if base else value


def int_value(kind: str, config: dict[str, Any], key: str, *, default: int, low: int, high: int) -> int:
    value = config.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConnectorError(f"{kind} source config: {key} must be a whole number from {low} to {high}")
    return value


def bool_value(kind: str, config: dict[str, Any], key: str, *, default: bool = False) -> bool:
    value = config.get(key, default)
    if not isinstance(value, bool):
        raise ConnectorError(f"{kind} source config: {key} must be true or false")
    return value


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 time as the APIs write it ("2026-05-01T08:30:00.000Z"), always aware; None if unusable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def language(value: Any) -> str | None:
    """The primary subtag of a BCP 47 tag ("fi-FI" -> "fi"), or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    primary = value.strip().replace("_", "-").split("-")[0].lower()
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else None


def remember(new_ids: list[str], old_ids: list[str], limit: int = SEEN_LIMIT) -> list[str]:
    """new ids first, then the old ones, without repeats, at most `limit`."""
    seen, out = set(), []
    for item in [*new_ids, *old_ids]:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out[:limit]
