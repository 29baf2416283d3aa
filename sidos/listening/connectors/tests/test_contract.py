"""What the poller relies on from every kind, through the registry: records it can store, and a cursor
that survives being stored as JSON and makes the next poll return nothing it already has."""

import json
from pathlib import Path

import pytest

from sidos.listening import connectors
from sidos.listening.connectors.base import PostRecord
from sidos.listening.connectors.tests.server import Reply

HERE = Path(__file__).parent.parent


def serve_rss(server):
    body = (HERE / "rss/tests/fixtures/atom.xml").read_bytes()
    server.route("/feed", Reply(body=body, content_type="application/atom+xml"))
    return {"url": server.url("/feed")}


def serve_mastodon(server):
    page = (HERE / "mastodon/tests/fixtures/tag-page1.json").read_bytes()
    server.route(
        "/api/v1/timelines/tag/pankki", lambda seen: Reply(body=b"[]" if seen.param("min_id") else page)
    )
    return {"instance": server.base_url, "hashtag": "pankki"}


def serve_bluesky(server):
    page = json.loads((HERE / "bluesky/tests/fixtures/search-page1.json").read_bytes())
    del page["cursor"]
    server.route("/xrpc/app.bsky.feed.searchPosts", Reply(body=json.dumps(page).encode()))
    return {"service": server.base_url, "query": "pankki"}


@pytest.mark.parametrize(
    ("kind", "serve"), [("rss", serve_rss), ("mastodon", serve_mastodon), ("bluesky", serve_bluesky)]
)
def test_every_kind_gives_storable_records_and_a_json_cursor(server, kind, serve):
    config = serve(server)
    connector = connectors.get(kind)
    connector.check_config(config)
    first = connector.fetch(config, {})
    assert first.records
    ids = [record.external_id for record in first.records]
    assert len(set(ids)) == len(ids)
    for record in first.records:
        assert isinstance(record, PostRecord)
        assert record.external_id and record.text.strip()
        assert record.created_at.tzinfo is not None
        json.dumps(record.raw)
    stored = json.loads(json.dumps(first.cursor))
    again = connector.fetch(config, stored)
    assert again.records == []
