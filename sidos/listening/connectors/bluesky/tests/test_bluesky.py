import json
from datetime import UTC, datetime, timedelta

import pytest

from sidos.listening.connectors.base import ConnectorError
from sidos.listening.connectors.bluesky import BlueskyConnector
from sidos.listening.connectors.bluesky.mapping import post_to_record
from sidos.listening.connectors.tests.server import Reply, fixture

SEARCH = "/xrpc/app.bsky.feed.searchPosts"
PAGE1, PAGE2 = fixture(__file__, "search-page1.json"), fixture(__file__, "search-page2.json")
NEWER = fixture(__file__, "search-newer.json")
EMPTY = b'{"posts": []}'
PAGE1_NEWEST = "2026-05-02T09:30:00.000Z"
PAGE1_OLDEST = "2026-05-02T08:55:00.000Z"
LONG_AGO = "2026-05-01T00:00:00.000Z"
URI = "at://{}/app.bsky.feed.post/{}"
AINO, LARS, INGRID = (
    "did:plc:aino7kq3fa2xzl5ib4rwhmpn",
    "did:plc:lars2vh6xw4fqutz7dk3mbor",
    "did:plc:ingr5jq2lx7ptd6ywc4hsuza",
)


def serve(server, *, first_page=None):
    """searchPosts as the AppView answers it, by the cursor, since and until the connector sends."""

    def answer(seen):
        since, until, cursor = seen.param("since"), seen.param("until"), seen.param("cursor")
        if cursor == "3":
            return Reply(body=PAGE2)
        if until:
            # The backlog below page 1: page 2, and page 1's oldest post again (until is one ms past it).
            page = json.loads(PAGE2)
            page["posts"].insert(0, json.loads(PAGE1)["posts"][2])
            return Reply(body=json.dumps(page).encode())
        if since == PAGE1_NEWEST:
            return Reply(body=NEWER)
        if since == "2026-05-02T10:05:00.000Z":
            return Reply(body=EMPTY)
        return first_page or Reply(body=PAGE1)

    server.route(SEARCH, answer)


def fetch(server, cursor=None, **config):
    return BlueskyConnector().fetch(
        {"service": server.base_url, "query": "pankki", "limit": 3, **config}, cursor or {}
    )


def uris(result):
    return [r.external_id.rsplit("/", 1)[-1] for r in result.records]


def test_the_first_fetch_follows_the_api_cursor_to_the_last_page(server):
    serve(server)
    result = fetch(server)
    assert uris(result) == [
        "3lbank6aaaa2k",
        "3lbank5aaaa2k",
        "3lbank4aaaa2k",
        "3lbank3aaaa2k",
        "3lbank1bbbb2k",
    ]
    assert result.problems == [
        f"post 5 ({URI.format('did:plc:jojo4nt8ru3vmf2qsk7wxyza', '3lbank2aaaa2k')}): no text"
    ]
    asked = server.requests_to(SEARCH)
    assert asked[0].query == {"q": ["pankki"], "sort": ["latest"], "limit": ["3"]}
    assert asked[1].param("cursor") == "3"
    assert result.cursor["newest"] == PAGE1_NEWEST
    assert "backlog" not in result.cursor


def test_posts_map_to_records_with_urls_replies_counts_and_languages(server):
    serve(server)
    records = {r.external_id: r for r in fetch(server).records}
    fi = records[URI.format(AINO, "3lbank6aaaa2k")]
    assert (
        fi.text == "Mobiilipankki kaatuu taas kun yritän maksaa laskua. Kolmas kerta tällä viikolla! #pankki"
    )
    assert (fi.author_handle, fi.author_name, fi.lang) == ("aino.bsky.social", "Aino Korhonen", "fi")
    assert fi.url == "https://bsky.app/profile/aino.bsky.social/post/3lbank6aaaa2k"
    assert (fi.like_count, fi.reshare_count) == (14, 5)
    assert fi.created_at == datetime(2026, 5, 2, 9, 30, tzinfo=UTC)
    nb = records[URI.format(INGRID, "3lbank4aaaa2k")]
    assert nb.reply_to == URI.format(LARS, "3lbank2aaaa2k")
    assert nb.lang == "nb"
    ru = records[URI.format("did:plc:dmit3pz5hk2wqb7ncv6gxlor", "3lbank3aaaa2k")]
    # An invalid handle falls back to the DID; a createdAt in the future to when the network saw it.
    assert ru.author_handle == "did:plc:dmit3pz5hk2wqb7ncv6gxlor"
    assert ru.url == "https://bsky.app/profile/did:plc:dmit3pz5hk2wqb7ncv6gxlor/post/3lbank3aaaa2k"
    assert ru.created_at == datetime(2026, 5, 2, 8, 40, tzinfo=UTC)
    assert ru.text.startswith("Банк опять поднял комиссию")
    en = records[URI.format("did:plc:jojo4nt8ru3vmf2qsk7wxyza", "3lbank1bbbb2k")]
    # Bluesky text is plain text as typed: markup in it stays literal characters, never markup.
    assert en.text == "Great service at the branch today <script>alert('hi')</script> &amp; quick too"
    assert en.author_name == "jo.bsky.social"
    assert en.reshare_of == ""  # a quote post says something of its own
    for record in records.values():
        json.dumps(record.raw)


def test_a_repost_in_a_feed_is_a_reshare_of_the_original():
    record = post_to_record(json.loads(fixture(__file__, "feed-repost.json")))
    assert record.external_id == "at://did:plc:ingr5jq2lx7ptd6ywc4hsuza/app.bsky.feed.repost/3lrepost1aa2k"
    assert record.reshare_of == URI.format(LARS, "3lbank5aaaa2k")
    assert record.author_handle == "ingrid.bsky.social"
    assert record.text == "Två timmars kö på banken idag och bara en kassa öppen."
    assert record.created_at == datetime(2026, 5, 2, 9, 20, tzinfo=UTC)


def test_a_later_fetch_asks_since_the_newest_and_drops_the_repeated_edge(server):
    serve(server)
    first = fetch(server)
    second = fetch(server, first.cursor)
    assert uris(second) == ["3lbank8aaaa2k", "3lbank7aaaa2k"]
    assert server.requests_to(SEARCH)[-1].param("since") == PAGE1_NEWEST
    assert second.cursor["newest"] == "2026-05-02T10:05:00.000Z"
    third = fetch(server, second.cursor)
    assert third.records == [] and third.cursor["newest"] == second.cursor["newest"]


def test_a_fetch_cut_off_by_the_page_limit_reads_the_rest_as_a_backlog(server):
    serve(server)
    cursor = {"newest": LONG_AGO, "seen": []}
    first = fetch(server, cursor, max_pages=1)
    assert uris(first) == ["3lbank6aaaa2k", "3lbank5aaaa2k", "3lbank4aaaa2k"]
    assert first.cursor["backlog"] == {
        "since": LONG_AGO,
        "until": PAGE1_OLDEST,
        "edge": [URI.format(INGRID, "3lbank4aaaa2k")],
    }
    second = fetch(server, first.cursor, max_pages=2)
    # New posts first, then the backlog below page 1, without page 1's oldest post again.
    assert uris(second) == ["3lbank8aaaa2k", "3lbank7aaaa2k", "3lbank3aaaa2k", "3lbank1bbbb2k"]
    backlog_request = server.requests_to(SEARCH)[-1]
    assert (backlog_request.param("since"), backlog_request.param("until")) == (
        LONG_AGO,
        "2026-05-02T08:55:00.001Z",
    )
    assert "backlog" not in second.cursor


def test_no_calls_left_stops_with_the_wait_and_keeps_a_backlog(server):
    reset = str(int((datetime.now(UTC) + timedelta(seconds=120)).timestamp()))
    limits = {"RateLimit-Limit": "3000", "RateLimit-Remaining": "0", "RateLimit-Reset": reset}
    serve(server, first_page=Reply(body=PAGE1, headers=limits))
    result = fetch(server, {"newest": LONG_AGO})
    assert len(server.requests_to(SEARCH)) == 1 and len(result.records) == 3
    assert 60 < result.retry_after <= 120
    assert result.cursor["backlog"]["until"] == PAGE1_OLDEST


def test_a_429_on_the_first_page_raises_with_the_wait(server):
    serve(
        server,
        first_page=Reply(
            429, b'{"error":"RateLimitExceeded","message":"Rate Limit Exceeded"}', {"Retry-After": "30"}
        ),
    )
    with pytest.raises(ConnectorError) as caught:
        fetch(server)
    assert caught.value.retry_after == 30


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (Reply(400, b'{"error":"BadQueryString","message":"Error: q must be a string"}'), "BadQueryString"),
        (Reply(502, b"Bad Gateway", content_type="text/plain"), "HTTP 502"),
        (Reply(body=b'{"posts": [{"uri": '), "not valid JSON"),
        (Reply(body=b'{"posts": "none"}'), "expected an object with a list of posts"),
    ],
)
def test_a_failing_appview_raises_a_connector_error(server, reply, message):
    serve(server, first_page=reply)
    with pytest.raises(ConnectorError, match=message):
        fetch(server)


def test_the_language_filter_and_token_are_sent(server):
    serve(server)
    fetch(server, lang="fi", access_token="jwt-abc")
    asked = server.requests_to(SEARCH)[0]
    assert asked.param("lang") == "fi"
    assert asked.headers["Authorization"] == "Bearer jwt-abc"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({}, "query is required"),
        ({"query": "pankki", "service": "ftp://bsky.example"}, "service must be an http"),
        ({"query": "pankki", "limit": 101}, "limit must be"),
        ({"query": "pankki", "lang": "finnish!"}, "lang must be a language code"),
        ({"query": "pankki", "hashtag": "x"}, "unknown key"),
    ],
)
def test_a_bad_config_is_refused_naming_the_key(config, message):
    with pytest.raises(ConnectorError, match=message):
        BlueskyConnector().fetch(config, {})


def test_a_skipped_post_at_the_newest_edge_is_reported_once(server):
    page = json.loads(PAGE1)
    page["posts"][0]["record"]["text"] = "  "
    del page["cursor"]
    server.route(SEARCH, Reply(body=json.dumps(page).encode()))  # since is inclusive: the same page again
    first = fetch(server)
    assert first.problems == [f"post 1 ({URI.format(AINO, '3lbank6aaaa2k')}): no text"]
    assert len(first.records) == 2
    second = fetch(server, first.cursor)
    assert second.records == [] and second.problems == []
    assert server.requests_to(SEARCH)[-1].param("since") == PAGE1_NEWEST
