import socket
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from sidos.listening import connectors
from sidos.listening.connectors.base import ConnectorError
from sidos.listening.connectors.http import USER_AGENT, HttpClient, parse_link_header, rate_limit_wait
from sidos.listening.connectors.tests.server import Reply


def test_it_sends_its_user_agent_and_the_query_parameters(server):
    server.route("/api", Reply(body=b'{"ok": true}'))
    response = HttpClient().get(server.url("/api"), params={"q": "pankki jono", "limit": 40, "skip": None})
    assert response.json() == {"ok": True}
    seen = server.requests_to("/api")[0]
    assert seen.headers["User-Agent"] == USER_AGENT
    assert seen.query == {"q": ["pankki jono"], "limit": ["40"]}


def test_429_with_retry_after_seconds_becomes_retry_after(server):
    server.route("/api", Reply(429, b'{"error":"Too many requests"}', {"Retry-After": "120"}))
    with pytest.raises(ConnectorError) as caught:
        HttpClient().get(server.url("/api"))
    assert caught.value.retry_after == 120
    assert "HTTP 429" in str(caught.value)


def test_503_with_an_http_date_retry_after_becomes_seconds(server):
    when = datetime.now(UTC) + timedelta(minutes=10)
    server.route(
        "/api", Reply(503, b"down for maintenance", {"Retry-After": format_datetime(when, usegmt=True)})
    )
    with pytest.raises(ConnectorError) as caught:
        HttpClient().get(server.url("/api"))
    # An HTTP date has whole seconds; the request itself took some.
    assert 500 < caught.value.retry_after <= 600


def test_429_without_retry_after_waits_for_the_mastodon_rate_limit_reset(server):
    reset = (datetime.now(UTC) + timedelta(minutes=5)).isoformat().replace("+00:00", "Z")
    headers = {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}
    server.route("/api", Reply(429, b'{"error":"Too many requests"}', headers))
    with pytest.raises(ConnectorError) as caught:
        HttpClient().get(server.url("/api"))
    assert 240 < caught.value.retry_after <= 300


def test_a_response_that_used_the_last_call_reports_the_wait():
    now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    mastodon = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "2026-05-01T12:05:00.000Z"}
    bluesky = {
        "RateLimit-Remaining": "0",
        "RateLimit-Reset": str(int((now + timedelta(seconds=90)).timestamp())),
    }
    calls_left = {"X-RateLimit-Remaining": "12", "X-RateLimit-Reset": "2026-05-01T12:05:00.000Z"}
    assert rate_limit_wait(_headers(mastodon), now) == 300
    assert rate_limit_wait(_headers(bluesky), now) == 90
    assert rate_limit_wait(_headers(calls_left), now) is None
    assert rate_limit_wait(_headers({}), now) is None


def test_500_is_a_connector_error_without_retry_after(server):
    server.route("/api", Reply(500, b"<h1>Internal Server Error</h1>", content_type="text/html"))
    with pytest.raises(ConnectorError) as caught:
        HttpClient().get(server.url("/api"))
    assert "HTTP 500" in str(caught.value)
    assert caught.value.retry_after is None


def test_malformed_json_is_a_connector_error(server):
    server.route("/api", Reply(body=b'{"statuses": [{"id": "1",'))
    response = HttpClient().get(server.url("/api"))
    with pytest.raises(ConnectorError, match="not valid JSON"):
        response.json()


def test_a_body_declared_over_the_cap_is_refused(server):
    server.route("/api", Reply(body=b"x" * 5000))
    with pytest.raises(ConnectorError, match="over the 1000 limit"):
        HttpClient(max_bytes=1000).get(server.url("/api"))


def test_a_body_without_length_is_cut_off_at_the_cap(server):
    server.route("/api", Reply(body=b"x" * 300_000, close_delimited=True))
    with pytest.raises(ConnectorError, match="over the 100000 byte limit"):
        HttpClient(max_bytes=100_000).get(server.url("/api"))
    assert len(HttpClient(max_bytes=400_000).get(server.url("/api")).body) == 300_000


def test_a_server_that_never_answers_times_out(server):
    server.route("/api", Reply(hang=True))
    with pytest.raises(ConnectorError, match="timed out"):
        HttpClient(timeout=0.5).get(server.url("/api"))


def test_a_server_that_drips_bytes_times_out_on_the_whole_request(server):
    # Each byte arrives well within the socket timeout; only the deadline for the whole body stops it.
    server.route("/api", Reply(drip=True))
    with pytest.raises(ConnectorError, match="timed out"):
        HttpClient(timeout=0.5).get(server.url("/api"))


def test_a_closed_port_is_a_connector_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ConnectorError, match="127.0.0.1"):
        HttpClient(timeout=5).get(f"http://127.0.0.1:{port}/api")


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.org/feed.xml", "/etc/passwd", "http://"]
)
def test_only_http_urls_are_fetched(url):
    with pytest.raises(ConnectorError, match="not an http"):
        HttpClient().get(url)


def test_a_redirect_to_a_file_url_is_refused(server):
    server.route("/feed", Reply(302, headers={"Location": "file:///etc/passwd"}))
    with pytest.raises(ConnectorError, match="redirect to 'file:///etc/passwd' not followed"):
        HttpClient().get(server.url("/feed"))
    server.route("/feed", Reply(302, headers={"Location": "ftp://example.org/feed.xml"}))
    with pytest.raises(ConnectorError, match="non-HTTP URL"):
        HttpClient().get(server.url("/feed"))


def test_a_redirect_within_http_is_followed(server):
    server.route("/old", Reply(301, headers={"Location": server.url("/new")}))
    server.route("/new", Reply(body=b"[]"))
    assert HttpClient().get(server.url("/old")).json() == []


def test_link_headers_give_the_targets_by_rel():
    value = (
        '<https://mastodon.example/api/v1/timelines/tag/pankki?max_id=109>; rel="next", '
        '<https://mastodon.example/api/v1/timelines/tag/pankki?min_id=112>; rel="prev"'
    )
    assert parse_link_header(value) == {
        "next": "https://mastodon.example/api/v1/timelines/tag/pankki?max_id=109",
        "prev": "https://mastodon.example/api/v1/timelines/tag/pankki?min_id=112",
    }
    assert parse_link_header("") == {}


def test_the_registry_gives_each_kind_its_connector():
    for kind in ("rss", "mastodon", "bluesky"):
        assert connectors.get(kind).kind == kind


def test_the_registry_names_the_known_kinds_for_an_unknown_one():
    with pytest.raises(ConnectorError, match="rss, mastodon, bluesky"):
        connectors.get("twitter")


def _headers(values):
    from email.message import Message

    message = Message()
    for name, value in values.items():
        message[name] = value
    return message


def test_an_error_page_is_not_read_whole(server):
    server.route("/api", Reply(502, b"<html>" + b"x" * 200_000, content_type="text/html"))
    with pytest.raises(ConnectorError, match="HTTP 502") as caught:
        HttpClient(max_bytes=1000).get(server.url("/api"))
    assert len(str(caught.value)) < 400
