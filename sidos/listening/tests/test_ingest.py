import datetime as dt

import pytest

from sidos.customers.models import Customer, TimelineEvent
from sidos.listening import actions, pipeline
from sidos.listening.models import MAX_TEXT_CHARS, Post, Sentiment, SocialHandle, SourceKind, WebcareStatus
from sidos.listening.tests.helpers import T0, make_source, record
from sidos.listening.validation import InvalidRecord
from sidos.privacy.models import AuditEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("marker_classifier")]


def test_it_stores_new_posts_with_their_label_and_classifier():
    source = make_source()
    summary = actions.ingest_records(source, [record("1", "NEG the app is down"), record("2", "fine day")])
    assert (summary.created, summary.negative, summary.rejected) == (2, 1, 0)
    negative = Post.objects.get(external_id="1")
    assert negative.sentiment == Sentiment.NEGATIVE
    assert negative.p_negative == pytest.approx(0.9)
    assert (negative.classifier, negative.classifier_version) == ("marker", "shipped")
    assert negative.status == WebcareStatus.NEW
    assert Post.objects.get(external_id="2").sentiment == Sentiment.NEUTRAL


def test_bad_records_are_reported_by_position_and_field_and_the_rest_is_stored():
    source = make_source()
    naive = dt.datetime(2026, 11, 30, 12, 0)  # noqa: DTZ001 the bad input under test
    records = [
        record("1"),
        record("", "no id"),
        record("3", " "),
        record("4", created_at=naive),
        record("5", url="javascript:alert(1)"),
        record("6", like_count=-1),
        record("7"),
    ]
    summary = actions.ingest_records(source, records)
    assert summary.created == 2
    assert summary.rejected == 5
    assert summary.problems == [
        "record 2: external_id: missing",
        "record 3: text: missing",
        "record 4: created_at: has no time zone",
        "record 5: url: not an http(s) address",
        "record 6: like_count: not a whole number of zero or more: -1",
    ]
    assert summary.exit_code == 1
    assert set(Post.objects.values_list("external_id", flat=True)) == {"1", "7"}


def test_an_unparsed_line_from_a_reader_is_reported_with_its_line():
    error = InvalidRecord("line", "not JSON")
    error.line = 12
    summary = actions.ingest_records(make_source(), [record("1"), error])
    assert summary.problems == ["line 12: line: not JSON"]


def test_running_the_same_records_again_changes_nothing():
    source = make_source()
    records = [record(str(n), "NEG slow queue" if n % 2 else "ok") for n in range(30)]
    first = actions.ingest_records(source, records)
    stamps = dict(Post.objects.values_list("external_id", "updated_at"))
    again = actions.ingest_records(source, records)
    assert first.created == 30
    assert (again.created, again.updated, again.unchanged) == (0, 0, 30)
    assert Post.objects.count() == 30
    assert dict(Post.objects.values_list("external_id", "updated_at")) == stamps


def test_a_duplicate_with_higher_counts_updates_them_and_the_velocity():
    source = make_source()
    actions.ingest_records(source, [record("1", "NEG", like_count=1)])
    before = Post.objects.get().velocity
    summary = actions.ingest_records(source, [record("1", "NEG", like_count=50, reshare_count=10)])
    post = Post.objects.get()
    assert (summary.created, summary.updated) == (0, 1)
    assert (post.like_count, post.reshare_count) == (50, 10)
    assert post.velocity > before


def test_the_same_id_twice_in_one_batch_is_one_post():
    summary = actions.ingest_records(make_source(), [record("1"), record("1")])
    assert (summary.created, summary.unchanged) == (1, 1)
    assert Post.objects.count() == 1


def test_the_same_id_in_two_sources_is_two_posts():
    actions.ingest_records(make_source("a"), [record("1")])
    actions.ingest_records(make_source("b"), [record("1")])
    assert Post.objects.count() == 2


def test_a_reshare_counts_on_the_original_and_is_no_queue_item():
    source = make_source()
    actions.ingest_records(source, [record("orig", "NEG the card is blocked")])
    summary = actions.ingest_records(
        source,
        [record("r1", "NEG the card is blocked", reshare_of="orig"), record("r2", "x", reshare_of="orig")],
    )
    original = Post.objects.get(external_id="orig")
    assert (summary.created, summary.reshares) == (0, 2)
    assert original.reshare_count == 2
    assert set(original.reshares.values_list("external_id", flat=True)) == {"r1", "r2"}
    # The reshares are not classified: they are never in the queue on their own.
    assert set(Post.objects.filter(reshare_of__isnull=False).values_list("sentiment", flat=True)) == {""}


def test_a_reshare_seen_before_its_original_is_linked_when_the_original_comes():
    source = make_source()
    actions.ingest_records(source, [record("r1", reshare_of="orig")])
    assert Post.objects.get().reshare_of is None
    actions.ingest_records(source, [record("orig", "NEG")])
    original = Post.objects.get(external_id="orig")
    assert original.reshare_count == 1
    assert Post.objects.get(external_id="r1").reshare_of == original


def test_a_reshare_arriving_with_its_stored_original_again_counts_on_it():
    source = make_source()
    actions.ingest_records(source, [record("orig", "NEG", like_count=1)])
    actions.ingest_records(source, [record("orig", "NEG", like_count=2), record("r1", reshare_of="orig")])
    original = Post.objects.get(external_id="orig")
    assert (original.like_count, original.reshare_count) == (2, 1)
    assert Post.objects.get(external_id="r1").reshare_of == original


def test_a_reported_reshare_count_is_not_counted_twice():
    source = make_source()
    actions.ingest_records(source, [record("orig", "NEG", reshare_count=5)])
    actions.ingest_records(source, [record("r1", reshare_of="orig")])
    assert Post.objects.get(external_id="orig").reshare_count == 5


def test_an_oversize_text_is_cut_and_flagged():
    summary = actions.ingest_records(make_source(), [record("1", "x" * (MAX_TEXT_CHARS * 3))])
    post = Post.objects.get()
    assert len(post.text) == MAX_TEXT_CHARS
    assert post.text_truncated
    assert summary.truncated == 1


def test_the_author_is_linked_by_a_stored_handle_and_the_post_is_on_the_timeline():
    customer = Customer.objects.create(first_name="Maija", last_name="Meikäläinen", email="maija@example.fi")
    SocialHandle.objects.create(
        customer=customer, network=SourceKind.MASTODON, handle="maija@mastodon.social"
    )
    source = make_source("mastodon", SourceKind.MASTODON)
    summary = actions.ingest_records(
        source,
        [
            record("1", "NEG jono taas", author_handle="@Maija@mastodon.social"),
            record("2", author_handle="x"),
        ],
    )
    post = Post.objects.get(external_id="1")
    assert post.customer == customer
    assert summary.linked == 1
    event = TimelineEvent.objects.get(customer=customer)
    assert (event.kind, event.ref_type, event.ref_id) == ("social_post", "listening.post", post.pk)
    assert "jono taas" in event.title
    assert AuditEntry.objects.filter(
        target_type="post", target_id=str(post.pk), customer_id=customer.pk
    ).exists()
    assert Post.objects.get(external_id="2").customer is None


def test_a_handle_on_another_network_does_not_link():
    customer = Customer.objects.create(first_name="A", email="a@example.fi")
    SocialHandle.objects.create(customer=customer, network=SourceKind.BLUESKY, handle="maija")
    actions.ingest_records(make_source("m", SourceKind.MASTODON), [record("1", author_handle="maija")])
    assert Post.objects.get().customer is None


def test_a_batch_that_fails_is_rolled_back_whole(monkeypatch):
    source = make_source()
    calls = {"n": 0}
    real = pipeline.topics_for

    def fail_second_batch(texts, langs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("classifier crashed")
        return real(texts, langs)

    monkeypatch.setattr(pipeline, "topics_for", fail_second_batch)
    records = [record(str(n)) for n in range(actions.BATCH_SIZE + 10)]
    with pytest.raises(RuntimeError):
        actions.ingest_records(source, records)
    # The first batch is stored; nothing of the second. Running again finishes the job.
    assert Post.objects.count() == actions.BATCH_SIZE
    monkeypatch.setattr(pipeline, "topics_for", real)
    summary = actions.ingest_records(source, records)
    assert (summary.created, summary.unchanged) == (10, actions.BATCH_SIZE)


def test_posted_time_is_kept_timezone_aware():
    actions.ingest_records(make_source(), [record("1", created_at=T0)])
    assert Post.objects.get().posted_at == T0


def test_a_batch_costs_the_same_queries_however_many_records_it_holds():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    customer = Customer.objects.create(first_name="A", email="a@example.fi")
    SocialHandle.objects.create(customer=customer, network=SourceKind.MASTODON, handle="a")

    def queries(prefix: str, n: int) -> int:
        source = make_source(prefix, SourceKind.MASTODON)
        records = [record(f"{prefix}{i}", "NEG", author_handle="a" if i % 2 else "b") for i in range(n)]
        records += [record(f"{prefix}r{i}", reshare_of=f"{prefix}{i}") for i in range(n)]
        with CaptureQueriesContext(connection) as captured:
            summary = actions.ingest_records(source, records)
        assert summary.created == n
        return captured.captured_queries

    few, many = queries("x", 20), queries("y", 200)
    # Reads are per batch; writes are bulk statements the database driver splits by its parameter limit.
    assert [q["sql"][:30] for q in few if q["sql"].startswith("SELECT")] == [
        q["sql"][:30] for q in many if q["sql"].startswith("SELECT")
    ]
    assert len(many) < 40  # 400 records, 100 of them linked to a customer
