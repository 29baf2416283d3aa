"""Every change to listening data: webcare work on posts, handles, trained models, poll state, and the
ingest (in ingest.py for its size; re-exported here, so callers use actions.* for all of them).

Each action is atomic and writes the audit log where personal data is touched (a post names its author;
linking it to a customer is a write of the customer's data); linked posts go on the customer's timeline.
"""

import datetime as dt

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from sidos.customers.models import Customer
from sidos.listening.ingest import (  # noqa: F401 the ingest is one of the app's actions
    BATCH_SIZE,
    IngestSummary,
    get_or_create_source,
    ingest_records,
    timeline_event,
    velocity,
)
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
from sidos.listening.validation import normalise_handle
from sidos.privacy import audit
from sidos.privacy.models import AuditAction


class ListeningError(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


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
    timeline_event(post, customer, actor).save()
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
    loader: str,
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
        loader=loader,
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
