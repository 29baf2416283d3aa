"""The ingest action: untrusted records into posts, in batches (part of the app's actions, see actions.py).

Each batch is one transaction: dedupe by (source, external id), reshares counted on their originals,
languages detected, sentiment and topics in one call each, authors linked by handle, linked posts put on
the customer's timeline and in the audit log.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from sidos.customers.models import Customer, TimelineEvent
from sidos.listening import pipeline
from sidos.listening.connectors.base import PostRecord
from sidos.listening.models import Post, Sentiment, SocialHandle, Source, SourceKind
from sidos.listening.validation import InvalidRecord, clean, normalise_handle
from sidos.privacy import audit
from sidos.privacy.models import AuditAction

BATCH_SIZE = 500
TIMELINE_KIND = "social_post"
RESHARE_WEIGHT = 2  # a reshare puts the post in front of new readers; a like mostly does not


@dataclass
class IngestSummary:
    records: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    reshares: int = 0
    rejected: int = 0
    truncated: int = 0
    linked: int = 0
    negative: int = 0
    problems: list[str] = field(default_factory=list)  # "record 3: text: missing"

    def as_dict(self) -> dict:
        return {
            "records": self.records,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "reshares": self.reshares,
            "rejected": self.rejected,
            "truncated": self.truncated,
            "linked": self.linked,
            "negative": self.negative,
            "problems": self.problems[:100],
        }

    @property
    def exit_code(self) -> int:
        return 1 if self.rejected else 0


def velocity(likes: int, reshares: int, posted_at: dt.datetime, now: dt.datetime) -> float:
    # +1 h so that a post seconds old with one like does not outrank a viral one an hour old.
    hours = max((now - posted_at).total_seconds(), 0) / 3600 + 1
    return (likes + RESHARE_WEIGHT * reshares) / hours


def get_or_create_source(name: str, kind: str = SourceKind.FILE, config: dict | None = None) -> Source:
    source, _created = Source.objects.get_or_create(
        name=name[:100], defaults={"kind": kind, "config": config or {}}
    )
    return source


def ingest_records(
    source: Source,
    records: Iterable[PostRecord | InvalidRecord],
    *,
    on_batch: Callable[[int], None] | None = None,
) -> IngestSummary:
    """Store the records of one source; bad ones are reported by position and field and skipped.

    `records` may carry an InvalidRecord in place of a record a reader could not parse (a bad JSON line),
    and each record's position is its 1-based place in the iterable unless it has `raw["_line"]`. A run
    again over the same records changes nothing: posts are keyed by (source, external id). Each batch is
    one transaction, so a crash loses at most the batch in progress, and running again finishes the job.
    """
    summary = IngestSummary()
    active = pipeline.active_classifier()
    batch: list[tuple[str, PostRecord, bool]] = []
    for position, item in enumerate(records, start=1):
        summary.records += 1
        where = _where(item, position)
        if isinstance(item, InvalidRecord):
            _reject(summary, where, item)
            continue
        try:
            record, truncated = clean(item)
        except InvalidRecord as error:
            _reject(summary, where, error)
            continue
        batch.append((where, record, truncated))
        if len(batch) >= BATCH_SIZE:
            _store_batch(source, batch, active, summary)
            if on_batch:
                on_batch(len(batch))
            batch = []
    if batch:
        _store_batch(source, batch, active, summary)
        if on_batch:
            on_batch(len(batch))
    return summary


def _where(item, position: int) -> str:
    line = item.line if isinstance(item, InvalidRecord) and hasattr(item, "line") else None
    if line is None and isinstance(item, PostRecord):
        line = item.raw.get("_line") if isinstance(item.raw, dict) else None
    return f"line {line}" if line else f"record {position}"


def _reject(summary: IngestSummary, where: str, error: InvalidRecord) -> None:
    summary.rejected += 1
    summary.problems.append(f"{where}: {error.field}: {error.reason}")


@transaction.atomic
def _store_batch(source: Source, batch, active: pipeline.Active, summary: IngestSummary) -> None:
    now = timezone.now()
    # The last occurrence of an id in a batch wins (a file may list a post twice as its counts grow).
    by_id: dict[str, tuple[str, PostRecord, bool]] = {}
    for entry in batch:
        by_id[entry[1].external_id] = entry
    duplicates_in_batch = len(batch) - len(by_id)
    summary.unchanged += duplicates_in_batch
    existing = {
        post.external_id: post for post in Post.objects.filter(source=source, external_id__in=list(by_id))
    }
    # Originals of this batch's reshares: stored before, stored now (see below), or not seen yet.
    originals_wanted = {r.reshare_of for _w, r, _t in by_id.values() if r.reshare_of}
    originals = {key: existing[key] for key in originals_wanted if key in existing}
    originals.update(
        (post.external_id, post)
        for post in Post.objects.filter(source=source, external_id__in=list(originals_wanted - set(by_id)))
    )

    new: list[tuple[PostRecord, bool]] = []
    changed: list[Post] = []
    for _position, record, truncated in by_id.values():
        post = existing.get(record.external_id)
        if post is None:
            new.append((record, truncated))
            summary.truncated += truncated
        elif _refresh_counts(post, record, now):
            changed.append(post)
        else:
            summary.unchanged += 1
    if changed:
        for post in changed:
            post.updated_at = now
        Post.objects.bulk_update(changed, ["like_count", "reshare_count", "velocity", "updated_at"])
        summary.updated += len(changed)
    if not new:
        return

    originals_here = [(r, t) for r, t in new if not r.reshare_of]
    reshares_here = [(r, t) for r, t in new if r.reshare_of]
    texts = [r.text for r, _t in originals_here]
    langs = [r.lang for r, _t in originals_here]
    unknown = [i for i, lang in enumerate(langs) if not lang]
    if unknown:
        detected = pipeline.detect_languages([texts[i] for i in unknown])
        for i, lang in zip(unknown, detected, strict=True):
            langs[i] = lang
    predictions = pipeline.classify(active, texts, langs)
    topics = pipeline.topics_for(texts, langs) if texts else []
    handles = _customers_by_handle(source, [r.author_handle for r, _t in new])

    created: list[Post] = []
    for i, (record, truncated) in enumerate(originals_here):
        prediction = predictions[i]
        created.append(
            _new_post(
                source,
                record,
                truncated,
                now,
                lang=langs[i],
                sentiment=prediction.label,
                p_negative=prediction.negative,
                classifier=active.name,
                classifier_version=active.version,
                topics=topics[i],
                customer=handles.get(normalise_handle(record.author_handle)),
            )
        )
    for record, truncated in reshares_here:
        created.append(
            _new_post(
                source,
                record,
                truncated,
                now,
                lang=record.lang,
                customer=handles.get(normalise_handle(record.author_handle)),
                reshare_of_external=record.reshare_of,
            )
        )
    Post.objects.bulk_create(created)
    # Ids are needed for the links below; bulk_create sets them on PostgreSQL and on SQLite 3.35+.
    stored = {post.external_id: post for post in created}
    originals.update({k: v for k, v in stored.items() if not v.reshare_of_external})
    _link_reshares(source, originals, now, summary)
    for post in created:
        if post.reshare_of_external:
            summary.reshares += 1
        else:
            summary.created += 1
            summary.negative += post.sentiment == Sentiment.NEGATIVE
    _timeline_and_audit(created, summary)


def _new_post(source, record: PostRecord, truncated: bool, now, topics=(), **values) -> Post:
    post = Post(
        source=source,
        external_id=record.external_id,
        author_handle=record.author_handle,
        author_name=record.author_name,
        text=record.text,
        text_truncated=truncated,
        posted_at=record.created_at,
        url=record.url,
        reply_to=record.reply_to,
        like_count=record.like_count,
        reshare_count=record.reshare_count,
        velocity=velocity(record.like_count, record.reshare_count, record.created_at, now),
        raw={k: v for k, v in (record.raw or {}).items() if not k.startswith("_")},
        ingested_at=now,
        **values,
    )
    post.set_topics(topics)
    return post


def _refresh_counts(post: Post, record: PostRecord, now) -> bool:
    """Counts only grow: a source that reports fewer (a deleted like) is not worth a queue reshuffle."""
    likes = max(post.like_count, record.like_count)
    reshares = max(post.reshare_count, record.reshare_count)
    if (likes, reshares) == (post.like_count, post.reshare_count):
        return False
    post.like_count, post.reshare_count = likes, reshares
    post.velocity = velocity(likes, reshares, post.posted_at, now)
    return True


def _link_reshares(source: Source, originals: dict[str, Post], now, summary: IngestSummary) -> None:
    """Point waiting reshares at their originals and count them there, never as queue items of their own."""
    if not originals:
        return
    waiting = list(
        Post.objects.filter(source=source, reshare_of_external__in=list(originals), reshare_of__isnull=True)
    )
    touched: dict[int, Post] = {}
    for reshare in waiting:
        original = originals[reshare.reshare_of_external]
        reshare.reshare_of = original
        touched[original.pk] = original
    Post.objects.bulk_update(waiting, ["reshare_of"])
    known = dict(
        Post.objects.filter(reshare_of__in=list(touched))
        .order_by()
        .values_list("reshare_of")
        .annotate(n=Count("id"))
        .values_list("reshare_of", "n")
    )
    grown = []
    for original in touched.values():
        if known.get(original.pk, 0) > original.reshare_count:
            original.reshare_count = known[original.pk]
            original.velocity = velocity(original.like_count, original.reshare_count, original.posted_at, now)
            original.updated_at = now  # bulk_update leaves auto_now fields alone
            grown.append(original)
    Post.objects.bulk_update(grown, ["reshare_count", "velocity", "updated_at"])


def _customers_by_handle(source: Source, handles: list[str]) -> dict[str, Customer]:
    wanted = {normalise_handle(h) for h in handles if h.strip()}
    if not wanted:
        return {}
    found = SocialHandle.objects.filter(handle__in=wanted).select_related("customer")
    if source.network:
        found = found.filter(network=source.network)
    return {row.handle: row.customer for row in found}


def _timeline_and_audit(posts: list[Post], summary: IngestSummary) -> None:
    linked = [post for post in posts if post.customer_id is not None]
    summary.linked += len(linked)
    # One INSERT for the batch's timeline events, the same rows add_event() writes one by one.
    TimelineEvent.objects.bulk_create([timeline_event(post, post.customer) for post in linked])
    with audit.deferred():
        for post in linked:
            audit.record(
                None,
                AuditAction.UPDATE,
                "post",
                post.pk,
                customer_id=post.customer_id,
                summary=f"social post by {post.author_handle} linked by handle",
                channel="task",
            )


def timeline_event(post: Post, customer: Customer, actor=None) -> TimelineEvent:
    return TimelineEvent(
        customer=customer,
        kind=TIMELINE_KIND,
        title=f"{post.source.get_kind_display()} · {post.author_handle}: {post.text[:200]}"[:300],
        detail={"sentiment": post.sentiment, "topics": post.topics, "url": post.url},
        ref_type="listening.post",
        ref_id=post.pk,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        occurred_at=post.posted_at,
    )
