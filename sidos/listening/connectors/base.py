"""What every network connector offers: fetch the posts newer than a cursor, and the next cursor.

Connectors do no database work: the listening app stores each source's config and cursor and turns the
records into posts (dedupe, reshares, classification). That keeps every connector testable against
recorded responses served by a local HTTP server, and lets ingest from a file and from a network share
one path.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class PostRecord:
    """One public post as a source gave it; untrusted text, not yet validated or stored."""

    external_id: str  # unique within the source (a status id, an AT URI, a feed entry id)
    text: str
    created_at: datetime  # timezone-aware
    author_handle: str = ""
    author_name: str = ""
    url: str = ""
    lang: str | None = None  # as the source states it, if it does
    reply_to: str = ""  # external_id of the post this answers
    reshare_of: str = ""  # external_id of the original when this record is a reshare/boost/repost
    like_count: int = 0
    reshare_count: int = 0
    raw: dict[str, Any] = field(default_factory=dict)  # the source's own fields, kept for audit


@dataclass(frozen=True)
class FetchResult:
    records: list[PostRecord]
    cursor: dict[str, Any]  # opaque to the caller; stored and passed back on the next fetch
    problems: list[str] = field(default_factory=list)  # records skipped, each named ("entry 3: no text")
    retry_after: float | None = None  # seconds the source asked us to wait (rate limit), if it did


class Connector(Protocol):
    kind: str  # "rss", "mastodon", "bluesky"

    def fetch(self, config: dict[str, Any], cursor: dict[str, Any]) -> FetchResult:
        """Posts newer than `cursor` (an empty dict on the first poll). Raises ConnectorError when the
        source cannot be reached or answers with an error, so the caller backs off and keeps the cursor."""
        ...


class ConnectorError(Exception):
    def __init__(self, message: str, *, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after
