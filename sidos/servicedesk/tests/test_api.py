"""/api/v1/tickets: roles, queues, create/read/update/reply, and the documented errors."""

import pytest
from django.contrib.auth.models import Group

from sidos.customers.tests.webhelpers import make_customer
from sidos.privacy.models import AuditEntry
from sidos.servicedesk.models import Channel, MessageKind, Queue, Ticket
from sidos.servicedesk.tests.helpers import make_ticket

pytestmark = pytest.mark.django_db
URL = "/api/v1/tickets"


def test_it_needs_a_token_and_the_role(client, api_client_for, marketer):
    assert client.get(URL).status_code == 401
    assert api_client_for(marketer).get(URL).status_code == 403


def test_the_list_is_paginated_and_filtered_to_visible_queues(api_client_for, agent):
    hidden = Queue.objects.create(name="VIP")
    for number in range(3):
        make_ticket(subject=f"T{number}")
    make_ticket(subject="VIP", queue=hidden)
    body = api_client_for(agent).get(URL, {"limit": 2, "open": "true"}).json()
    assert body["count"] == 3 and len(body["items"]) == 2
    assert body["items"][0]["reference"].startswith("SD-")
    hidden.groups.add(Group.objects.get(name="agent"))
    assert api_client_for(agent).get(URL).json()["count"] == 4


def test_create_read_update_and_reply(api_client_for, agent):
    api = api_client_for(agent)
    customer = make_customer(email="aino@example.fi")
    created = api.post(
        URL,
        {"subject": "Invoice copy", "body": "Please send", "customer_id": customer.pk, "tags": ["Billing"]},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    ticket = created.json()
    assert ticket["channel"] == Channel.API and ticket["customer_id"] == customer.pk
    assert ticket["tags"] == ["billing"]
    patched = api.patch(
        f"{URL}/{ticket['id']}",
        {"priority": "high", "assignee_id": agent.pk},
        content_type="application/json",
    )
    assert patched.json()["priority"] == "high" and patched.json()["assignee"] == "agent"
    replied = api.post(
        f"{URL}/{ticket['id']}/reply",
        {"text": "Sent!", "status": "resolved"},
        content_type="application/json",
    )
    assert replied.status_code == 201 and replied.json()["outbound_status"] == "queued"
    api.post(f"{URL}/{ticket['id']}/notes", {"text": "internal"}, content_type="application/json")
    detail = api.get(f"{URL}/{ticket['id']}").json()
    assert detail["status"] == "resolved"
    assert [m["kind"] for m in detail["messages"]] == [
        MessageKind.INBOUND,
        MessageKind.REPLY,
        MessageKind.NOTE,
    ]
    assert AuditEntry.objects.filter(channel="api", action="view", target_type="ticket").exists()


def test_bad_input_is_a_400_naming_the_field(api_client_for, agent):
    api = api_client_for(agent)
    response = api.post(URL, {"subject": "x", "body": "y"}, content_type="application/json")
    assert response.status_code == 400 and response.json()["field"] == "email"
    ticket = make_ticket()
    wrong = api.patch(f"{URL}/{ticket.pk}", {"queue_id": 999999}, content_type="application/json")
    assert wrong.status_code == 400 and wrong.json()["field"] == "queue_id"
    assert (
        api.patch(f"{URL}/{ticket.pk}", {"status": "lost"}, content_type="application/json").status_code
        == 422
    )
    assert Ticket.objects.count() == 1


def test_a_ticket_in_a_hidden_queue_is_a_404(api_client_for, agent):
    ticket = make_ticket(queue=Queue.objects.create(name="VIP"))
    assert api_client_for(agent).get(f"{URL}/{ticket.pk}").status_code == 404
