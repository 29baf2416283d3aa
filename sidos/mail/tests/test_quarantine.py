"""The staff quarantine page: who may see it, what it shows (escaped), raw download, re-process, discard."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sidos.customers.tests.webhelpers import make_customer
from sidos.mail import ingest
from sidos.mail.models import InboundMessage, InboundReason, InboundStatus
from sidos.privacy.models import AuditAction, AuditEntry
from sidos.servicedesk.models import Ticket

pytestmark = pytest.mark.django_db

HOSTILE = (
    b"From: Aino <aino@example.fi>\r\n"
    b"To: asiakaspalvelu@kauppa.example\r\n"
    b"Subject: <script>alert('subject')</script> tilaus\r\n"
    b"X-Evil: <img src=x onerror=alert(1)>\r\n"
    b"Message-ID: <q-1@example.fi>\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
    b"Hei, missa tilaukseni on?\r\n"
)


@pytest.fixture
def quarantined(settings):
    """One message the handler failed on, as ingest leaves it."""
    settings.SIDOS_INBOUND_MAIL_HANDLER = "sidos.mail.tests.handlers.explode"
    assert ingest.ingest_bytes(HOSTILE, source="maildir/new/1") == "failed"
    settings.SIDOS_INBOUND_MAIL_HANDLER = "sidos.servicedesk.inbound.handle_message"
    return InboundMessage.objects.get()


def test_only_roles_with_the_permission_get_in(client, outsider_client, make_staff, quarantined):
    from sidos.conftest import _logged_in

    url = reverse("mail:quarantine")
    assert client.get(url).status_code == 302  # to the login page
    assert outsider_client.get(url).status_code == 403
    for role, expected in (("marketer", 403), ("analyst", 403), ("agent", 200), ("admin", 200)):
        staff = _logged_in(make_staff(role))
        assert staff.get(url).status_code == expected, role
        detail = reverse("mail:quarantine_detail", args=[quarantined.pk])
        assert staff.get(detail).status_code == expected, role
        raw = reverse("mail:quarantine_raw", args=[quarantined.pk])
        assert staff.get(raw).status_code == expected, role
    marketer = _logged_in(make_staff("marketer", "marketer2"))
    for name in ("mail:quarantine_reprocess", "mail:quarantine_discard"):
        assert marketer.post(reverse(name, args=[quarantined.pk])).status_code == 403
    assert InboundMessage.objects.get().status == InboundStatus.FAILED


def test_the_list_shows_failed_mail_only_escaped_and_paginated_in_constant_queries(agent_client, quarantined):
    ingest.ingest_bytes(HOSTILE.replace(b"q-1@", b"q-ok@"), source="fine")  # created: not listed
    for number in range(55):
        InboundMessage.objects.create(
            message_id=f"bulk-{number}@example.fi",
            sha256="0" * 64,
            raw=b"x",
            subject=f"<b>broken {number}</b>",
            status=InboundStatus.FAILED,
            reason=InboundReason.UNPARSEABLE,
        )
    url = reverse("mail:quarantine")
    page1 = agent_client.get(url).content.decode()
    assert "56 messages could not be processed" in page1
    assert page1.count("data-inbound=") == 50
    assert "<b>broken" not in page1 and "&lt;b&gt;broken" in page1
    assert "<script>alert" not in page1
    with CaptureQueriesContext(connection) as first:
        agent_client.get(url, {"page": 1})
    with CaptureQueriesContext(connection) as second:
        page2 = agent_client.get(url, {"page": 2}).content.decode()
    assert page2.count("data-inbound=") == 6
    assert len(first) == len(second)
    assert not any('"raw"' in query["sql"] for query in second.captured_queries)


def test_the_message_page_shows_headers_and_reason_escaped_and_is_audited(agent_client, agent, quarantined):
    customer = make_customer(email="aino@example.fi")
    page = agent_client.get(reverse("mail:quarantine_detail", args=[quarantined.pk])).content.decode()
    assert "RuntimeError: ticket store is down" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(" in page and "<script>alert(" not in page
    entry = AuditEntry.objects.get(target_type="mail.inbound", action=AuditAction.VIEW)
    assert (entry.actor, entry.customer_id, entry.target_id) == (agent, customer.pk, str(quarantined.pk))


def test_the_raw_download_is_the_exact_bytes_as_a_file_and_is_audited(agent_client, agent, quarantined):
    response = agent_client.get(reverse("mail:quarantine_raw", args=[quarantined.pk]))
    assert response.content == HOSTILE
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == f'attachment; filename="inbound-{quarantined.pk}.eml"'
    entry = AuditEntry.objects.get(target_type="mail.inbound", action=AuditAction.EXPORT)
    assert entry.actor == agent and "downloaded raw mail q-1@example.fi" in entry.summary


def test_re_processing_after_the_fix_opens_the_ticket(agent_client, agent, quarantined):
    response = agent_client.post(reverse("mail:quarantine_reprocess", args=[quarantined.pk]), follow=True)
    assert "a new ticket was opened" in response.content.decode()
    quarantined.refresh_from_db()
    assert quarantined.status == InboundStatus.CREATED and quarantined.attempts == 2
    assert Ticket.objects.get().messages.get().inbound_id == quarantined.pk
    assert AuditEntry.objects.filter(
        target_type="mail.inbound", actor=agent, summary="re-processed quarantined mail: created"
    ).exists()
    assert "data-inbound" not in agent_client.get(reverse("mail:quarantine")).content.decode()


def test_re_processing_that_fails_again_says_so_and_keeps_it(agent_client, quarantined, settings):
    settings.SIDOS_INBOUND_MAIL_HANDLER = "sidos.mail.tests.handlers.explode"
    response = agent_client.post(reverse("mail:quarantine_reprocess", args=[quarantined.pk]), follow=True)
    assert "failed again" in response.content.decode()
    quarantined.refresh_from_db()
    assert quarantined.status == InboundStatus.FAILED and quarantined.attempts == 2


def test_discarding_keeps_the_bytes_and_names_who(agent_client, agent, quarantined):
    response = agent_client.post(reverse("mail:quarantine_discard", args=[quarantined.pk]), follow=True)
    assert "Message discarded" in response.content.decode()
    quarantined.refresh_from_db()
    assert (quarantined.status, quarantined.reason) == (InboundStatus.IGNORED, InboundReason.DISCARDED)
    assert quarantined.detail.startswith("discarded by agent")
    assert bytes(quarantined.raw) == HOSTILE
    assert not Ticket.objects.exists()
    again = agent_client.post(reverse("mail:quarantine_discard", args=[quarantined.pk]), follow=True)
    assert "no longer in quarantine" in again.content.decode()
    assert (
        AuditEntry.objects.filter(target_type="mail.inbound", action=AuditAction.UPDATE, actor=agent).count()
        == 1
    )


def test_get_cannot_change_anything(agent_client, quarantined):
    for name in ("mail:quarantine_reprocess", "mail:quarantine_discard"):
        assert agent_client.get(reverse(name, args=[quarantined.pk])).status_code == 405


def test_the_page_speaks_finnish(agent_client, quarantined):
    from django.conf import settings

    agent_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fi"
    page = agent_client.get(reverse("mail:quarantine")).content.decode()
    assert "Postin karanteeni" in page and "1 viesti jäi käsittelemättä" in page
    detail = agent_client.get(reverse("mail:quarantine_detail", args=[quarantined.pk])).content.decode()
    assert "Käsittele uudelleen" in detail and "Lataa alkuperäinen viesti" in detail
