"""The customer corrects contact details in the portal; a new e-mail address counts once its owner
confirms it from the link mailed to it (read here from a real SMTP server on loopback)."""

import datetime as dt
import email
import email.policy
import re

import pytest
from django.urls import reverse
from freezegun import freeze_time

from sidos.customers.models import ContactPoint, Customer, TimelineEvent
from sidos.mail.tasks import send_due
from sidos.privacy.models import AuditEntry
from sidos.privacy.tests.portalhelpers import make_person, portal_client

pytestmark = pytest.mark.django_db
VERIFY = re.compile(r"http://testserver(/portal/verify/\S+/)")


@pytest.fixture(autouse=True)
def quick_answers(settings):
    settings.SIDOS_PORTAL_ANSWER_SECONDS = 0.0
    settings.SIDOS_PUBLIC_URL = "http://testserver"


@pytest.fixture
def aino(db):
    return make_person("Aino", "Aalto", "aino@example.fi", "A")


def form(customer, **changes):
    data = {name: getattr(customer, name) for name in ("first_name", "last_name", "email", "street", "city")}
    return {**data, "phone": "040 123 4567", "postal_code": "", **changes}


def mailed_link(server, to: str) -> str:
    for received in server.received:
        if received["to"] == [to]:
            message = email.message_from_bytes(received["content"], policy=email.policy.default)
            found = VERIFY.search(message.get_body(("plain",)).get_content())
            if found:  # not a ticket reply to the same address
                return found.group(1)
    raise AssertionError(f"no mail to {to}: {[r['to'] for r in server.received]}")


def test_a_new_address_is_used_only_after_its_owner_confirms_it(aino, smtp_server):
    client = portal_client("aino@example.fi")
    response = client.post(reverse("portal:contact"), form(aino, email="aino.new@example.fi"))
    assert response.status_code == 200 and b"We sent a link" in response.content
    aino.refresh_from_db()
    assert aino.email == "aino@example.fi"  # not yet

    send_due()
    path = mailed_link(smtp_server, "aino.new@example.fi")
    assert b"aino.new@example.fi" in client.get(path).content  # GET only asks to confirm
    aino.refresh_from_db()
    assert aino.email == "aino@example.fi"
    assert client.post(path).status_code == 200
    aino.refresh_from_db()
    assert aino.email == "aino.new@example.fi"
    # The old address stays a contact point, so mail from it still finds the customer.
    assert ContactPoint.objects.filter(customer=aino, value="aino@example.fi").exists()
    assert TimelineEvent.objects.filter(customer=aino, title__contains="email").exists()
    entry = AuditEntry.objects.filter(customer_id=aino.pk, channel="portal", summary="changed email").get()
    assert entry.changes == {"email": ["aino@example.fi", "aino.new@example.fi"]}
    assert entry.actor_label == f"customer #{aino.pk} (portal)"
    # The link worked once.
    assert client.post(path).status_code == 410


def test_the_link_expires(aino, smtp_server, settings):
    settings.SIDOS_PORTAL_VERIFY_HOURS = 24
    client = portal_client("aino@example.fi")
    client.post(reverse("portal:contact"), form(aino, email="aino.new@example.fi"))
    send_due()
    path = mailed_link(smtp_server, "aino.new@example.fi")
    with freeze_time(dt.datetime.now(dt.UTC) + dt.timedelta(hours=25)):
        assert client.post(path).status_code == 410
    aino.refresh_from_db()
    assert aino.email == "aino@example.fi"


def test_a_tampered_link_does_nothing(aino, smtp_server):
    client = portal_client("aino@example.fi")
    client.post(reverse("portal:contact"), form(aino, email="aino.new@example.fi"))
    send_due()
    path = mailed_link(smtp_server, "aino.new@example.fi")
    assert client.post(path[:-3] + "xx/").status_code == 410
    aino.refresh_from_db()
    assert aino.email == "aino@example.fi"


def test_other_details_change_at_once_and_are_audited(aino):
    client = portal_client("aino@example.fi")
    response = client.post(reverse("portal:contact"), form(aino, street="Uusikatu 5", phone="050 999 8888"))
    assert b"Your details are updated" in response.content
    aino.refresh_from_db()
    assert (aino.street, aino.phone) == ("Uusikatu 5", "+358509998888")
    entry = AuditEntry.objects.filter(customer_id=aino.pk, channel="portal", action="update").latest("pk")
    assert set(entry.changes) == {"phone", "street"}


def test_a_bad_phone_is_refused_naming_the_field(aino):
    client = portal_client("aino@example.fi")
    response = client.post(reverse("portal:contact"), form(aino, phone="not a number"))
    assert response.status_code == 400 and b"not a number" in response.content
    assert Customer.objects.get(pk=aino.pk).phone == "+358401234567"


def test_an_address_of_another_customer_is_not_taken_over(aino, smtp_server):
    bertta = make_person("Bertta", "Berg", "bertta@example.fi", "B")
    client = portal_client("aino@example.fi")
    client.post(reverse("portal:contact"), form(aino, email="bertta@example.fi"))
    send_due()
    response = client.post(mailed_link(smtp_server, "bertta@example.fi"))
    assert response.status_code == 409
    aino.refresh_from_db()
    assert aino.email == "aino@example.fi"
    assert Customer.objects.get(pk=bertta.pk).email == "bertta@example.fi"
