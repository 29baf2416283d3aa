import pytest
from django.test import Client

from sidos.mail import ingest
from sidos.mail.models import InboundMessage

pytestmark = pytest.mark.django_db


def test_the_quarantine_is_listed_for_a_superuser_and_cannot_be_edited(eml, settings, django_user_model):
    settings.SIDOS_INBOUND_MAIL_HANDLER = "sidos.mail.tests.handlers.explode"
    ingest.ingest_bytes(eml("fi_utf8_qp.eml"))
    row = InboundMessage.objects.get()
    client = Client()
    client.force_login(django_user_model.objects.create_superuser("root", password="x" * 20))
    listing = client.get("/django-admin/mail/inboundmessage/?status__exact=failed")
    assert listing.status_code == 200 and "Tilaus 100234" in listing.content.decode()
    assert (
        client.post(f"/django-admin/mail/inboundmessage/{row.pk}/change/", {"status": "created"}).status_code
        == 403
    )
    row.refresh_from_db()
    assert row.status == "failed"


def test_an_agent_cannot_open_the_mail_admin(agent_client):
    assert agent_client.get("/django-admin/mail/inboundmessage/").status_code in (302, 403)
