import json
import urllib.parse
from datetime import UTC, datetime, timedelta

import pytest

from sidos.listening.connectors.base import ConnectorError
from sidos.listening.connectors.mastodon import MastodonConnector
from sidos.listening.connectors.tests.server import Reply, fixture

TAG = "/api/v1/timelines/tag/pankki"
SEARCH = "/api/v2/search"
PAGE1, PAGE2 = fixture(__file__, "tag-page1.json"), fixture(__file__, "tag-page2.json")
NEWER_A, NEWER_B = fixture(__file__, "tag-newer-a.json"), fixture(__file__, "tag-newer-b.json")


def link(server, **pages):
    """A Link header like Mastodon's: rel=next for older (max_id), rel=prev for newer (min_id)."""
    return ", ".join(
        f'<{server.url(TAG)}?{urllib.parse.urlencode(q)}>; rel="{rel}"' for rel, q in pages.items()
    )


def serve_timeline(server, *, first_page=None, older_page=None):
    """The hashtag timeline as a Mastodon server pages it, answering by the ids the connector sends."""

    def answer(seen):
        min_id, max_id = seen.param("min_id"), seen.param("max_id")
        if min_id == "113500000000000105":
            return Reply(
                body=NEWER_A,
                headers={"Link": link(server, next={"max_id": "106"}, prev={"min_id": "113500000000000107"})},
            )
        if min_id == "113500000000000107":
            return Reply(body=NEWER_B, headers={"Link": link(server, prev={"min_id": "113500000000000108"})})
        if min_id == "113500000000000108":
            return Reply(body=b"[]")
        if max_id == "113500000000000101":
            return older_page or Reply(body=PAGE2)
        return first_page or Reply(
            body=PAGE1,
            headers={
                "Link": link(
                    server, next={"max_id": "113500000000000101"}, prev={"min_id": "113500000000000105"}
                )
            },
        )

    server.route(TAG, answer)


def fetch(server, cursor=None, **config):
    config = {"instance": server.base_url, "hashtag": "#pankki", "limit": 5, **config}
    return MastodonConnector().fetch(config, cursor or {})


def test_the_first_fetch_reads_the_newest_page_then_older_ones_by_the_link_header(server):
    serve_timeline(server)
    result = fetch(server)
    assert [r.external_id for r in result.records] == [
        "113500000000000105",
        "113500000000000104",
        "113500000000000103",
        "113500000000000102",
        "113500000000000101",
        "113500000000000100",
        "113500000000000098",
    ]
    assert result.problems == ["status 7 (113500000000000099): no text"]
    assert result.cursor == {"min_id": "113500000000000105"}
    asked = server.requests_to(TAG)
    assert [(s.param("min_id"), s.param("max_id")) for s in asked] == [
        (None, None),
        (None, "113500000000000101"),
    ]
    assert asked[0].param("limit") == "5"


def test_statuses_become_plain_text_records_with_authors_counts_and_language(server):
    serve_timeline(server)
    records = {r.external_id: r for r in fetch(server).records}
    host = urllib.parse.urlsplit(server.base_url).netloc
    fi = records["113500000000000105"]
    assert (
        fi.text == "Verkkopankki taas nurin & jonotin asiakaspalveluun 45 min 😡 @pankki #pankki\n\n"
        "Miksi tämä on näin vaikeaa?"
    )
    assert (fi.author_handle, fi.author_name, fi.lang) == (f"liisa@{host}", "Liisa Virtanen", "fi")
    assert (fi.like_count, fi.reshare_count) == (7, 3)
    assert fi.created_at == datetime(2026, 5, 1, 9, 12, 44, 120000, tzinfo=UTC)
    assert fi.url == "https://mastodon.example/@liisa/113500000000000105"
    sv = records["113500000000000104"]
    assert sv.text == "Kortet spärrat igen utan förvarning.\nTre dagar utan pengar! #pankki"
    assert sv.author_handle == "erik@social.example.se"
    reply = records["113500000000000102"]
    assert reply.reply_to == "113500000000000090"
    assert (
        reply.text == "@erik Same here, the card was blocked while I was abroad. Support said wait 5–7 days."
    )
    ru = records["113500000000000101"]
    assert (
        ru.text == "жалоба на банк\n\nБанк закрыл отделение в нашем районе, теперь очередь два часа. #pankki"
    )
    assert records["113500000000000098"].text == "Fees went up again. https://bank.example/fees"
    for record in records.values():
        assert "<" not in record.text and "alert" not in record.text
        json.dumps(record.raw)


def test_a_boost_is_a_reshare_carrying_the_originals_text_and_counts(server):
    serve_timeline(server)
    boost = {r.external_id: r for r in fetch(server).records}["113500000000000103"]
    assert boost.reshare_of == "113499999999999900"
    assert boost.text.startswith("Nettbanken har vært nede hele morgenen")
    assert (boost.lang, boost.like_count, boost.reshare_count) == ("nb", 31, 12)
    assert boost.author_handle.startswith("sam@")  # who boosted it
    assert boost.created_at == datetime(2026, 5, 1, 8, 59, 10, tzinfo=UTC)
    assert boost.url == "https://mastodon.example.no/@kari/113499999999999900"


def test_later_fetches_read_forward_from_min_id_through_link_prev(server):
    serve_timeline(server)
    result = fetch(server, {"min_id": "113500000000000105"}, limit=2)
    assert [r.external_id for r in result.records] == [
        "113500000000000108",
        "113500000000000107",
        "113500000000000106",
    ]
    assert result.cursor == {"min_id": "113500000000000108"}
    assert [s.param("min_id") for s in server.requests_to(TAG)] == [
        "113500000000000105",
        "113500000000000107",
    ]


def test_a_caught_up_fetch_returns_nothing_and_keeps_the_cursor(server):
    serve_timeline(server)
    result = fetch(server, {"min_id": "113500000000000108"}, limit=2)
    assert result.records == [] and result.problems == []
    assert result.cursor == {"min_id": "113500000000000108"}


def test_the_page_limit_stops_the_fetch_and_the_next_one_goes_on(server):
    serve_timeline(server)
    first = fetch(server, {"min_id": "113500000000000105"}, limit=2, max_pages=1)
    assert [r.external_id for r in first.records] == ["113500000000000107", "113500000000000106"]
    second = fetch(server, first.cursor, limit=2, max_pages=1)
    assert [r.external_id for r in second.records] == ["113500000000000108"]


def test_the_access_token_goes_as_bearer_and_never_to_another_server(server):
    evil = '<https://elsewhere.example/api/v1/timelines/tag/pankki?max_id=113500000000000101>; rel="next"'
    serve_timeline(server, first_page=Reply(body=PAGE1, headers={"Link": evil}))
    result = fetch(server, access_token="tok-123")
    assert len(result.records) == 7  # the older page came from the instance itself
    asked = server.requests_to(TAG)
    assert [s.headers["Authorization"] for s in asked] == ["Bearer tok-123", "Bearer tok-123"]
    assert asked[1].param("max_id") == "113500000000000101"


def test_no_calls_left_stops_after_the_page_with_the_wait(server):
    reset = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    limits = {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}
    serve_timeline(server, first_page=Reply(body=PAGE1, headers=limits))
    result = fetch(server)
    assert len(result.records) == 5 and len(server.requests_to(TAG)) == 1
    assert 240 < result.retry_after <= 300
    assert result.cursor == {"min_id": "113500000000000105"}


def test_a_429_on_a_later_page_keeps_the_pages_already_read(server):
    serve_timeline(server, older_page=Reply(429, b'{"error":"Too many requests"}', {"Retry-After": "60"}))
    result = fetch(server)
    assert len(result.records) == 5 and result.retry_after == 60


def test_a_429_on_the_first_page_raises_with_the_wait(server):
    serve_timeline(server, first_page=Reply(429, b'{"error":"Too many requests"}', {"Retry-After": "60"}))
    with pytest.raises(ConnectorError) as caught:
        fetch(server)
    assert caught.value.retry_after == 60


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (Reply(500, b'{"error":"We\'re sorry, but something went wrong"}'), "HTTP 500"),
        (Reply(body=b'[{"id": "1", "content": '), "not valid JSON"),
        (Reply(body=b'{"error": "not a list"}'), "expected a list of statuses"),
        (
            Reply(401, b'{"error":"This API requires an authenticated user"}'),
            "requires an authenticated user",
        ),
    ],
)
def test_a_failing_server_raises_a_connector_error(server, reply, message):
    serve_timeline(server, first_page=reply)
    with pytest.raises(ConnectorError, match=message):
        fetch(server)


def test_search_asks_v2_for_statuses_newer_than_the_cursor(server):
    server.route(SEARCH, Reply(body=fixture(__file__, "search.json")))
    config = {"instance": server.base_url, "query": "nordea", "access_token": "tok"}
    result = MastodonConnector().fetch(config, {"min_id": "113500000000000200"})
    assert [(r.external_id, r.lang) for r in result.records] == [
        ("113500000000000210", "fi"),
        ("113500000000000209", "en"),
    ]
    asked = server.requests_to(SEARCH)[0]
    assert asked.query == {
        "q": ["nordea"],
        "type": ["statuses"],
        "resolve": ["false"],
        "limit": ["40"],
        "min_id": ["113500000000000200"],
    }
    assert result.cursor == {"min_id": "113500000000000210"}


def test_a_search_cut_off_by_the_page_limit_says_so(server):
    server.route(SEARCH, Reply(body=fixture(__file__, "search.json")))
    config = {"instance": server.base_url, "query": "nordea", "limit": 2, "max_pages": 1}
    result = MastodonConnector().fetch(config, {"min_id": "113500000000000200"})
    assert len(result.records) == 2
    assert result.problems == [
        "more than 2 new statuses since the last fetch: older ones were not read "
        "(raise max_pages or poll more often)"
    ]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"hashtag": "pankki"}, "instance is required"),
        ({"instance": "mastodon.example", "hashtag": "pankki"}, "instance must be an http"),
        ({"instance": "https://mastodon.example"}, "either hashtag or query"),
        ({"instance": "https://mastodon.example", "hashtag": "a", "query": "b"}, "either hashtag or query"),
        ({"instance": "https://mastodon.example", "hashtag": "two words"}, "hashtag must be one word"),
        ({"instance": "https://mastodon.example", "hashtag": "pankki", "limit": 80}, "limit must be"),
        ({"instance": "https://mastodon.example", "hashtag": "pankki", "local": "yes"}, "local must be"),
    ],
)
def test_a_bad_config_is_refused_naming_the_key(config, message):
    with pytest.raises(ConnectorError, match=message):
        MastodonConnector().fetch(config, {})


def test_an_instance_address_with_a_query_is_refused():
    with pytest.raises(ConnectorError, match="without \\? or #"):
        MastodonConnector().fetch({"instance": "https://mastodon.example/?x=1", "hashtag": "pankki"}, {})


def test_a_search_pages_down_by_max_id(server):
    page = fixture(__file__, "search.json")
    server.route(SEARCH, lambda seen: Reply(body=b'{"statuses": []}' if seen.param("max_id") else page))
    config = {"instance": server.base_url, "query": "nordea", "limit": 2, "max_pages": 3}
    result = MastodonConnector().fetch(config, {})
    assert len(result.records) == 2 and result.problems == []
    assert [s.param("max_id") for s in server.requests_to(SEARCH)] == [None, "113500000000000209"]
