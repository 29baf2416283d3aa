"""Bluesky: the public search API (`app.bsky.feed.searchPosts`) of an AppView, newest posts first.

Config (JSON object):
- `query` (required): the search words (Lucene-like syntax: phrases in quotes, `from:handle`, `#tag`).
- `lang` (optional): only posts their authors tagged with this language, e.g. `fi`.
- `service` (optional, default `https://public.api.bsky.app`): the AppView to ask.
- `access_token` (optional): a Bearer token, for an AppView that searches only for signed-in accounts;
  sent only to `service`.
- `limit` (optional, 1-100, default 100): posts per page.
- `max_pages` (optional, 1-20, default 5): pages in one fetch.

Cursor: `newest` (the newest post time seen, as the AppView orders posts: the earlier of createdAt and
indexedAt), `seen` (the URIs returned lately, to drop the posts `since` repeats, being inclusive), and
`backlog` while one is open. Each fetch first reads what is newer than `newest` (`since`), newest first,
following the API's `cursor` from page to page. When the page limit or a rate limit stops it before it
reaches `newest`, the posts between are not lost: the window (`since` the old newest, `until` the oldest
post read) is kept as `backlog` and read with the pages left, in this fetch or the next ones. The first
fetch reads the newest `max_pages` pages only; older history is not fetched.
"""

from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any

from sidos.listening.connectors.base import ConnectorError, FetchResult
from sidos.listening.connectors.bluesky.mapping import post_to_record, sort_at
from sidos.listening.connectors.fields import (
    SkipItem,
    check_keys,
    int_value,
    language,
    parse_time,
    remember,
    text_value,
    url_value,
)
from sidos.listening.connectors.http import HttpClient

KIND = "bluesky"
PUBLIC_APPVIEW = "https://public.api.bsky.app"
METHOD = "/xrpc/app.bsky.feed.searchPosts"


class BlueskyConnector:
    kind = KIND

    def __init__(self, http: HttpClient | None = None):
        self.http = http or HttpClient()

    def check_config(self, config: dict[str, Any]) -> dict[str, Any]:
        check_keys(KIND, config, {"query", "lang", "service", "access_token", "limit", "max_pages"})
        conf = {
            "query": text_value(KIND, config, "query", required=True),
            "lang": text_value(KIND, config, "lang"),
            "service": url_value(KIND, config, "service", default=PUBLIC_APPVIEW, base=True),
            "access_token": text_value(KIND, config, "access_token"),
            "limit": int_value(KIND, config, "limit", default=100, low=1, high=100),
            "max_pages": int_value(KIND, config, "max_pages", default=5, low=1, high=20),
        }
        if conf["lang"] and language(conf["lang"]) != conf["lang"].lower():
            raise ConnectorError(
                f"{KIND} source config: lang must be a language code like fi, not {conf['lang']!r}"
            )
        return conf

    def fetch(self, config: dict[str, Any], cursor: dict[str, Any]) -> FetchResult:
        conf = self.check_config(config)
        cursor = cursor if isinstance(cursor, dict) else {}
        newest = parse_time(cursor.get("newest"))
        old_seen = [uri for uri in cursor.get("seen") or [] if isinstance(uri, str)]
        backlog = _backlog(cursor.get("backlog"))
        search = _Search(self.http, conf)

        fresh = search.window(since=newest, until=None)
        if newest and not fresh.complete and fresh.oldest:
            # Stopped before reaching `newest`: what lies between is read as the backlog. An older
            # backlog still open is widened to cover both; the repeats it reads again are dropped by
            # the caller's dedupe (external_id).
            since = backlog["since"] if backlog else newest
            backlog = {"since": since, "until": fresh.oldest, "edge": fresh.edge}
        older = None
        if backlog and search.pages_left and search.retry_after is None:
            older = search.window(since=backlog["since"], until=backlog["until"], skip=set(backlog["edge"]))
            if older.complete:
                backlog = None
            elif older.oldest:
                backlog = {**backlog, "until": older.oldest, "edge": older.edge}

        seen = set(old_seen)
        records, problems, returned = [], [], []
        for window in (fresh, older):
            for position, post in window.posts if window else []:
                uri = post.get("uri") if isinstance(post, dict) else None
                if isinstance(uri, str) and uri in seen:
                    continue
                if isinstance(uri, str):
                    seen.add(uri)
                    if window is fresh:
                        # Only the newest posts come again (`since` is inclusive); the backlog's edge is
                        # kept apart. Skipped posts too, so a problem is reported once.
                        returned.append(uri)
                try:
                    records.append(post_to_record(post))
                except SkipItem as exc:
                    problems.append(f"post {position} ({uri or 'no uri'}): {exc}")
        newest_now = max([t for t in (fresh.newest, newest) if t], default=None)
        new_cursor: dict[str, Any] = {}
        if newest_now:
            new_cursor["newest"] = _iso(newest_now)
            new_cursor["seen"] = remember(returned, old_seen)
        if backlog:
            new_cursor["backlog"] = {
                "since": _iso(backlog["since"]),
                "until": _iso(backlog["until"]),
                "edge": backlog["edge"],
            }
        return FetchResult(records, new_cursor, problems, search.retry_after)


class _Window:
    def __init__(self):
        self.posts: list[tuple[int, Any]] = []  # (position in the fetch, raw post)
        self.complete = False  # read down to `since` (or to the end of the results)
        self.newest: datetime | None = None
        self.oldest: datetime | None = None
        self.edge: list[str] = []  # URIs at `oldest`: `until` is exclusive, so they come again otherwise


class _Search:
    """The pages of one fetch, sharing its page budget and its rate-limit stop."""

    def __init__(self, http: HttpClient, conf: dict[str, Any]):
        self.http, self.conf = http, conf
        self.pages_left = conf["max_pages"]
        self.retry_after: float | None = None
        self.position = 0
        self.headers = {"Accept": "application/json"}
        if conf["access_token"]:
            self.headers["Authorization"] = f"Bearer {conf['access_token']}"

    def window(
        self, *, since: datetime | None, until: datetime | None, skip: Collection[str] = ()
    ) -> _Window:
        window = _Window()
        params = {
            "q": self.conf["query"],
            "sort": "latest",
            "limit": self.conf["limit"],
            "lang": self.conf["lang"] or None,
            "since": _iso(since) if since else None,
            # until is exclusive: one millisecond past the edge, so posts sharing its time are not lost.
            "until": _iso(until + timedelta(milliseconds=1)) if until else None,
        }
        while self.pages_left:
            try:
                response = self.http.get(self.conf["service"] + METHOD, params=params, headers=self.headers)
            except ConnectorError as exc:
                if exc.retry_after is not None and self.position:
                    self.retry_after = exc.retry_after
                    return window
                raise
            self.pages_left -= 1
            data = response.json()
            page = data.get("posts") if isinstance(data, dict) else None
            if not isinstance(page, list):
                raise ConnectorError(f"{response.url}: expected an object with a list of posts")
            for post in page:
                self.position += 1
                if isinstance(post, dict) and post.get("uri") in skip:
                    continue
                window.posts.append((self.position, post))
                self._extend(window, post)
            wait = response.rate_limit_wait()
            if wait is not None:
                self.retry_after = wait
            next_cursor = data.get("cursor")
            if not page or not isinstance(next_cursor, str) or not next_cursor:
                window.complete = True
                return window
            if since and window.oldest and window.oldest < since:
                window.complete = True  # an AppView that ignores `since` has reached it anyway
                return window
            if self.retry_after is not None:
                return window
            params = {**params, "cursor": next_cursor}
        return window

    @staticmethod
    def _extend(window: _Window, post: Any) -> None:
        try:
            when = sort_at(post) if isinstance(post, dict) else None
        except SkipItem:
            return
        if when is None:
            return
        window.newest = max(window.newest, when) if window.newest else when
        uri = post.get("uri") if isinstance(post.get("uri"), str) else ""
        if window.oldest is None or when < window.oldest:
            window.oldest, window.edge = when, [uri]
        elif when == window.oldest:
            window.edge.append(uri)


def _backlog(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, dict):
        return None
    since, until = parse_time(value.get("since")), parse_time(value.get("until"))
    if not since or not until:
        return None
    edge = [uri for uri in value.get("edge") or [] if isinstance(uri, str)]
    return {"since": since, "until": until, "edge": edge}


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def connector() -> BlueskyConnector:
    return BlueskyConnector()
