"""Every connector against a misbehaving server: each failure is a ConnectorError the poller can back
off on (with the wait when the server named one), never a crash or a half result."""

import pytest

from sidos.listening.connectors.base import ConnectorError
from sidos.listening.connectors.bluesky import BlueskyConnector
from sidos.listening.connectors.http import HttpClient
from sidos.listening.connectors.mastodon import MastodonConnector
from sidos.listening.connectors.rss import RssConnector
from sidos.listening.connectors.tests.server import Reply

CONNECTORS = {
    "rss": (RssConnector, lambda base: {"url": f"{base}/feed.xml"}),
    "mastodon": (MastodonConnector, lambda base: {"instance": base, "hashtag": "pankki"}),
    "bluesky": (BlueskyConnector, lambda base: {"service": base, "query": "pankki"}),
}
MALFORMED = {
    "rss": "not an RSS or Atom feed",
    "mastodon": "not valid JSON",
    "bluesky": "not valid JSON",
}


def fetch(server, kind, reply, http=None):
    server.fallback = lambda seen: reply
    connector_class, config = CONNECTORS[kind]
    return connector_class(http or HttpClient()).fetch(config(server.base_url), {})


@pytest.mark.parametrize("kind", CONNECTORS)
def test_429_with_retry_after_raises_with_the_wait(server, kind):
    with pytest.raises(ConnectorError) as caught:
        fetch(server, kind, Reply(429, b'{"error":"Too many requests"}', {"Retry-After": "45"}))
    assert caught.value.retry_after == 45


@pytest.mark.parametrize("kind", CONNECTORS)
def test_a_server_error_raises(server, kind):
    with pytest.raises(ConnectorError, match="HTTP 500") as caught:
        fetch(server, kind, Reply(500, b"Internal Server Error", content_type="text/plain"))
    assert caught.value.retry_after is None


@pytest.mark.parametrize("kind", CONNECTORS)
def test_a_malformed_body_raises(server, kind):
    with pytest.raises(ConnectorError, match=MALFORMED[kind]):
        fetch(server, kind, Reply(body=b'{"posts": [{"uri": "at://x", "statuses": ['))


@pytest.mark.parametrize("kind", CONNECTORS)
def test_an_oversize_body_raises(server, kind):
    with pytest.raises(ConnectorError, match="over the 4096"):
        fetch(server, kind, Reply(body=b"[" + b'"x",' * 5000 + b'"x"]'), HttpClient(max_bytes=4096))


@pytest.mark.parametrize("kind", CONNECTORS)
def test_a_server_that_never_answers_times_out(server, kind):
    with pytest.raises(ConnectorError, match="timed out"):
        fetch(server, kind, Reply(hang=True), HttpClient(timeout=0.5))


@pytest.mark.parametrize("kind", CONNECTORS)
def test_a_missing_endpoint_raises(server, kind):
    with pytest.raises(ConnectorError, match="HTTP 404"):
        fetch(server, kind, Reply(404, b'{"error":"Record not found"}'))
