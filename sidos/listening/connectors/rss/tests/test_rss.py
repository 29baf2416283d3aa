import json
from datetime import UTC, datetime

import pytest

from sidos.listening.connectors.base import ConnectorError
from sidos.listening.connectors.http import HttpClient
from sidos.listening.connectors.rss import RssConnector
from sidos.listening.connectors.tests.server import Reply, fixture

RSS = fixture(__file__, "rss2.xml")
ATOM = fixture(__file__, "atom.xml")
XML = "application/rss+xml; charset=utf-8"

NEW_ITEM = """<item>
      <title>Pankkikonttori suljetaan</title>
      <link>https://palsta.example.fi/pankit/1204</link>
      <guid isPermaLink="false">palsta-1204</guid>
      <pubDate>Fri, 01 May 2026 10:00:00 +0300</pubDate>
      <description>Taas yksi konttori kiinni, nyt pitää ajaa 60 km.</description>
    </item>
    <item>""".encode()


def fetch(server, body=RSS, cursor=None, **config):
    server.route("/feed", Reply(body=body, content_type=XML))
    return RssConnector().fetch({"url": server.url("/feed"), **config}, cursor or {})


def test_the_first_fetch_returns_every_entry_with_text(server):
    result = fetch(server)
    assert [r.external_id for r in result.records] == [
        "palsta-1203",
        "palsta-1202",
        "https://palsta.example.fi/pankit/1201",
    ]
    assert result.problems == ["entry 4 (palsta-1200): no text"]
    first = result.records[0]
    assert first.created_at == datetime(2026, 5, 1, 6, 10, tzinfo=UTC)
    assert first.url == "https://palsta.example.fi/pankit/1203"
    assert first.author_name == "Matti Meikäläinen"
    assert first.lang == "fi"  # the channel's fi-FI


def test_html_and_scripts_in_entries_come_out_as_plain_text(server):
    records = {r.external_id: r for r in fetch(server).records}
    assert records["palsta-1203"].text == (
        "Verkkopankki taas nurin\n\n"
        "Verkkopankki ei toimi kolmatta päivää peräkkäin & asiakaspalveluun jonottaa tunnin.\n\nÄrsyttää!"
    )
    # content:encoded wins over the short description; the title is its first words, so not repeated.
    assert (
        records["palsta-1202"].text
        == "Kortti suljettiin ilman syytä ulkomaanmatkalla.\nKukaan ei vastaa puhelimeen."
    )
    for record in records.values():
        assert "<" not in record.text and "alert" not in record.text and "color" not in record.text


def test_atom_entries_keep_their_language_author_and_publication_time(server):
    records = fetch(server, ATOM).records
    assert [(r.lang, r.author_name) for r in records] == [
        ("nb", "Kari Nordmann"),
        ("ru", "Иван Петров"),
        ("en", ""),
    ]
    assert records[0].created_at == datetime(2026, 5, 2, 10, 0, tzinfo=UTC)  # published, not updated
    assert records[0].author_handle == "kari@example.no"
    assert records[1].text.startswith("Приложение банка не работает\n\nМобильное приложение снова")
    # A plain-text title and summary keep their "<" as text.
    assert (
        records[2].text
        == "Fees went up again <sigh>\n\nThe monthly account fee doubled without a letter. 5 < 10, but still."
    )


def test_the_next_fetch_returns_only_new_entries_and_no_old_problem(server):
    first = fetch(server)
    second = fetch(server, RSS.replace(b"<item>", NEW_ITEM, 1), first.cursor)
    assert [r.external_id for r in second.records] == ["palsta-1204"]
    assert second.problems == []
    assert second.cursor["newest"] == "2026-05-01T07:00:00+00:00"
    assert fetch(server, RSS.replace(b"<item>", NEW_ITEM, 1), second.cursor).records == []


def test_an_entry_updated_after_the_cursor_comes_again(server):
    first = fetch(server, ATOM)
    edited = ATOM.replace(
        b"<updated>2026-05-02T10:20:00Z</updated>", b"<updated>2026-05-02T11:00:00Z</updated>"
    )
    second = fetch(server, edited, first.cursor)
    assert [r.external_id for r in second.records] == ["tag:forum.example.no,2026:post-88"]


def test_it_sends_the_etag_back_and_a_304_changes_nothing(server):
    validators = {"ETag": '"feed-v7"', "Last-Modified": "Fri, 01 May 2026 06:15:00 GMT"}
    server.route("/feed", [Reply(body=RSS, content_type=XML, headers=validators), Reply(304)])
    connector = RssConnector()
    first = connector.fetch({"url": server.url("/feed")}, {})
    assert first.cursor["etag"] == '"feed-v7"'
    second = connector.fetch({"url": server.url("/feed")}, first.cursor)
    assert second.records == [] and second.cursor == first.cursor
    asked = server.requests_to("/feed")[1].headers
    assert asked["If-None-Match"] == '"feed-v7"'
    assert asked["If-Modified-Since"] == "Fri, 01 May 2026 06:15:00 GMT"


def test_max_entries_takes_the_newest_and_leaves_the_rest_for_the_next_fetch(server):
    first = fetch(server, max_entries=2)
    assert [r.external_id for r in first.records] == ["palsta-1203", "palsta-1202"]
    second = fetch(server, cursor=first.cursor, max_entries=2)
    assert [r.external_id for r in second.records] == ["https://palsta.example.fi/pankit/1201"]
    assert second.problems == ["entry 4 (palsta-1200): no text"]


def test_a_page_that_is_no_feed_is_a_connector_error(server):
    with pytest.raises(ConnectorError, match="not an RSS or Atom feed"):
        fetch(server, b"<html><body><h1>Welcome</h1></body></html>")


def test_xml_bombs_and_external_entities_are_not_expanded(server):
    result = fetch(server, fixture(__file__, "billion-laughs.xml"))
    records = result.records
    assert result.problems == [
        "the feed is not well-formed XML (<unknown>:6:59: undefined entity); read leniently"
    ]
    assert [r.external_id for r in records] == ["bomb-1", "bomb-2"]
    assert all(len(r.text) < 100 for r in records)
    assert "root:" not in records[1].text


def test_a_rate_limited_feed_raises_with_the_wait(server):
    server.route("/feed", Reply(429, b"slow down", {"Retry-After": "900"}, content_type="text/plain"))
    with pytest.raises(ConnectorError) as caught:
        RssConnector().fetch({"url": server.url("/feed")}, {})
    assert caught.value.retry_after == 900


def test_a_feed_over_the_size_cap_is_refused(server):
    server.route("/feed", Reply(body=RSS, content_type=XML))
    with pytest.raises(ConnectorError, match="limit"):
        RssConnector(HttpClient(max_bytes=1024)).fetch({"url": server.url("/feed")}, {})


def test_records_keep_json_safe_raw_fields(server):
    record = fetch(server).records[0]
    assert json.loads(json.dumps(record.raw))["tags"] == ["verkkopankki"]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({}, "url is required"),
        ({"url": "file:///etc/passwd"}, "url must be an http"),
        ({"url": "https://example.org/feed", "max_entries": 0}, "max_entries must be a whole number"),
        ({"url": "https://example.org/feed", "hashtag": "x"}, "unknown key"),
    ],
)
def test_a_bad_config_is_refused_naming_the_key(config, message):
    with pytest.raises(ConnectorError, match=message):
        RssConnector().fetch(config, {})
