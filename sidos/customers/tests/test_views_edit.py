import pytest
from django.urls import reverse

from sidos.customers.models import Consent, Customer, TimelineEvent
from sidos.customers.tests.webhelpers import make_customer
from sidos.privacy.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db


def form_data(customer, **changes) -> dict:
    data = {
        "kind": customer.kind,
        "external_id": customer.external_id or "",
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "name": customer.name,
        "email": customer.email,
        "phone": customer.phone,
        "street": customer.street,
        "postal_code": customer.postal_code,
        "city": customer.city,
        "country": customer.country,
        "language": customer.language,
        "birth_date": "",
        "stage": customer.stage,
        "tags": ", ".join(customer.tags),
        "attributes": "",
    }
    return {**data, **changes}


def test_it_prefills_the_edit_form(agent_client):
    customer = make_customer(city="Oulu", tags=["vip", "b2c"], attributes={"size": "M"})
    form = agent_client.get(reverse("customers:edit", args=[customer.pk])).context["form"]
    assert form["city"].value() == "Oulu"
    assert form["tags"].value() == "b2c, vip"
    assert form["attributes"].value() == "size = M"


def test_it_saves_an_edit_through_update_customer(agent_client, agent):
    customer = make_customer()
    response = agent_client.post(
        reverse("customers:edit", args=[customer.pk]),
        form_data(customer, city="Turku", tags="Gold, vip", attributes="size = L"),
    )
    assert response.status_code == 302 and response["Location"] == customer.get_absolute_url()
    customer.refresh_from_db()
    assert (customer.city, customer.tags, customer.attributes) == ("Turku", ["gold", "vip"], {"size": "L"})
    assert TimelineEvent.objects.filter(customer=customer, kind="updated", actor=agent).exists()
    assert AuditEntry.objects.filter(action=AuditAction.UPDATE, actor=agent, customer_id=customer.pk).exists()


def test_it_shows_an_action_error_on_the_named_field(agent_client):
    customer = make_customer()
    response = agent_client.post(
        reverse("customers:edit", args=[customer.pk]), form_data(customer, phone="not a phone")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["phone"]
    customer.refresh_from_db()
    assert customer.phone == ""


def test_it_refuses_a_customer_id_that_belongs_to_another_customer(agent_client):
    make_customer(external_id="C-1")
    customer = make_customer(first_name="Other")
    response = agent_client.post(
        reverse("customers:edit", args=[customer.pk]), form_data(customer, external_id="C-1")
    )
    assert "external_id" in response.context["form"].errors


def test_it_creates_a_customer(agent_client, agent):
    response = agent_client.post(
        reverse("customers:create"),
        {
            "kind": "person",
            "first_name": "Liisa",
            "last_name": "Laine",
            "email": "Liisa@Example.FI",
            "country": "fi",
            "tags": "",
            "attributes": "",
        },
    )
    customer = Customer.objects.get(first_name="Liisa")
    assert response["Location"] == customer.get_absolute_url()
    assert (customer.email, customer.country) == ("liisa@example.fi", "FI")
    assert AuditEntry.objects.filter(action=AuditAction.CREATE, actor=agent, customer_id=customer.pk).exists()


def test_it_will_not_create_a_customer_with_nothing_to_know_them_by(agent_client):
    response = agent_client.post(reverse("customers:create"), {"kind": "person"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Customer.objects.exists()


def test_it_records_a_consent_change_in_the_ledger(agent_client, agent):
    customer = make_customer()
    response = agent_client.post(
        reverse("customers:consent", args=[customer.pk]),
        {"channel": "email", "purpose": "marketing", "granted": "yes", "note": "asked"},
    )
    assert response.status_code == 302
    consent = Consent.objects.get(customer=customer)
    assert (consent.granted, consent.source, consent.recorded_by, consent.note) == (
        True,
        "staff:agent",
        agent,
        "asked",
    )
    customer.refresh_from_db()
    assert customer.marketing_email_consent is True


def test_it_records_a_withdrawal_after_a_grant(agent_client):
    customer = make_customer()
    url = reverse("customers:consent", args=[customer.pk])
    agent_client.post(url, {"channel": "sms", "purpose": "surveys", "granted": "yes"})
    agent_client.post(url, {"channel": "sms", "purpose": "surveys", "granted": "no"})
    assert list(Consent.objects.order_by("id").values_list("granted", flat=True)) == [True, False]


def test_it_records_nothing_when_the_consent_is_already_in_that_state(agent_client):
    customer = make_customer()
    url = reverse("customers:consent", args=[customer.pk])
    agent_client.post(url, {"channel": "sms", "purpose": "surveys", "granted": "no"})
    response = agent_client.post(url, {"channel": "sms", "purpose": "surveys", "granted": "no"}, follow=True)
    assert Consent.objects.count() == 1
    assert "already in that state" in response.content.decode()
