"""Mastodon: a hashtag timeline or a search of one configured instance.

Config (JSON object):
- `instance` (required): the server's address, e.g. `https://mastodon.social`.
- `hashtag` or `query` (exactly one): a hashtag without `#` for `GET /api/v1/timelines/tag/:hashtag`, or
  words for `GET /api/v2/search?type=statuses` (many servers search statuses only for a signed-in
  account: give `access_token`).
- `access_token` (optional): a Bearer token from the server's Preferences → Development (scope `read`);
  sent only to `instance`.
- `local` (optional, hashtag only, default false): the instance's own posts only.
- `limit` (optional, 1-40, default 40): statuses per page.
- `max_pages` (optional, 1-20, default 5): pages in one fetch; the next fetch goes on from the cursor.

Cursor: `min_id`, the newest status id returned. The first fetch reads the newest page and then older ones
(the Link header's `next`); later fetches ask for `min_id` and follow the Link header's `prev` to newer
pages, so no status between two fetches is skipped however many pages it takes. When the server's
`X-RateLimit-Remaining` reaches 0, or it answers 429 after the first page, the fetch stops there with
`retry_after` set and a cursor for what it has. A boost comes as a record of its own with `reshare_of`
the original's id and the original's text and counts.
"""

import urllib.parse
from typing import Any

from sidos.listening.connectors.base import ConnectorError, FetchResult
from sidos.listening.connectors.fields import (
    SkipItem,
    bool_value,
    check_keys,
    int_value,
    text_value,
    url_value,
)
from sidos.listening.connectors.http import HttpClient, Response
from sidos.listening.connectors.mastodon.mapping import id_key, status_to_record

KIND = "mastodon"


class MastodonConnector:
    kind = KIND

    def __init__(self, http: HttpClient | None = None):
        self.http = http or HttpClient()

    def check_config(self, config: dict[str, Any]) -> dict[str, Any]:
        check_keys(
            KIND, config, {"instance", "hashtag", "query", "access_token", "local", "limit", "max_pages"}
        )
        conf = {
            "instance": url_value(KIND, config, "instance", base=True),
            "hashtag": text_value(KIND, config, "hashtag").lstrip("#"),
            "query": text_value(KIND, config, "query"),
            "access_token": text_value(KIND, config, "access_token"),
            "local": bool_value(KIND, config, "local"),
            "limit": int_value(KIND, config, "limit", default=40, low=1, high=40),
            "max_pages": int_value(KIND, config, "max_pages", default=5, low=1, high=20),
        }
        if bool(conf["hashtag"]) == bool(conf["query"]):
            raise ConnectorError(f"{KIND} source config: give either hashtag or query")
        if conf["hashtag"] and any(ch in conf["hashtag"] for ch in "/?# "):
            raise ConnectorError(f"{KIND} source config: hashtag must be one word, not {conf['hashtag']!r}")
        return conf

    def fetch(self, config: dict[str, Any], cursor: dict[str, Any]) -> FetchResult:
        conf = self.check_config(config)
        cursor = cursor if isinstance(cursor, dict) else {}
        min_id = cursor.get("min_id") if isinstance(cursor.get("min_id"), str) else None
        headers = {"Accept": "application/json"}
        if conf["access_token"]:
            headers["Authorization"] = f"Bearer {conf['access_token']}"
        statuses, retry_after, truncated = self._pages(conf, min_id, headers)

        host = urllib.parse.urlsplit(conf["instance"]).netloc
        records, problems, ids = [], [], set()
        for position, status in enumerate(statuses, 1):
            status_id = status.get("id") if isinstance(status, dict) else None
            if isinstance(status_id, str) and status_id:
                if status_id in ids:
                    continue  # a status can straddle two pages when new ones arrive between requests
                ids.add(status_id)
            try:
                records.append(status_to_record(status, host))
            except SkipItem as exc:
                problems.append(f"status {position} ({status_id or 'no id'}): {exc}")
        if truncated:
            problems.append(
                f"more than {len(statuses)} new statuses since the last fetch: older ones were not read "
                "(raise max_pages or poll more often)"
            )
        newest = max([*ids, *([min_id] if min_id else [])], key=id_key, default=None)
        records.sort(key=lambda record: id_key(record.external_id), reverse=True)
        return FetchResult(records, {"min_id": newest} if newest else {}, problems, retry_after)

    def _pages(self, conf, min_id, headers) -> tuple[list[Any], float | None, bool]:
        """The statuses of up to max_pages pages, the rate-limit wait if the server asked for one, and
        whether a search stopped at the page limit with older new statuses left unread."""
        if conf["hashtag"]:
            url = f"{conf['instance']}/api/v1/timelines/tag/{urllib.parse.quote(conf['hashtag'], safe='')}"
            params = {"limit": conf["limit"], "local": "true" if conf["local"] else None, "min_id": min_id}
        else:
            url = f"{conf['instance']}/api/v2/search"
            params = {"q": conf["query"], "type": "statuses", "resolve": "false", "limit": conf["limit"]}
            params["min_id"] = min_id
        first_params = params
        statuses: list[Any] = []
        next_url: str | None = url
        for page_number in range(conf["max_pages"]):
            try:
                response = self.http.get(next_url, params=params, headers=headers)
            except ConnectorError as exc:
                if exc.retry_after is not None and page_number:
                    # Keep the pages we have: a timeline's cursor covers exactly them.
                    return statuses, exc.retry_after, bool(min_id) and not conf["hashtag"]
                raise
            page = _statuses(response, search=not conf["hashtag"])
            statuses.extend(page)
            wait = response.rate_limit_wait()
            if len(page) < conf["limit"]:
                return statuses, wait, False
            if wait is not None:
                return statuses, wait, bool(min_id) and not conf["hashtag"]
            following = self._next_page(conf, response, page, url, first_params, newer=bool(min_id))
            if following is None:
                break
            next_url, params = following
        # A timeline read forward from min_id goes on next time; a search reads newest first, so what
        # lies below the last page is only reachable now.
        return statuses, None, bool(min_id) and not conf["hashtag"]

    def _next_page(self, conf, response: Response, page, url, params, *, newer: bool):
        """Newer pages when a cursor was given (Link rel=prev, min_id), older ones on the first fetch
        (rel=next, max_id). A Link to another server is not followed: the token must not go there."""
        if conf["hashtag"]:
            link = response.links().get("prev" if newer else "next")
            if link and _same_origin(link, conf["instance"]):
                return link, None
        ids = [s["id"] for s in page if isinstance(s, dict) and isinstance(s.get("id"), str) and s["id"]]
        if not ids:
            return None
        following = dict(params)
        if newer and conf["hashtag"]:
            following["min_id"] = max(ids, key=id_key)
        else:
            # Search lists newest first between min_id and max_id, in both cases.
            following["max_id"] = min(ids, key=id_key)
        return url, following


def _statuses(response: Response, *, search: bool) -> list[Any]:
    data = response.json()
    if search:
        data = data.get("statuses") if isinstance(data, dict) else None
    if not isinstance(data, list):
        raise ConnectorError(f"{response.url}: expected a list of statuses")
    return data


def _same_origin(url: str, instance: str) -> bool:
    a, b = urllib.parse.urlsplit(url), urllib.parse.urlsplit(instance)
    return (a.scheme, a.netloc) == (b.scheme, b.netloc)


def connector() -> MastodonConnector:
    return MastodonConnector()
