"""Every change to listening data: ingest, webcare work on posts, handles, trained models, poll state.

Each action is atomic, writes the audit log where personal data is touched (a post names its author;
linking it to a customer is a write of the customer's data) and puts linked posts on the customer's
timeline.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from sidos.customers.models import Customer, TimelineEvent
from sidos.listening import pipeline
from sidos.listening.connectors.base import PostRecord
from sidos.listening.models import (
    Post,
    PostCorrection,
    Sentiment,
    SocialHandle,
    Source,
    SourceKind,
    TrainedModel,
    WebcareStatus,
)
from sidos.listening.validation import InvalidRecord, clean, normalise_handle
from sidos.privacy import audit
from sidos.privacy.models import AuditAction

BATCH_SIZE = 500
TIMELINE_KIND = "social_post"
RESHARE_WEIGHT = 2  # a reshare puts the post in front of new readers; a like mostly does not


class ListeningError(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


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
    TimelineEvent.objects.bulk_create([_timeline_event(post, post.customer) for post in linked])
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


def _timeline_event(post: Post, customer: Customer, actor=None) -> TimelineEvent:
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


def _post_on_timeline(post: Post, customer: Customer, actor=None) -> None:
    _timeline_event(post, customer, actor).save()


def _audit_post(actor, post: Post, summary: str, changes: dict | None = None, channel: str = "web") -> None:
    audit.record(
        actor,
        AuditAction.UPDATE,
        "post",
        post.pk,
        customer_id=post.customer_id,
        summary=summary,
        changes=changes,
        channel=channel,
    )


@transaction.atomic
def relabel(actor, post: Post, *, label: str = "", topics: list[str] | None = None) -> PostCorrection:
    """An agent's correction: the post shows it at once, and the next `listening-train` learns from it."""
    if label and label not in Sentiment.values:
        raise ListeningError(f"unknown label {label!r}", "label")
    if not label and topics is None:
        raise ListeningError("give a label or topics", "label")
    changes = {}
    if label and label != post.sentiment:
        changes["sentiment"] = [post.sentiment, label]
        post.sentiment = label
        post.p_negative = 1.0 if label == Sentiment.NEGATIVE else 0.0
    if topics is not None:
        old = post.topics
        post.set_topics(topics)
        topics = post.topics
        if topics != old:
            changes["topics"] = [old, topics]
    post.save(update_fields=["sentiment", "p_negative", "topics", "topic_index", "updated_at"])
    correction = PostCorrection.objects.create(post=post, agent=_user(actor), label=label, topics=topics)
    _audit_post(actor, post, "relabelled", changes)
    return correction


@transaction.atomic
def link_customer(actor, post: Post, customer: Customer, *, remember_handle: bool = True) -> Post:
    """Link the author to a customer; the handle is remembered, so the author's next posts link themselves."""
    if post.customer_id == customer.pk:
        return post
    post.customer = customer
    post.save(update_fields=["customer", "updated_at"])
    network = post.source.network
    handle = normalise_handle(post.author_handle)
    if remember_handle and network and handle:
        SocialHandle.objects.get_or_create(network=network, handle=handle, defaults={"customer": customer})
    _post_on_timeline(post, customer, actor)
    _audit_post(actor, post, f"social post by {post.author_handle} linked to the customer")
    return post


def add_handle(actor, customer: Customer, network: str, handle: str) -> SocialHandle:
    if network not in SourceKind.values or network == SourceKind.FILE:
        raise ListeningError(f"unknown network {network!r}", "network")
    handle = normalise_handle(handle)
    if not handle:
        raise ListeningError("the handle is empty", "handle")
    with transaction.atomic():
        row, created = SocialHandle.objects.get_or_create(
            network=network, handle=handle, defaults={"customer": customer}
        )
        if not created and row.customer_id != customer.pk:
            raise ListeningError(f"{network}:{handle} belongs to another customer", "handle")
        audit.record(
            actor,
            AuditAction.UPDATE,
            "customer",
            customer.pk,
            customer_id=customer.pk,
            summary=f"social handle {network}:{handle} added",
            channel="web",
        )
    return row


@transaction.atomic
def mark_answered(actor, post: Post, *, at: dt.datetime | None = None) -> Post:
    """The first answer counts for the response time; later answers leave it as it was."""
    fields = ["status", "updated_at"]
    if post.first_answered_at is None:
        post.first_answered_at = at or timezone.now()
        post.answered_by = _user(actor)
        fields += ["first_answered_at", "answered_by"]
    if post.status != WebcareStatus.TICKET:
        post.status = WebcareStatus.ANSWERED
    post.save(update_fields=fields)
    _audit_post(actor, post, "answered")
    return post


@transaction.atomic
def set_status(actor, post: Post, status: str) -> Post:
    if status not in (WebcareStatus.NEW, WebcareStatus.IGNORED):
        raise ListeningError(f"use the answer or ticket actions for {status!r}", "status")
    old = post.status
    post.status = status
    post.save(update_fields=["status", "updated_at"])
    _audit_post(actor, post, f"status {old} -> {status}", {"status": [old, status]})
    return post


@transaction.atomic
def make_ticket(actor, post: Post):
    """A service-desk ticket (channel social) for the post; the post links to it and it back to the post."""
    from sidos.servicedesk import actions as desk
    from sidos.servicedesk.models import Channel, TicketType

    if post.ticket_id:
        return post.ticket
    if post.customer is None:
        raise ListeningError("link the post to a customer first", "customer")
    body = f"{post.text}\n\n— {post.author_handle} ({post.source.get_kind_display()}) {post.url}".rstrip()
    ticket = desk.open_ticket(
        actor,
        subject=f"{post.author_handle or post.source.name}: {post.text[:80]}",
        body=body,
        channel=Channel.SOCIAL,
        ticket_type=TicketType.COMPLAINT if post.sentiment == Sentiment.NEGATIVE else TicketType.INQUIRY,
        customer=post.customer,
        tags=["social", *post.topics],
        acknowledge=False,  # the customer wrote in public; an e-mail acknowledgement would surprise them
    )
    post.ticket = ticket
    post.status = WebcareStatus.TICKET
    post.save(update_fields=["ticket", "status", "updated_at"])
    _audit_post(actor, post, f"ticket {ticket.reference} made from the post")
    return ticket


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


@transaction.atomic
def store_trained(
    classifier: str,
    state: bytes,
    evaluation: dict,
    *,
    examples: int,
    corrections: int,
    activate: bool,
    note: str = "",
) -> TrainedModel:
    if activate:
        TrainedModel.objects.filter(classifier=classifier, is_active=True).update(is_active=False)
    return TrainedModel.objects.create(
        classifier=classifier,
        state=state,
        evaluation=evaluation,
        examples=examples,
        corrections=corrections,
        is_active=activate,
        note=note[:300],
    )


@transaction.atomic
def record_poll_success(source: Source, cursor: dict, now: dt.datetime, retry_after: float | None) -> None:
    source.cursor = cursor
    source.last_polled_at = now
    source.last_error = ""
    source.failures = 0
    source.backoff_until = now + dt.timedelta(seconds=retry_after) if retry_after else None
    source.save(update_fields=["cursor", "last_polled_at", "last_error", "failures", "backoff_until"])


def record_poll_failure(source: Source, error: str, now: dt.datetime, backoff: dt.timedelta) -> None:
    Source.objects.filter(pk=source.pk).update(
        last_polled_at=now, last_error=error[:2000], failures=F("failures") + 1, backoff_until=now + backoff
    )
    source.refresh_from_db(fields=["last_polled_at", "last_error", "failures", "backoff_until"])
