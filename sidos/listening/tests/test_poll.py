import datetime as dt

import pytest

from sidos.accounts.scheduler import JOBS
from sidos.listening import polling
from sidos.listening.connectors.base import ConnectorError, FetchResult
from sidos.listening.models import Post, Source, SourceKind
from sidos.listening.tests.helpers import make_source, record, run_command

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("marker_classifier")]
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


class FakeNetwork:
    """A connector over an in-memory timeline: posts newer than the cursor, a page at a time."""

    kind = "mastodon"

    def __init__(self, posts=(), page=2):
        self.posts = list(posts)
        self.page = page
        self.calls = []
        self.error: ConnectorError | None = None
        self.retry_after = None

    def fetch(self, config, cursor):
        self.calls.append((config, dict(cursor)))
        if self.error:
            raise self.error
        start = cursor.get("seen", 0)
        batch = self.posts[start : start + self.page]
        return FetchResult(batch, {"seen": start + len(batch)}, retry_after=self.retry_after)


@pytest.fixture
def network(monkeypatch):
    networks = {}

    def connector_for(kind):
        return networks[kind]

    monkeypatch.setattr(polling, "connector_for", connector_for)
    return networks


def test_a_poll_stores_the_posts_and_then_the_cursor(network):
    network["mastodon"] = FakeNetwork([record("1", "NEG"), record("2"), record("3")])
    source = make_source("m", SourceKind.MASTODON, config={"instance": "https://example.social"})
    result = polling.poll_source(source, NOW)
    source.refresh_from_db()
    assert result.status == "polled"
    assert result.ingest.created == 2
    assert source.cursor == {"seen": 2}
    assert source.last_polled_at == NOW
    assert network["mastodon"].calls == [({"instance": "https://example.social"}, {})]


def test_the_next_poll_starts_from_the_stored_cursor(network):
    network["mastodon"] = FakeNetwork([record("1"), record("2"), record("3")])
    source = make_source("m", SourceKind.MASTODON)
    polling.poll_source(source, NOW)
    polling.poll_source(Source.objects.get(), NOW)
    assert network["mastodon"].calls[1][1] == {"seen": 2}
    assert set(Post.objects.values_list("external_id", flat=True)) == {"1", "2", "3"}


def test_a_failing_source_backs_off_exponentially_and_keeps_its_cursor(network):
    network["mastodon"] = FakeNetwork()
    network["mastodon"].error = ConnectorError("HTTP 502 from example.social")
    source = make_source("m", SourceKind.MASTODON, cursor={"seen": 7})
    waits = []
    now = NOW
    for _ in range(4):
        result = polling.poll_source(Source.objects.get(), now)
        source.refresh_from_db()
        waits.append(source.backoff_until - now)
        assert result.status == "failed"
        now = source.backoff_until  # the next try is at the end of the wait
    assert waits == [dt.timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert source.cursor == {"seen": 7}
    assert source.failures == 4
    assert "HTTP 502" in source.last_error


def test_a_source_is_not_asked_while_it_backs_off(network):
    network["mastodon"] = FakeNetwork([record("1")])
    source = make_source("m", SourceKind.MASTODON, backoff_until=NOW + dt.timedelta(minutes=5))
    assert polling.poll_source(source, NOW).status == "backing_off"
    assert network["mastodon"].calls == []
    assert polling.poll_source(source, NOW + dt.timedelta(minutes=5)).status == "polled"


def test_a_retry_after_longer_than_the_backoff_is_honoured(network):
    network["mastodon"] = FakeNetwork()
    network["mastodon"].error = ConnectorError("HTTP 429", retry_after=900)
    source = make_source("m", SourceKind.MASTODON)
    polling.poll_source(source, NOW)
    source.refresh_from_db()
    assert source.backoff_until == NOW + dt.timedelta(seconds=900)


def test_a_rate_limit_reported_with_a_good_answer_delays_the_next_poll(network):
    network["mastodon"] = FakeNetwork([record("1")])
    network["mastodon"].retry_after = 120
    source = make_source("m", SourceKind.MASTODON)
    polling.poll_source(source, NOW)
    source.refresh_from_db()
    assert (source.cursor, source.failures) == ({"seen": 1}, 0)
    assert source.backoff_until == NOW + dt.timedelta(seconds=120)


def test_success_after_failures_resets_the_backoff(network):
    network["mastodon"] = FakeNetwork([record("1")])
    source = make_source("m", SourceKind.MASTODON, failures=3, last_error="HTTP 500")
    polling.poll_source(source, NOW)
    source.refresh_from_db()
    assert (source.failures, source.last_error, source.backoff_until) == (0, "", None)


def test_the_cursor_stays_when_the_batch_cannot_be_stored(network):
    network["mastodon"] = FakeNetwork([record("1", "fine"), record("2", "CRASH")])
    source = make_source("m", SourceKind.MASTODON)
    result = polling.poll_source(source, NOW)
    source.refresh_from_db()
    assert result.status == "failed"
    assert "classifier crashed" in result.error
    assert source.cursor == {}
    assert Post.objects.count() == 0  # the batch is one transaction


def test_one_failing_source_never_stops_the_others(network):
    network["mastodon"] = FakeNetwork([record("m1")])
    network["bluesky"] = FakeNetwork()
    network["bluesky"].error = ConnectorError("connection refused")
    network["rss"] = FakeNetwork([record("r1")])
    make_source("a-bluesky", SourceKind.BLUESKY)
    make_source("b-mastodon", SourceKind.MASTODON)
    make_source("c-rss", SourceKind.RSS)
    make_source("file", SourceKind.FILE)  # files are ingested, never polled
    summary = polling.poll_all(now=NOW)
    assert [(r.source, r.status) for r in summary.sources] == [
        ("a-bluesky", "failed"),
        ("b-mastodon", "polled"),
        ("c-rss", "polled"),
    ]
    assert set(Post.objects.values_list("external_id", flat=True)) == {"m1", "r1"}
    assert summary.exit_code == 1


def test_an_unexpected_connector_error_is_a_failure_of_that_source_only(network):
    class Broken:
        def fetch(self, config, cursor):
            raise KeyError("items")

    network["rss"] = Broken()
    source = make_source("feed", SourceKind.RSS)
    result = polling.poll_source(source, NOW)
    assert result.status == "failed"
    assert "KeyError" in result.error


def test_the_command_reports_each_source_and_exits_by_the_outcome(network):
    network["mastodon"] = FakeNetwork([record("1", "NEG"), record("2")])
    make_source("m", SourceKind.MASTODON)
    status, summary, _err = run_command("listening-poll")
    assert status == 0
    assert (summary["polled"], summary["failed"], summary["created"]) == (1, 0, 2)
    assert summary["sources"][0]["source"] == "m"
    network["mastodon"].error = ConnectorError("HTTP 503")
    status, summary, _err = run_command("listening-poll", "--source", "m")
    assert (status, summary["failed"]) == (2, 1)
    assert summary["sources"][0]["error"] == "HTTP 503"


def test_the_command_refuses_an_unknown_source():
    status, summary, _err = run_command("listening-poll", "--source", "nope")
    assert status == 2
    assert "nope" in summary["error"]


def test_polling_is_a_scheduled_job(settings):
    job = next(job for job in JOBS if job.name == "listening-poll")
    assert job.task_path == "sidos.listening.tasks.poll_sources"
    settings.SIDOS_SCHEDULE_LISTENING = "off"
    assert job.schedule() is None
    settings.SIDOS_SCHEDULE_LISTENING = "10m"
    assert job.schedule() is not None
