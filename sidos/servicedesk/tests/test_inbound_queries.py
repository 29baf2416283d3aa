"""Statements per inbound message, so the ingest speed (issue #4, ≥ 200 messages/s) cannot silently regress.

The counts are for a run (`ingest.bulk`, what `sidos mail-ingest` enters) after its first message,
when the queue and SLA policy rows are cached; each statement is listed in the test's comment.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from sidos.customers.models import ContactPoint, TimelineEvent
from sidos.mail import ingest
from sidos.mail.models import InboundMessage, OutboundMessage
from sidos.privacy.models import AuditEntry
from sidos.servicedesk import actions, lookups
from sidos.servicedesk.inbound import handle_message
from sidos.servicedesk.models import EventKind, Queue, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def mail(sender: str, message_id: str, subject: str = "Tilaus 100234", in_reply_to: str = "") -> bytes:
    lines = [
        f"From: Päivi Mäkinen <{sender}>",
        "To: asiakaspalvelu@kauppa.example",
        f"Subject: {subject}",
        "Date: Thu, 28 Nov 2024 09:12:00 +0200",
        f"Message-ID: <{message_id}>",
        *([f"In-Reply-To: <{in_reply_to}>"] if in_reply_to else []),
        "Content-Type: text/plain; charset=utf-8",
        "",
        "Hei, tilaukseni ei ole vielä tullut.",
    ]
    return "\r\n".join(lines).encode()


def statements(raw: bytes) -> tuple[str, list[str]]:
    """The outcome and each statement as its verb, with the table for INSERT and UPDATE."""
    with CaptureQueriesContext(connection) as captured:
        outcome = ingest.ingest_bytes(raw, source="test", handler=handle_message)
    shapes = []
    for query in captured.captured_queries:
        words = query["sql"].split()
        if words[0] == "INSERT":
            shapes.append("INSERT " + words[2].strip('"'))
        elif words[0] == "UPDATE":
            shapes.append("UPDATE " + words[1].strip('"'))
        else:
            shapes.append(words[0])
    return outcome, shapes


def test_a_new_message_from_a_new_customer_takes_22_statements():
    with ingest.bulk(handle_message):
        ingest.ingest_bytes(mail("first@example.fi", "warm-up@example.fi"), source="test")
        outcome, sql = statements(mail("paivi@example.fi", "new-1@example.fi"))
    assert outcome == "created"
    # Was 39 before issue #4's work: the queue, SLA policy, analytics tier, contact-point demotion and
    # get_or_create, three savepoints, three of the four audit INSERTs, an event INSERT and the send task
    # are gone, and (22, was 23) the loop check's look-up among our own Message-IDs for an ID that
    # cannot be one. Three SELECTs: the duplicate check and the customer match (primary address,
    # then contact points); four savepoints: the message's, the handler's, open_ticket's and
    # create_customer's.
    assert sql.count("SELECT") == 3, sql
    assert sql.count("SAVEPOINT") == 4 and sql.count("RELEASE") == 4, sql
    assert [shape for shape in sql if shape.startswith(("INSERT", "UPDATE"))] == [
        "INSERT mail_inboundmessage",
        "INSERT customers_customer",
        "INSERT customers_contactpoint",
        "INSERT customers_timelineevent",
        "INSERT servicedesk_ticket",
        "INSERT servicedesk_ticketmessage",
        "INSERT customers_timelineevent",
        "INSERT mail_outboundmessage",
        "INSERT servicedesk_ticketevent",
        "UPDATE mail_inboundmessage",
        "INSERT privacy_auditentry",
    ]
    assert len(sql) == 22, sql
    ticket = Ticket.objects.get(customer__email="paivi@example.fi")
    # Nothing of what the handler has to write was dropped to get there.
    assert ContactPoint.objects.filter(customer=ticket.customer, value="paivi@example.fi").exists()
    assert set(TimelineEvent.objects.filter(customer=ticket.customer).values_list("kind", flat=True)) == {
        "created",
        "ticket",
    }
    assert list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True)) == [
        EventKind.CREATED,
        EventKind.ACKNOWLEDGED,
    ]
    inbound = InboundMessage.objects.get(message_id="new-1@example.fi")
    outbound = OutboundMessage.objects.get(related=f"servicedesk.ticket:{ticket.pk}")
    audited = set(AuditEntry.objects.values_list("target_type", "target_id"))
    assert {
        ("mail.inbound", str(inbound.pk)),
        ("customer", str(ticket.customer_id)),
        ("ticket", str(ticket.pk)),
        ("mail.outbound", str(outbound.pk)),
    } <= audited


def test_a_reply_takes_14_statements():
    with ingest.bulk(handle_message):
        ingest.ingest_bytes(mail("paivi@example.fi", "first@example.fi"), source="test")
        outcome, sql = statements(
            mail("paivi@example.fi", "reply-1@example.fi", "Re: Tilaus", "first@example.fi")
        )
    assert outcome == "threaded"
    # Was 18: the handler's savepoint and one of the two audit INSERTs are gone; 15 → 14: the loop
    # check skips the outbox look-up for a Message-ID that is not of our shape.
    assert [shape for shape in sql if shape.startswith(("INSERT", "UPDATE"))] == [
        "INSERT mail_inboundmessage",
        "INSERT servicedesk_ticketmessage",
        "INSERT servicedesk_ticketevent",
        "UPDATE mail_inboundmessage",
        "INSERT privacy_auditentry",
    ]
    assert len(sql) == 14, sql
    ticket = Ticket.objects.get()
    assert ticket.messages.count() == 2
    assert AuditEntry.objects.filter(target_type="ticket", target_id=str(ticket.pk)).count() == 2


def test_a_run_enqueues_one_outbox_drain_instead_of_a_task_per_acknowledgement(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True), ingest.bulk(handle_message):
        for number in range(3):
            ingest.ingest_bytes(mail(f"c{number}@example.fi", f"m{number}@example.fi"), source="test")
    assert OutboundMessage.objects.count() == 3
    paths = list(DBTaskResult.objects.values_list("task_path", flat=True))
    assert paths == ["sidos.mail.tasks.send_due_outbound"]


def test_a_single_message_still_gets_its_own_send_task(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ingest.ingest_bytes(mail("paivi@example.fi", "one@example.fi"), source="test")
    job = DBTaskResult.objects.get()
    assert job.task_path == "sidos.mail.tasks.send_outbound"
    assert job.args_kwargs["args"] == [OutboundMessage.objects.get().pk]


def test_a_failing_handler_leaves_no_audit_entries_of_its_own():
    def breaks_halfway(message):
        actions.open_ticket(
            None,
            subject=message.subject,
            body=message.text,
            channel="email",
            email=message.from_address,
            audit_channel="task",
        )
        raise RuntimeError("disk full")

    with ingest.bulk(breaks_halfway):
        assert ingest.ingest_bytes(mail("p@example.fi", "x@example.fi"), handler=breaks_halfway) == "failed"
    assert not Ticket.objects.exists()
    assert list(AuditEntry.objects.values_list("target_type", flat=True)) == ["mail.inbound"]


def test_cached_lookups_last_only_for_the_run():
    first = actions.default_queue()
    with lookups.cached():
        assert actions.default_queue() == first
        Queue.objects.update(is_default=False)
        other = Queue.objects.create(name="Laskutus", is_default=True)
        assert actions.default_queue() == first  # read once per run
    assert actions.default_queue() == other
