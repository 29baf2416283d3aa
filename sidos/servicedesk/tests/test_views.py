"""Staff pages: who sees which queue, what the pages show, the forms they post, and the query counts."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sidos.conftest import _logged_in
from sidos.mail.models import OutboundMessage
from sidos.privacy.models import AuditEntry
from sidos.servicedesk import actions
from sidos.servicedesk.models import CannedResponse, MessageKind, Priority, Queue, Status, Ticket
from sidos.servicedesk.tests.helpers import make_ticket

pytestmark = pytest.mark.django_db
LIST = reverse("servicedesk:list")


@pytest.fixture
def vip_queue(db):
    """A queue no role is given: only admins see it."""
    return Queue.objects.create(name="VIP")


def test_the_list_needs_a_login_and_the_permission(client, outsider_client, marketer):
    assert client.get(LIST).status_code == 302
    assert outsider_client.get(LIST).status_code == 403
    assert _logged_in(marketer).get(LIST).status_code == 403


def test_agents_see_only_their_roles_queues(agent_client, admin_client, vip_queue):
    general = make_ticket(subject="General question")
    secret = make_ticket(subject="VIP question", queue=vip_queue)
    page = agent_client.get(LIST).content.decode()
    assert general.subject in page and secret.subject not in page
    assert agent_client.get(reverse("servicedesk:ticket", args=[secret.pk])).status_code == 404
    assert agent_client.post(reverse("servicedesk:reply", args=[secret.pk]), {"text": "x"}).status_code == 404
    assert secret.subject in admin_client.get(LIST).content.decode()


def test_a_queue_given_to_a_role_becomes_visible_to_it(agent_client, vip_queue):
    ticket = make_ticket(subject="VIP question", queue=vip_queue)
    vip_queue.groups.add(Group.objects.get(name="agent"))
    assert agent_client.get(reverse("servicedesk:ticket", args=[ticket.pk])).status_code == 200


def test_the_default_view_lists_open_tickets_by_deadline_with_a_countdown(agent_client):
    later = make_ticket(subject="Later one")
    sooner = make_ticket(subject="Sooner one", priority=Priority.URGENT)
    from sidos.servicedesk.models import SlaPolicy

    SlaPolicy.objects.create(name="Urgent", priority=Priority.URGENT, first_response_minutes=30)
    actions.update_ticket(None, sooner, {"priority": Priority.HIGH})
    actions.update_ticket(None, sooner, {"priority": Priority.URGENT})
    done = make_ticket(subject="Done one")
    actions.update_ticket(None, done, {"status": Status.RESOLVED})
    page = agent_client.get(LIST).content.decode()
    assert "Done one" not in page
    assert page.index("Sooner one") < page.index("Later one")
    assert "min left" in page and later.reference in page


def test_the_list_runs_a_fixed_number_of_queries_however_many_tickets(agent_client):
    for number in range(3):
        make_ticket(subject=f"T{number}", email=f"c{number}@example.fi")
    with CaptureQueriesContext(connection) as few:
        agent_client.get(LIST)
    for number in range(3, 30):
        make_ticket(subject=f"T{number}", email=f"c{number}@example.fi")
    with CaptureQueriesContext(connection) as many:
        response = agent_client.get(LIST)
    assert response.content.decode().count('data-ticket="SD-') == 30
    assert len(many) == len(few)


def test_the_ticket_page_shows_the_thread_and_notes_to_staff_and_audits_the_view(agent_client, agent):
    ticket = make_ticket(body="My lamp is broken <script>alert(1)</script>")
    actions.add_note(agent, ticket, "Check the warehouse")
    response = agent_client.get(reverse("servicedesk:ticket", args=[ticket.pk]))
    page = response.content.decode()
    assert "Check the warehouse" in page and "Internal note" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    entry = AuditEntry.objects.filter(action="view", target_type="ticket").get()
    assert entry.actor == agent and entry.customer_id == ticket.customer_id


def test_the_ticket_page_offers_canned_responses_filled_for_this_customer(agent_client):
    CannedResponse.objects.create(title="Thanks", body="Hello {first_name}, thanks for {reference}.")
    ticket = make_ticket(name="Aino Aalto")
    page = agent_client.get(reverse("servicedesk:ticket", args=[ticket.pk])).content.decode()
    assert f"Hello Aino, thanks for {ticket.reference}." in page


def test_replying_from_the_page_queues_the_mail_and_shows_its_status(agent_client, agent):
    ticket = make_ticket()
    url = reverse("servicedesk:reply", args=[ticket.pk])
    response = agent_client.post(url, {"text": "It ships today.", "status": Status.WAITING})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING
    reply = ticket.messages.get(kind=MessageKind.REPLY)
    assert reply.author == agent and reply.outbound.status == "queued"
    page = agent_client.get(reverse("servicedesk:ticket", args=[ticket.pk])).content.decode()
    assert 'data-outbound="queued"' in page
    assert AuditEntry.objects.filter(actor=agent, summary__contains="replied").exists()


def test_an_empty_reply_is_refused_with_a_message(agent_client):
    ticket = make_ticket()
    response = agent_client.post(reverse("servicedesk:reply", args=[ticket.pk]), {"text": ""}, follow=True)
    assert "This field is required" in response.content.decode()
    assert not ticket.messages.filter(kind=MessageKind.REPLY).exists()


def test_the_update_form_changes_status_priority_assignee_and_order(agent_client, agent):
    from sidos.customers.tests.webhelpers import make_customer, make_order

    ticket = make_ticket()
    order = make_order(ticket.customer, "O-7")
    foreign = make_order(make_customer(first_name="Eino", email="eino@example.fi"), "O-8")
    queue = Queue.objects.get(name="General")
    data = {
        "status": Status.OPEN,
        "priority": Priority.HIGH,
        "ticket_type": "complaint",
        "queue": queue.pk,
        "assignee": agent.pk,
        "tags": "vip, lamp",
        "order": order.pk,
    }
    agent_client.post(reverse("servicedesk:update", args=[ticket.pk]), data)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority, ticket.assignee, ticket.tags) == (
        "open",
        "high",
        agent,
        ["lamp", "vip"],
    )
    assert ticket.ticket_type == "complaint"
    assert ticket.order == order
    agent_client.post(reverse("servicedesk:update", args=[ticket.pk]), {**data, "order": foreign.pk})
    ticket.refresh_from_db()
    assert ticket.order == order  # another customer's order is not a choice


def test_bulk_actions_change_only_visible_tickets(agent_client, agent, vip_queue):
    mine = [make_ticket(subject=f"Mine {n}") for n in range(2)]
    hidden = make_ticket(subject="Hidden", queue=vip_queue)
    data = {"tickets": [t.pk for t in mine], "priority": Priority.URGENT, "assignee": str(agent.pk)}
    agent_client.post(reverse("servicedesk:bulk"), data)
    assert set(Ticket.objects.filter(pk__in=[t.pk for t in mine]).values_list("priority", flat=True)) == {
        "urgent"
    }
    response = agent_client.post(reverse("servicedesk:bulk"), {"tickets": [hidden.pk], "priority": "low"})
    assert response.status_code == 302
    hidden.refresh_from_db()
    assert hidden.priority == Priority.NORMAL


def test_merge_from_the_page_by_reference(agent_client):
    keep, duplicate = make_ticket(), make_ticket()
    agent_client.post(reverse("servicedesk:merge", args=[keep.pk]), {"duplicate": duplicate.reference})
    duplicate.refresh_from_db()
    assert duplicate.merged_into == keep


def test_a_phone_note_ticket_from_the_staff_form(agent_client):
    queue = Queue.objects.get(name="General")
    data = {
        "subject": "Called about invoice",
        "body": "Wants a copy.",
        "channel": "phone",
        "ticket_type": "information_request",
        "priority": "normal",
        "queue": queue.pk,
        "name": "Eino Leino",
        "phone": "040 765 4321",
    }
    response = agent_client.post(reverse("servicedesk:create"), data)
    ticket = Ticket.objects.get()
    assert response.url == ticket.get_absolute_url()
    assert ticket.customer.phone == "+358407654321" and ticket.channel == "phone"
    assert not OutboundMessage.objects.exists()


def test_canned_responses_are_managed_by_agents(agent_client, agent):
    agent_client.post(reverse("servicedesk:canned"), {"title": "Hi", "body": "Hello {first_name}"})
    canned = CannedResponse.objects.get()
    assert canned.created_by == agent
    agent_client.post(reverse("servicedesk:canned_edit", args=[canned.pk]), {"title": "Hi!", "body": "Hey"})
    canned.refresh_from_db()
    assert canned.title == "Hi!"
    agent_client.post(reverse("servicedesk:canned_edit", args=[canned.pk]), {"delete": "1"})
    assert not CannedResponse.objects.exists()


def test_reports_show_sla_attainment_and_csat_by_queue(admin_client, agent_client):
    on_time = make_ticket()
    actions.reply(None, on_time, "Answer")
    late = make_ticket()
    late.first_response_breached = True
    late.save()
    actions.record_csat(on_time, 5)
    actions.record_csat(late, 2)
    page = admin_client.get(reverse("servicedesk:reports")).content.decode()
    assert "General" in page and "50.0" in page  # one of two first responses in time; CSAT 50 % satisfied
    assert "3.5" in page  # average rating
    assert agent_client.get(reverse("servicedesk:reports")).status_code == 200


def test_the_pages_are_in_finnish_too(agent_client):
    make_ticket()
    page = agent_client.get(LIST, HTTP_ACCEPT_LANGUAGE="fi").content.decode()
    assert "Tiketit" in page


def test_the_status_filter_shows_closed_tickets_newest_first(agent_client):
    older = make_ticket(subject="Older done")
    newer = make_ticket(subject="Newer done")
    for ticket in (older, newer):
        actions.update_ticket(None, ticket, {"status": Status.RESOLVED})
    make_ticket(subject="Still open")
    page = agent_client.get(LIST, {"status": "resolved"}).content.decode()
    assert "Still open" not in page and page.index("Newer done") < page.index("Older done")
    assert "Still open" in agent_client.get(LIST, {"status": "all"}).content.decode()
    assert "Older done" in agent_client.get(LIST, {"q": older.reference}).content.decode()
