"""RSS 2.0, RSS 1.0 and Atom feeds: each entry a post.

Config (JSON object):
- `url` (required): the feed's http(s) address.
- `max_entries` (optional, 1-1000, default 200): at most this many new entries in one fetch, newest first;
  the rest come on the next fetch.

Cursor: `etag` and `last_modified` (sent back as If-None-Match / If-Modified-Since, so an unchanged feed
costs a 304), `seen` (ids of entries already returned, newest first, at most 1000) and `newest` (the
newest entry time seen). An entry is new when its id was not seen, or when it was updated after `newest`
(an edited entry comes again; the caller dedupes by external_id). Entries without text are reported in
`problems` and not again.

Parsed by feedparser from the bytes the shared HTTP client fetched (feedparser never fetches itself here):
it refuses external entities and drops the DOCTYPE's entity declarations, so no XML bomb or external
entity reaches the parser.
"""

import io
import xml.sax
from datetime import UTC, datetime
from typing import Any

import feedparser

from sidos.listening.connectors.base import ConnectorError, FetchResult
from sidos.listening.connectors.fields import (
    SkipItem,
    check_keys,
    int_value,
    parse_time,
    remember,
    url_value,
)
from sidos.listening.connectors.http import HttpClient
from sidos.listening.connectors.rss.mapping import entry_id, entry_time, entry_to_record

KIND = "rss"
ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1"


class RssConnector:
    kind = KIND

    def __init__(self, http: HttpClient | None = None):
        self.http = http or HttpClient()

    def check_config(self, config: dict[str, Any]) -> dict[str, Any]:
        check_keys(KIND, config, {"url", "max_entries"})
        return {
            "url": url_value(KIND, config, "url"),
            "max_entries": int_value(KIND, config, "max_entries", default=200, low=1, high=1000),
        }

    def fetch(self, config: dict[str, Any], cursor: dict[str, Any]) -> FetchResult:
        conf = self.check_config(config)
        cursor = cursor if isinstance(cursor, dict) else {}
        headers = {"Accept": ACCEPT}
        if isinstance(cursor.get("etag"), str):
            headers["If-None-Match"] = cursor["etag"]
        if isinstance(cursor.get("last_modified"), str):
            headers["If-Modified-Since"] = cursor["last_modified"]
        response = self.http.get(conf["url"], headers=headers, accept_status=(200, 304))
        if response.status == 304:
            return FetchResult([], dict(cursor), retry_after=response.rate_limit_wait())
        feed = feedparser.parse(io.BytesIO(response.body), sanitize_html=True, resolve_relative_uris=False)
        if not feed.get("version") and not feed.entries:
            reason = feed.get("bozo_exception") or "no feed elements"
            raise ConnectorError(f"{conf['url']}: not an RSS or Atom feed ({reason})")

        fetched_at = datetime.now(UTC)
        old_seen = [i for i in cursor.get("seen") or [] if isinstance(i, str)]
        seen = set(old_seen)
        newest = parse_time(cursor.get("newest"))
        fresh = []
        for position, entry in enumerate(feed.entries, 1):
            updated = entry_time(entry, "updated", "published", "created")
            eid = entry_id(entry)
            if eid in seen and not (updated and newest and updated > newest):
                continue
            fresh.append((updated, position, eid, entry))
        # Newest first; undated entries count as new as the fetch, so they are not starved by max_entries.
        fresh.sort(key=lambda item: item[0] or fetched_at, reverse=True)
        fresh = fresh[: conf["max_entries"]]

        records, problems, handled = [], [], []
        if isinstance(feed.get("bozo_exception"), xml.sax.SAXException) and fresh:
            # Entries of a broken feed may be cut short or merged: the source's owner should hear of it.
            problems.append(f"the feed is not well-formed XML ({feed.get('bozo_exception')}); read leniently")
        for _, position, eid, entry in fresh:
            handled.append(eid)
            try:
                records.append(entry_to_record(entry, feed.feed, fetched_at))
            except SkipItem as exc:
                problems.append(f"entry {position} ({eid}): {exc}")
        times = [t for t, *_ in fresh if t]
        if newest:
            times.append(newest)
        new_cursor = {
            "etag": response.headers.get("ETag"),
            "last_modified": response.headers.get("Last-Modified"),
            "seen": remember(handled, old_seen),
            "newest": max(times).isoformat() if times else None,
        }
        return FetchResult(
            records,
            {k: v for k, v in new_cursor.items() if v},
            problems,
            retry_after=response.rate_limit_wait(),
        )


def connector() -> RssConnector:
    return RssConnector()
