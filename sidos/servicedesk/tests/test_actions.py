"""The one write path: customer matching, events, audit, timeline, replies, notes, merge, bulk."""

import pytest

from sidos.customers.models import Customer
from sidos.customers.tests.webhelpers import make_customer, make_order
from sidos.mail.models import OutboundMessage
from sidos.privacy.models import AuditEntry
from sidos.servicedesk import actions
from sidos.servicedesk.models import Channel, EventKind, MessageKind, Priority, Status, Ticket
from sidos.servicedesk.tests.helpers import make_ticket

pytestmark = pytest.mark.django_db


def test_it_links_the_ticket_to_the_customer_with_that_address():
    aino = make_customer(email="aino@example.fi")
    ticket = make_ticket(email="AINO@example.fi ")
    assert ticket.customer == aino
    assert ticket.reference == f"SD-{ticket.pk:06d}"


def test_it_matches_an_earlier_address_and_a_phone_number():
    aino = make_customer(email="old@example.fi")
    actions_customer = make_customer(first_name="Eino", email="eino@example.fi", phone="040 123 4567")
    from sidos.customers.actions import update_customer

    update_customer(None, aino, {"email": "new@example.fi"})
    assert make_ticket(email="old@example.fi").customer == aino
    phone_ticket = make_ticket(email="", phone="+358401234567", channel=Channel.PHONE)
    assert phone_ticket.customer == actions_customer


def test_an_unknown_sender_becomes_a_minimal_customer():
    ticket = make_ticket(email="new.person@example.fi", name="Uusi Asiakas")
    customer = Customer.objects.get(email="new.person@example.fi")
    assert ticket.customer == customer
    assert (customer.first_name, customer.last_name) == ("Uusi", "Asiakas")


def test_a_ticket_without_any_contact_is_refused_naming_the_field():
    with pytest.raises(actions.TicketError) as error:
        make_ticket(email="", phone="")
    assert error.value.field == "email"
    assert not Ticket.objects.exists()


def test_a_bad_address_is_refused_and_nothing_is_written():
    with pytest.raises(actions.TicketError, match="e-mail"):
        make_ticket(email="not an address")
    assert not Customer.objects.exists()


def test_opening_records_the_event_the_timeline_the_audit_and_sends_an_acknowledgement():
    ticket = make_ticket()
    assert list(ticket.events.values_list("kind", flat=True)) == [EventKind.CREATED, EventKind.ACKNOWLEDGED]
    event = ticket.customer.timeline.get(kind="ticket")
    assert ticket.reference in event.title and event.ref_id == ticket.pk
    assert AuditEntry.objects.filter(target_type="ticket", target_id=str(ticket.pk), action="create").exists()
    ack = OutboundMessage.objects.get(related=f"servicedesk.ticket:{ticket.pk}")
    assert ack.to == ["aino@example.fi"]
    assert ticket.reference in ack.subject and ticket.reference in ack.text
    assert ack.headers["Auto-Submitted"] == "auto-replied"


def test_the_acknowledgement_can_be_switched_off(settings):
    settings.SIDOS_SERVICEDESK_ACKNOWLEDGE = False
    make_ticket()
    assert not OutboundMessage.objects.exists()


def test_a_reply_threads_on_the_customers_message_and_carries_the_reference():
    ticket = make_ticket(message_id="first@mail.example.fi")
    message = actions.reply(None, ticket, "Hello, it is on its way.")
    out = message.outbound
    assert out.in_reply_to == "first@mail.example.fi"
    assert "first@mail.example.fi" in out.references
    assert f"[{ticket.reference}]" in out.subject
    assert message.message_id == out.message_id
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.first_responded_at is not None


def test_internal_notes_never_reach_the_customer():
    ticket = make_ticket()
    actions.add_note(None, ticket, "Customer is known to exaggerate. SECRET-NOTE")
    actions.reply(None, ticket, "We are on it.")
    actions.update_ticket(None, ticket, {"status": Status.RESOLVED})
    assert ticket.messages.filter(kind=MessageKind.NOTE).count() == 1
    for mail in OutboundMessage.objects.all():
        assert "SECRET-NOTE" not in mail.text


def test_resolving_asks_for_a_rating_and_reopening_clears_the_resolution():
    ticket = make_ticket()
    actions.update_ticket(None, ticket, {"status": Status.RESOLVED})
    ticket.refresh_from_db()
    assert not ticket.is_open and ticket.resolved_at is not None
    csat_mail = OutboundMessage.objects.get(purpose="csat")
    assert "/help/rate/" in csat_mail.text
    actions.update_ticket(None, ticket, {"status": Status.OPEN})
    ticket.refresh_from_db()
    assert ticket.is_open and ticket.resolved_at is None


def test_update_records_one_event_per_change_and_audits_the_changes(agent):
    ticket = make_ticket()
    done = actions.update_ticket(
        agent, ticket, {"priority": Priority.HIGH, "assignee": agent, "tags": ["Vip", " delivery "]}
    )
    assert set(done) == {"priority", "assignee", "tags"}
    ticket.refresh_from_db()
    assert ticket.tags == ["delivery", "vip"]
    kinds = set(ticket.events.values_list("kind", flat=True))
    assert {EventKind.PRIORITY, EventKind.ASSIGNED, EventKind.TAGS} <= kinds
    entry = AuditEntry.objects.filter(target_type="ticket", action="update").latest("id")
    assert entry.actor == agent and "priority" in entry.changes


def test_update_refuses_an_unknown_status_and_an_assignee_who_cannot_work_tickets(marketer):
    ticket = make_ticket()
    with pytest.raises(actions.TicketError) as error:
        actions.update_ticket(None, ticket, {"status": "lost"})
    assert error.value.field == "status"
    with pytest.raises(actions.TicketError, match="cannot work on tickets"):
        actions.update_ticket(None, ticket, {"assignee": marketer})


def test_an_order_of_another_customer_is_refused():
    ticket = make_ticket()
    other = make_customer(first_name="Eino", email="eino@example.fi")
    with pytest.raises(actions.TicketError) as error:
        actions.update_ticket(None, ticket, {"order": make_order(other, "O-1")})
    assert error.value.field == "order"
    own = make_order(ticket.customer, "O-2")
    actions.update_ticket(None, ticket, {"order": own})
    ticket.refresh_from_db()
    assert ticket.order == own


def test_merge_moves_the_thread_and_closes_the_duplicate_without_a_rating_request():
    keep = make_ticket(subject="Broken lamp")
    duplicate = make_ticket(subject="Broken lamp again", tags=["lamp"])
    OutboundMessage.objects.all().delete()
    actions.merge_tickets(None, keep, duplicate)
    duplicate.refresh_from_db()
    keep.refresh_from_db()
    assert duplicate.merged_into == keep and duplicate.status == Status.CLOSED
    assert keep.messages.count() == 2 and not duplicate.messages.exists()
    assert keep.tags == ["lamp"]
    assert not OutboundMessage.objects.filter(purpose="csat").exists()
    with pytest.raises(actions.TicketError):
        actions.merge_tickets(None, keep, keep)


def test_bulk_update_changes_each_ticket_through_the_same_path():
    tickets = [make_ticket(subject=f"T{n}") for n in range(3)]
    assert actions.bulk_update(None, tickets, {"priority": Priority.URGENT}) == 3
    assert set(Ticket.objects.values_list("priority", flat=True)) == {Priority.URGENT}
    assert all(t.events.filter(kind=EventKind.PRIORITY).count() == 1 for t in tickets)


def test_canned_placeholders_use_the_customers_name():
    ticket = make_ticket(name="Aino Aalto")
    text = actions.fill_placeholders("Hei {first_name}, viite {reference}. {unknown}", ticket)
    assert text == f"Hei Aino, viite {ticket.reference}. {{unknown}}"


def test_a_rating_is_recorded_on_the_ticket_and_the_timeline_once_and_can_be_changed():
    ticket = make_ticket()
    actions.record_csat(ticket, 2)
    actions.record_csat(ticket, 5, "Quick help")
    actions.record_csat(ticket, 4)
    ticket.refresh_from_db()
    assert (ticket.csat.score, ticket.csat.comment) == (4, "Quick help")
    assert ticket.customer.timeline.filter(title__startswith="Rated").count() == 1
    with pytest.raises(actions.TicketError):
        actions.record_csat(ticket, 6)


def test_without_any_queue_a_default_one_for_agents_is_made():
    from sidos.servicedesk.models import Queue

    Queue.objects.all().delete()
    ticket = make_ticket()
    assert ticket.queue.is_default
    assert list(ticket.queue.groups.values_list("name", flat=True)) == ["agent"]
