import json

import pytest
from django.urls import reverse

from sidos.customers.actions import record_consent
from sidos.customers.tests.webhelpers import make_customer, make_order
from sidos.privacy.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db


def detail(customer) -> str:
    return reverse("customers:detail", args=[customer.pk])


def test_it_writes_an_audit_entry_when_staff_view_a_customer(agent_client, agent):
    customer = make_customer()
    agent_client.get(detail(customer))
    entry = AuditEntry.objects.get(action=AuditAction.VIEW)
    assert (entry.actor, entry.target_type, entry.target_id, entry.customer_id) == (
        agent,
        "customer",
        str(customer.pk),
        customer.pk,
    )


def test_it_shows_the_profile_and_contact_points(agent_client):
    customer = make_customer(
        email="aino@example.fi",
        phone="040 123 4567",
        city="Tampere",
        tags=["vip"],
        attributes={"shoe_size": "38"},
    )
    page = agent_client.get(detail(customer)).content.decode()
    for text in ("Aino Virtanen", "aino@example.fi", "+358401234567", "Tampere", "vip", "shoe_size", "38"):
        assert text in page


def test_it_shows_the_current_consent_and_its_history(agent_client, agent):
    customer = make_customer()
    record_consent(agent, customer, channel="sms", purpose="marketing", granted=True, source="shop form")
    record_consent(agent, customer, channel="sms", purpose="marketing", granted=False, source="phone call")
    response = agent_client.get(detail(customer))
    sms = next(row for row in response.context["consents"] if row["channel"] == "sms")
    assert sms["cells"][0]["granted"] is False
    page = response.content.decode()
    assert "shop form" in page and "phone call" in page


def test_it_shows_latest_orders_with_count_and_total(agent_client):
    customer = make_customer()
    for number in range(55):
        make_order(customer, f"O-{number}", amount="2.50", days_ago=number)
    response = agent_client.get(detail(customer))
    assert response.context["order_count"] == 55
    assert [row["total"] for row in response.context["order_totals"]] == [pytest.approx(137.5)]
    assert len(response.context["orders"]) == 50
    assert response.context["orders"][0].external_id == "O-0"
    assert "Showing the latest 50 of 55 orders." in response.content.decode()


def test_it_shows_the_timeline(agent_client):
    customer = make_customer()
    page = agent_client.get(detail(customer)).content.decode()
    assert "Customer created (test)" in page


def test_it_shows_possible_duplicates_with_a_merge_link(agent_client):
    customer = make_customer(email="same@example.com")
    other = make_customer(first_name="Aini", email="same@example.com")
    make_customer(first_name="Stranger", email="else@example.com")
    response = agent_client.get(detail(customer))
    assert response.context["duplicates"] == [other]
    assert reverse("customers:merge", args=[customer.pk, other.pk]) in response.content.decode()


def test_it_answers_404_for_a_missing_customer(agent_client):
    assert agent_client.get(reverse("customers:detail", args=[999])).status_code == 404


def test_it_downloads_the_customers_data_as_json(client, marketer):
    client.force_login(marketer)
    customer = make_customer(email="aino@example.fi")
    make_order(customer, "O-1", amount="12.00")
    response = client.get(reverse("customers:export", args=[customer.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith(f'attachment; filename="customer-{customer.pk}-')
    document = json.loads(response.content)
    assert document["profile"]["email"] == "aino@example.fi"
    assert document["orders"][0]["amount"] == "12.00"


def test_it_audits_the_json_download_as_an_export(client, marketer):
    client.force_login(marketer)
    customer = make_customer()
    client.get(reverse("customers:export", args=[customer.pk]))
    entry = AuditEntry.objects.get(action=AuditAction.EXPORT)
    assert (entry.actor, entry.customer_id) == (marketer, customer.pk)


def test_it_shows_value_and_churn_risk_once_analytics_have_run(agent_client):
    from django.utils import timezone

    from sidos.analytics.actions import recompute

    customer = make_customer()
    other = make_customer(email="other@example.fi")
    for days_ago in (400, 300, 200, 100):
        make_order(customer, f"O{days_ago}", days_ago=days_ago)
    make_order(other, "O-other", days_ago=30)
    assert "Not scored yet" in agent_client.get(detail(customer)).content.decode()
    recompute(as_of=timezone.localdate())
    page = agent_client.get(detail(customer)).content.decode()
    assert "Churn risk" in page and "Lifetime value" in page
    assert "Not scored yet" not in page
