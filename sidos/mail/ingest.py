"""Receiving one message: keep the raw bytes, parse, classify, pass on to the handler, record the outcome.

Each message is its own transaction, so one bad message never takes others with it, and the raw
bytes commit whatever the outcome: a parse error or a handler exception leaves a "failed" row that
`sidos mail-ingest --retry-failed` processes again.
"""

import logging
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import replace

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from sidos.mail import actions
from sidos.mail.classify import classify
from sidos.mail.models import InboundMessage, InboundReason, InboundStatus
from sidos.mail.parsing import Reading, generated_message_id, read_message
from sidos.privacy import audit
from sidos.privacy.models import AuditAction

log = logging.getLogger(__name__)

OUTCOMES = ("created", "threaded", "ignored", "failed")


class DuplicateMessage(Exception):
    """A handler's answer for a message it already holds under this Message-ID.

    The classification's duplicate check reads committed rows only: two ingests of one message at the
    same instant both pass it, and the handler's unique constraint is what stops the second. The
    handler turns that IntegrityError into this, and the message is recorded as an ignored duplicate.
    """


class Summary(Counter):
    def as_dict(self) -> dict:
        return {outcome: self.get(outcome, 0) for outcome in OUTCOMES}


def inbound_handler():
    return import_string(settings.SIDOS_INBOUND_MAIL_HANDLER)


@contextmanager
def bulk(handler) -> Iterator[None]:
    """Around a run of many messages: outbox sends batched, and the handler's own per-run setup.

    A handler may carry a `bulk` attribute, a context manager factory entered once around the run
    (servicedesk caches its queue and SLA policy rows there).
    """
    prepare = getattr(handler, "bulk", None)
    with actions.batched_sending(), prepare() if prepare else nullcontext():
        yield


def ingest_bytes(raw: bytes, *, source: str = "", handler=None) -> str:
    """Take one message; returns 'created', 'threaded', 'ignored' or 'failed'."""
    outcome = _ingest(raw, source, handler or inbound_handler())
    actions.drain_if_waiting()  # in a bulk run: acknowledgements queued a while ago go out now
    return outcome


def _ingest(raw: bytes, source: str, handler) -> str:
    reading, error = _read(raw)
    try:
        # The message's audit entries go in one INSERT, just before the commit.
        with transaction.atomic(), audit.deferred():
            parsed = reading.parsed if reading else None
            row = actions.store_inbound(
                raw=raw,
                message_id=parsed.message_id if parsed else generated_message_id(raw),
                source=source,
                from_address=parsed.from_address if parsed else "",
                subject=parsed.subject if parsed else "",
            )
            return _process(row, reading, error, handler)
    except Exception as error:  # the database itself failed; keep the bytes in a fresh transaction
        log.exception("mail ingest of %s failed outside the handler", source or "a message")
        actions.quarantine_unstored(
            raw=raw,
            source=source,
            message_id=generated_message_id(raw),
            error=f"{type(error).__name__}: {error}",
        )
        return "failed"


def _read(raw: bytes) -> tuple[Reading | None, str]:
    try:
        return read_message(raw), ""
    except Exception as error:  # whatever the parser hits, the message is quarantined, not lost
        return None, f"{type(error).__name__}: {error}"


def _process(row: InboundMessage, reading: Reading | None, error: str, handler) -> str:
    if reading is None:
        actions.finish_inbound(row, InboundStatus.FAILED, InboundReason.UNPARSEABLE, error)
        return "failed"
    parsed = reading.parsed
    notes = "\n".join(reading.notes)
    verdict = classify(reading, row.pk)
    if verdict is not None:
        if verdict.reports:
            actions.record_delivery_reports(row, verdict.reports)
        actions.finish_inbound(
            row, InboundStatus.IGNORED, verdict.reason, "\n".join(filter(None, [verdict.detail, notes]))
        )
        return "ignored"
    try:
        # A savepoint: a handler that fails halfway leaves nothing of its own behind.
        # Its own audit block too: entries of a handler that failed are dropped with its rows.
        with transaction.atomic(), audit.deferred():
            outcome = handler(replace(parsed, inbound_id=row.pk))
        if outcome not in ("created", "threaded"):
            raise ValueError(f"handler returned {outcome!r}, not 'created' or 'threaded'")
    except DuplicateMessage as duplicate:
        detail = "\n".join(filter(None, [str(duplicate), notes]))
        actions.finish_inbound(row, InboundStatus.IGNORED, InboundReason.DUPLICATE, detail)
        return "ignored"
    except Exception as error:
        log.warning("inbound handler failed for %s: %s", row.message_id, error)
        detail = f"{type(error).__name__}: {error}"
        actions.finish_inbound(
            row, InboundStatus.FAILED, InboundReason.HANDLER_ERROR, "\n".join(filter(None, [detail, notes]))
        )
        return "failed"
    actions.finish_inbound(row, InboundStatus(outcome), InboundReason.NONE, notes)
    return outcome


def retry_failed(*, handler=None, limit: int | None = None) -> Summary:
    """Process quarantined messages again, each in its own transaction (after a fix or a handler bug)."""
    summary = Summary()
    pks = (
        InboundMessage.objects.filter(status=InboundStatus.FAILED).order_by("pk").values_list("pk", flat=True)
    )
    for pk in list(pks[:limit] if limit else pks):
        summary[retry_one(pk, handler=handler)] += 1
    return summary


def retry_one(pk: int, *, handler=None) -> str:
    with transaction.atomic():
        row = InboundMessage.objects.select_for_update().filter(pk=pk, status=InboundStatus.FAILED).first()
        if row is None:
            return "ignored"
        reading, error = _read(bytes(row.raw))
        if reading is not None:
            row.message_id, row.from_address = reading.parsed.message_id, reading.parsed.from_address[:320]
            row.subject = reading.parsed.subject[:500]
            row.save(update_fields=["message_id", "from_address", "subject"])
        return _process(row, reading, error, handler or inbound_handler())


def reprocess(actor, pk: int, *, handler=None) -> str:
    """A staff member's "process again" for one quarantined message, audited with its outcome."""
    outcome = retry_one(pk, handler=handler)
    audit.record(
        actor, AuditAction.UPDATE, "mail.inbound", pk, summary=f"re-processed quarantined mail: {outcome}"
    )
    return outcome
