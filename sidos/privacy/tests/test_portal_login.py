"""Logging in to the portal with a one-time link: single use, expiry, tampering, limits, no leaks."""

import re
import time
from datetime import timedelta

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from sidos.customers.models import ContactPoint
from sidos.mail.models import OutboundMessage
from sidos.privacy.models import AuditEntry, PortalLinkRequest
from sidos.privacy.portal_auth import LINK_SALT
from sidos.privacy.tests.portalhelpers import link_token, make_person, portal_client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quick_answers(settings):
    settings.SIDOS_PORTAL_ANSWER_SECONDS = 0.05


@pytest.fixture
def aino(db):
    return make_person("Aino", "Aalto", "aino@example.fi", "A")


def test_a_link_is_mailed_through_the_outbox_and_logs_the_customer_in(aino):
    client = portal_client("aino@example.fi")
    message = OutboundMessage.objects.get(related__startswith="portal-link:")
    assert (message.purpose, message.to) == ("service", ["aino@example.fi"])
    page = client.get("/portal/me/")
    assert page.status_code == 200
    assert "Aalto" in page.content.decode()
    assert AuditEntry.objects.filter(customer_id=aino.pk, channel="portal", action="login").count() == 1


def test_a_contact_point_address_also_gets_a_link(aino):
    ContactPoint.objects.create(customer=aino, kind="email", value="aino.work@example.fi", source="test")
    client = portal_client("aino.work@example.fi")
    assert "Aalto" in client.get("/portal/me/").content.decode()


def test_a_link_works_only_once(aino):
    portal_client("aino@example.fi")
    token = link_token("aino@example.fi")
    again = Client().post(f"/portal/login/{token}/")
    assert again.status_code == 410
    assert "sidos_portal" not in again.cookies


def test_opening_the_link_does_not_use_it_up(aino):
    Client().post("/portal/", {"email": "aino@example.fi"})
    token = link_token("aino@example.fi")
    scanner = Client().get(f"/portal/login/{token}/")
    assert scanner.status_code == 200 and "sidos_portal" not in scanner.cookies
    assert Client().post(f"/portal/login/{token}/").status_code == 302


def test_an_expired_link_is_refused(aino, settings):
    Client().post("/portal/", {"email": "aino@example.fi"})
    token = link_token("aino@example.fi")
    PortalLinkRequest.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert Client().post(f"/portal/login/{token}/").status_code == 410


def test_a_link_older_than_its_signature_allows_is_refused(aino, settings):
    Client().post("/portal/", {"email": "aino@example.fi"})
    token = link_token("aino@example.fi")
    settings.SIDOS_PORTAL_LINK_MINUTES = 0
    time.sleep(1.1)
    assert Client().post(f"/portal/login/{token}/").status_code == 410


def test_a_tampered_or_forged_link_is_refused(aino):
    Client().post("/portal/", {"email": "aino@example.fi"})
    token = link_token("aino@example.fi")
    link = PortalLinkRequest.objects.get(customer=aino)
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    # Right link id and a fresh signature, but a guessed nonce: the row's hash does not match.
    forged = signing.dumps({"l": link.pk, "n": "guessed"}, salt=LINK_SALT)
    # Signed with another key: what an attacker without the secret key could make.
    foreign = signing.dumps({"l": link.pk, "n": "x"}, salt=LINK_SALT, key="not-our-secret-key-" * 3)
    for bad in (tampered, forged, foreign, "nonsense"):
        response = Client().post(f"/portal/login/{bad}/")
        assert response.status_code == 410, bad
    assert PortalLinkRequest.objects.get(pk=link.pk).used_at is None


def test_known_and_unknown_addresses_get_the_same_answer(aino, settings):
    settings.SIDOS_PORTAL_ANSWER_SECONDS = 0.4
    timings, bodies = {}, {}
    for address in ("aino@example.fi", "nobody@example.fi"):
        started = time.monotonic()
        response = Client().post("/portal/", {"email": address})
        timings[address] = time.monotonic() - started
        # The CSRF token differs per visitor; nothing else may.
        body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
        bodies[address] = (response.status_code, body.replace(address, ""))
    assert bodies["aino@example.fi"] == bodies["nobody@example.fi"]
    assert all(seconds >= 0.4 for seconds in timings.values())
    assert abs(timings["aino@example.fi"] - timings["nobody@example.fi"]) < 0.2
    assert OutboundMessage.objects.filter(related__startswith="portal-link:").count() == 1
    # The unknown address is kept only as a keyed hash, for its rate limit.
    unknown = PortalLinkRequest.objects.get(customer=None)
    assert "nobody" not in unknown.address_hash and len(unknown.address_hash) == 64


def test_links_are_limited_per_address(aino, settings):
    settings.SIDOS_PORTAL_LINKS_PER_ADDRESS = 3
    statuses = [
        Client().post("/portal/", {"email": "aino@example.fi"}, REMOTE_ADDR=f"192.0.2.{n}").status_code
        for n in range(5)
    ]
    assert statuses == [200, 200, 200, 429, 429]
    assert OutboundMessage.objects.filter(related__startswith="portal-link:").count() == 3


def test_links_are_limited_per_ip_whatever_the_address(aino, settings):
    settings.SIDOS_PORTAL_LINKS_PER_IP = 4
    statuses = [
        Client().post("/portal/", {"email": f"guess{n}@example.fi"}, REMOTE_ADDR="198.51.100.9").status_code
        for n in range(4)
    ]
    limited = Client().post("/portal/", {"email": "aino@example.fi"}, REMOTE_ADDR="198.51.100.9")
    assert statuses == [200] * 4 and limited.status_code == 429
    assert not OutboundMessage.objects.filter(related__startswith="portal-link:").exists()
    other_ip = Client().post("/portal/", {"email": "aino@example.fi"}, REMOTE_ADDR="198.51.100.10")
    assert other_ip.status_code == 200


def test_a_bad_address_is_told_so(db):
    response = Client().post("/portal/", {"email": "not an address"})
    assert response.status_code == 400
    assert "valid email" in response.content.decode()


def test_logging_out_ends_the_session_even_with_a_kept_cookie(aino):
    client = portal_client("aino@example.fi")
    kept = client.cookies["sidos_portal"].value
    assert client.post("/portal/logout/").status_code == 302
    replay = Client()
    replay.cookies["sidos_portal"] = kept
    assert replay.get("/portal/me/").status_code == 302
    assert AuditEntry.objects.filter(customer_id=aino.pk, channel="portal", action="logout").exists()


def test_the_session_expires(aino, settings):
    client = portal_client("aino@example.fi")
    PortalLinkRequest.objects.filter(customer=aino).update(used_at=timezone.now() - timedelta(minutes=31))
    assert client.get("/portal/me/").status_code == 302


def test_the_login_mail_is_in_the_customers_language(db):
    make_person("Eino", "Leino", "eino@example.fi", "E")
    from sidos.customers.models import Customer

    Customer.objects.filter(email="eino@example.fi").update(language="fi")
    Client().post("/portal/", {"email": "eino@example.fi"})
    message = OutboundMessage.objects.get(related__startswith="portal-link:")
    assert "kirjautumislinkki" in message.subject.lower()


def test_the_portal_speaks_finnish(aino):
    client = Client(HTTP_ACCEPT_LANGUAGE="fi")
    assert "Lähetä minulle kirjautumislinkki" in client.get("/portal/").content.decode()
    client.post("/portal/", {"email": "aino@example.fi"})
    client.post(f"/portal/login/{link_token('aino@example.fi')}/")
    page = client.get("/portal/me/").content.decode()
    assert "Mitä tietoja meillä on sinusta" in page and "Lataa kaikki tietoni (ZIP)" in page


def test_the_mailed_link_uses_the_public_address_not_the_host_header(aino, settings):
    settings.SIDOS_PUBLIC_URL = "https://crm.example.fi"
    settings.ALLOWED_HOSTS = ["crm.example.fi", "evil.example"]
    Client().post("/portal/", {"email": "aino@example.fi"}, HTTP_HOST="evil.example")
    message = OutboundMessage.objects.get(related__startswith="portal-link:")
    assert "https://crm.example.fi/portal/login/" in message.text
    assert "evil.example" not in message.text
