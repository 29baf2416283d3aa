import re
import time

import pytest
from django.core import signing
from django.test import Client

from sidos.campaigns import actions, tokens
from sidos.campaigns.models import Delivery, DeliveryStatus, Suppression, SuppressionReason, TrackingEvent
from sidos.campaigns.tests.helpers import bulk_customers, make_campaign
from sidos.customers.actions import current_consent
from sidos.customers.models import Consent, Customer, TimelineEvent
from sidos.mail.models import DeliveryReport, InboundMessage, OutboundMessage
from sidos.privacy.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivery(settings):
    settings.SIDOS_PUBLIC_URL = "http://testserver"
    bulk_customers(1)
    campaign = make_campaign()
    actions.prepare_audience(campaign)
    row = Delivery.objects.select_related("customer", "campaign").get()
    Delivery.objects.filter(pk=row.pk).update(status=DeliveryStatus.SENT, message_id="abc@sidos")
    row.refresh_from_db()
    return row


def unsubscribe_url(delivery) -> str:
    return "/c/u/" + tokens.delivery_token(delivery.pk, tokens.UNSUBSCRIBE) + "/"


def test_opening_the_unsubscribe_link_changes_nothing(delivery):
    response = Client().get(unsubscribe_url(delivery))
    assert response.status_code == 200
    assert b'<form method="post"' in response.content
    assert current_consent(delivery.customer, "email", "marketing") is True
    assert not Suppression.objects.exists()


def test_the_one_click_post_unsubscribes_on_the_ledger_and_the_suppression_list(delivery):
    # RFC 8058: the mail provider posts this body, without cookies or a CSRF token.
    response = Client(enforce_csrf_checks=True).post(
        unsubscribe_url(delivery), {"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    latest = Consent.objects.filter(customer=delivery.customer, purpose="marketing").first()
    assert (latest.granted, latest.source) == (False, "unsubscribe")
    suppression = Suppression.objects.get(address=delivery.address)
    assert suppression.reason == SuppressionReason.UNSUBSCRIBED
    assert AuditEntry.objects.filter(target_type="suppression", customer_id=delivery.customer_id).exists()
    assert AuditEntry.objects.filter(action="consent", customer_id=delivery.customer_id).exists()
    assert TimelineEvent.objects.filter(customer=delivery.customer, title__startswith="Unsubscribed").exists()
    Client().post(unsubscribe_url(delivery))  # twice is harmless
    assert Consent.objects.filter(customer=delivery.customer, granted=False).count() == 1


def test_an_altered_unsubscribe_token_is_refused(delivery):
    token = tokens.delivery_token(delivery.pk, tokens.UNSUBSCRIBE)
    assert Client().post(f"/c/u/{token[:-2]}xx/").status_code == 404
    other_kind = tokens.delivery_token(delivery.pk, tokens.OPEN)
    assert Client().post(f"/c/u/{other_kind}/").status_code == 404
    assert not Suppression.objects.exists()


def test_a_click_redirects_only_to_a_link_of_the_campaign(delivery):
    good = tokens.click_token(delivery.pk, "https://shop.example.fi/ale")
    response = Client().get(f"/c/c/{good}/")
    assert response.status_code == 302 and response["Location"] == "https://shop.example.fi/ale"
    evil = tokens.click_token(delivery.pk, "https://evil.example.com/")
    assert Client().get(f"/c/c/{evil}/").status_code == 400
    forged = signing.dumps([delivery.pk, "https://shop.example.fi/ale"], salt="other")
    assert Client().get(f"/c/c/{forged}/").status_code == 404
    delivery.refresh_from_db()
    assert delivery.clicks == 1 and delivery.opened_at is not None
    assert TrackingEvent.objects.filter(kind="click").count() == 1
    assert TimelineEvent.objects.filter(customer=delivery.customer, title__startswith="Clicked").exists()


def test_the_open_pixel_counts_opens_and_puts_the_first_on_the_timeline(delivery):
    url = "/c/o/" + tokens.delivery_token(delivery.pk, tokens.OPEN) + "/"
    for _ in range(2):
        response = Client().get(url)
        assert response["Content-Type"] == "image/gif"
    delivery.refresh_from_db()
    assert delivery.opens == 2
    assert TimelineEvent.objects.filter(customer=delivery.customer, title__startswith="Opened").count() == 1
    assert Client().get("/c/o/garbage/").status_code == 200  # an image either way, nothing counted


def test_a_permanent_bounce_of_campaign_mail_suppresses_the_address(delivery):
    inbound = InboundMessage.objects.create(message_id="dsn@mx", sha256="x", raw=b"")
    DeliveryReport.objects.create(
        inbound=inbound,
        recipient=delivery.address,
        action="failed",
        status="5.1.1",
        original_message_id="abc@sidos",
    )
    DeliveryReport.objects.create(
        inbound=inbound, recipient="stranger@example.com", action="failed", status="5.1.1"
    )
    DeliveryReport.objects.create(
        inbound=inbound, recipient="full@example.fi", action="failed", status="4.2.2"
    )
    assert actions.apply_bounces() == 1
    assert Suppression.objects.get().reason == SuppressionReason.BOUNCED
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.BOUNCED
    assert actions.apply_bounces() == 0


def test_double_opt_in_grants_consent_only_after_the_link_is_confirmed(settings):
    settings.SIDOS_PUBLIC_URL = "http://testserver"
    client = Client(enforce_csrf_checks=False)
    response = client.post(
        "/c/signup/", {"email": "New.Person@Example.fi", "first_name": "Uusi", "language": "fi"}
    )
    assert response.status_code == 200
    customer = Customer.objects.get(email="new.person@example.fi")
    assert current_consent(customer, "email", "marketing") is None
    mail = OutboundMessage.objects.get(purpose="service")
    link = re.search(r"http://testserver(/c/signup/confirm/[^/\s]+/)", mail.text).group(1)
    assert client.get(link).status_code == 200
    assert current_consent(customer, "email", "marketing") is None  # opening the link is not consent
    assert client.post(link).status_code == 200
    latest = Consent.objects.filter(customer=customer, purpose="marketing").first()
    assert (latest.granted, latest.source) == (True, "double-opt-in")


def test_an_expired_confirmation_link_grants_nothing(settings):
    settings.SIDOS_SIGNUP_LINK_HOURS = 0
    customer = bulk_customers(1, consent=lambda i: None)[0]
    token = tokens.confirm_token(customer.pk, customer.email)
    time.sleep(1.1)  # max_age 0 h: any token at least a second old is stale
    assert Client().post(f"/c/signup/confirm/{token}/").status_code == 410
    assert current_consent(customer, "email", "marketing") is None


def test_the_signup_form_is_rate_limited_and_needs_csrf(settings):
    settings.SIDOS_SIGNUP_PER_HOUR = 2
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/c/signup/", {"email": "a@example.fi", "language": "fi"}).status_code == 403
    client = Client()
    for n in range(2):
        assert client.post("/c/signup/", {"email": f"p{n}@example.fi", "language": "fi"}).status_code == 200
    assert client.post("/c/signup/", {"email": "p3@example.fi", "language": "fi"}).status_code == 429
    assert not Customer.objects.filter(email="p3@example.fi").exists()


def test_the_honeypot_creates_nothing():
    Client().post("/c/signup/", {"email": "bot@example.fi", "language": "fi", "website": "http://spam"})
    assert not Customer.objects.exists()
