import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from sidos.customers import actions
from sidos.customers.models import Consent, ContactPoint, Customer, CustomerAlias, TimelineEvent
from sidos.customers.tests.importhelpers import run_command
from sidos.orders.models import Order
from sidos.privacy.models import AuditEntry

pytestmark = pytest.mark.django_db


def make(agent, **data):
    return actions.create_customer(agent, {"first_name": "Aino", "last_name": "Aalto", **data})


def test_create_normalises_contact_points_and_writes_timeline_and_audit(agent):
    customer = make(agent, email=" Aino@Example.FI", phone="040 123 4567", country="fi")
    assert (customer.email, customer.phone, customer.country) == ("aino@example.fi", "+358401234567", "FI")
    assert set(customer.contact_points.values_list("value", flat=True)) == {
        "aino@example.fi",
        "+358401234567",
    }
    assert customer.timeline.filter(kind="created").exists()
    entry = AuditEntry.objects.get(action="create", customer_id=customer.pk)
    assert entry.actor == agent


def test_create_names_the_field_that_is_wrong(agent):
    with pytest.raises(actions.CustomerError) as raised:
        make(agent, phone="12")
    assert raised.value.field == "phone"


def test_update_returns_and_audits_only_what_changed(agent):
    customer = make(agent, city="Oulu")
    changes = actions.update_customer(agent, customer, {"city": "Kemi", "first_name": "Aino"})
    assert changes == {"city": ["Oulu", "Kemi"]}
    assert AuditEntry.objects.get(action="update").changes == {"city": ["Oulu", "Kemi"]}
    assert actions.update_customer(agent, customer, {"city": "Kemi"}) == {}


def test_a_changed_email_keeps_the_old_address_as_secondary(agent):
    customer = make(agent, email="old@example.fi")
    actions.update_customer(agent, customer, {"email": "new@example.fi"})
    points = dict(customer.contact_points.filter(kind="email").values_list("value", "is_primary"))
    assert points == {"old@example.fi": False, "new@example.fi": True}


def test_a_customer_id_cannot_be_taken_twice(agent):
    make(agent, external_id="A1")
    other = make(agent, external_id="A2")
    with pytest.raises(actions.CustomerError):
        actions.update_customer(agent, other, {"external_id": "A1"})


def test_consent_ledger_appends_only_on_change(agent):
    customer = make(agent)
    for granted in (True, True, False):
        actions.record_consent(
            agent, customer, channel="email", purpose="marketing", granted=granted, source="staff"
        )
    assert list(Consent.objects.order_by("id").values_list("granted", flat=True)) == [True, False]
    customer.refresh_from_db()
    assert customer.marketing_email_consent is False
    assert actions.current_consent(customer, "email", "marketing") is False


def test_consent_state_shows_the_latest_per_channel_and_purpose(agent):
    customer = make(agent)
    earlier = timezone.now() - dt.timedelta(days=3)
    actions.record_consent(
        agent, customer, channel="sms", purpose="marketing", granted=True, source="form", recorded_at=earlier
    )
    actions.record_consent(
        agent, customer, channel="sms", purpose="marketing", granted=False, source="portal"
    )
    actions.record_consent(agent, customer, channel="email", purpose="service", granted=True, source="form")
    state = {(row["channel"], row["purpose"]): row["granted"] for row in actions.consent_state(customer)}
    assert state == {("sms", "marketing"): False, ("email", "service"): True}


def test_duplicates_are_found_by_email_and_phone(agent):
    first = make(agent, email="aino@example.fi")
    by_email = make(agent, email="AINO@example.fi")
    by_phone = make(agent, phone="+358401234567")
    make(agent, email="someone@example.fi")
    actions.update_customer(agent, first, {"phone": "040 123 4567"})
    assert {c.pk for c in actions.find_duplicates(first)} == {by_email.pk, by_phone.pk}


def test_merge_moves_every_related_record_and_leaves_an_audit_trail(agent):
    keep = make(agent, external_id="K", email="k@example.fi", tags=["vip"])
    duplicate = make(
        agent, external_id="D", email="d@example.fi", phone="0401234567", city="Turku", tags=["b2c"]
    )
    actions.record_consent(
        agent, duplicate, channel="email", purpose="marketing", granted=True, source="form"
    )
    Order.objects.create(customer=duplicate, external_id="O1", ordered_at=timezone.now(), amount=Decimal("5"))
    kept = actions.merge_customers(agent, keep, duplicate)
    assert not Customer.objects.filter(pk=duplicate.pk).exists()
    assert Order.objects.get().customer == kept
    assert Consent.objects.get().customer == kept
    assert (kept.city, kept.phone, kept.email) == ("Turku", "+358401234567", "k@example.fi")
    assert kept.tags == ["b2c", "vip"]
    assert set(kept.contact_points.values_list("value", "is_primary")) == {
        ("k@example.fi", True),
        ("d@example.fi", False),
        ("+358401234567", True),
    }
    assert kept.timeline.filter(kind="merged").exists()
    assert TimelineEvent.objects.filter(customer=kept, kind="created").count() == 2
    assert AuditEntry.objects.filter(action="merge", customer_id=duplicate.pk).exists()
    assert AuditEntry.objects.get(action="merge", customer_id=kept.pk).changes["moved"]["orders.order"] == 1


def test_after_a_merge_reimporting_the_duplicates_id_updates_the_kept_customer(agent, csv_file):
    keep = make(agent, external_id="K")
    duplicate = make(agent, external_id="D")
    actions.merge_customers(agent, keep, duplicate)
    assert CustomerAlias.objects.get().external_id == "D"
    status, summary, _out = run_command("import-customers", str(csv_file("customer_id,city\nD,Pori\n")))
    assert (summary["created"], summary["updated"]) == (0, 1)
    keep.refresh_from_db()
    assert keep.city == "Pori"
    orders = "order_id,customer_id,ordered_at,amount\nO9,D,2024-01-01,1\n"
    run_command("import-orders", str(csv_file(orders, name="o.csv")))
    assert Order.objects.get().customer == keep


def test_a_customer_cannot_be_merged_with_itself(agent):
    customer = make(agent)
    with pytest.raises(actions.CustomerError):
        actions.merge_customers(agent, customer, customer)


def test_contact_points_shared_by_both_are_not_doubled(agent):
    keep = make(agent, email="same@example.fi")
    duplicate = make(agent, email="same@example.fi")
    actions.merge_customers(agent, keep, duplicate)
    assert ContactPoint.objects.filter(value="same@example.fi").count() == 1
