"""Public pages: the contact form (honeypot, rate limit, confirmation), the FAQ and the CSAT link."""

import datetime as dt

import pytest
from django.core import signing
from django.urls import reverse
from freezegun import freeze_time

from sidos.mail.models import OutboundMessage
from sidos.servicedesk import actions, csat
from sidos.servicedesk.models import Channel, CsatRating, FaqArticle, FaqCategory, Status, Ticket
from sidos.servicedesk.tests.helpers import make_ticket

pytestmark = pytest.mark.django_db
CONTACT = reverse("help:contact")
FORM = {
    "name": "Aino Aalto",
    "email": "aino@example.fi",
    "ticket_type": "complaint",
    "subject": "Broken lamp",
    "message": "It arrived broken.",
    "website": "",
}


def test_the_contact_form_opens_a_web_ticket_and_confirms_by_mail(client):
    response = client.post(CONTACT, FORM, follow=True)
    ticket = Ticket.objects.get()
    assert ticket.channel == Channel.WEB_FORM and ticket.ticket_type == "complaint"
    assert ticket.reference in response.content.decode()
    assert OutboundMessage.objects.get().to == ["aino@example.fi"]


def test_the_honeypot_makes_a_bot_believe_it_worked(client):
    response = client.post(CONTACT, {**FORM, "website": "http://spam.example"}, follow=True)
    assert response.status_code == 200
    assert not Ticket.objects.exists()


def test_invalid_input_names_the_field(client):
    response = client.post(CONTACT, {**FORM, "email": "nope"})
    assert response.status_code == 200
    assert "Enter a valid email address" in response.content.decode()
    assert not Ticket.objects.exists()


def test_the_form_is_rate_limited_per_client(client, settings):
    settings.SIDOS_CONTACT_FORM_PER_HOUR = 2
    with freeze_time("2026-03-10 10:00:00+02:00"):
        for _ in range(2):
            client.post(CONTACT, FORM)
        assert client.post(CONTACT, FORM).status_code == 429
        other = client.post(CONTACT, FORM, REMOTE_ADDR="192.0.2.7")
        assert other.status_code == 302
    with freeze_time("2026-03-10 11:01:00+02:00"):
        assert client.post(CONTACT, FORM).status_code == 302
    assert Ticket.objects.count() == 4


def test_the_faq_lists_published_articles_by_category_and_searches(client):
    delivery = FaqCategory.objects.create(name="Delivery", slug="delivery")
    returns = FaqCategory.objects.create(name="Returns", slug="returns", position=1)
    FaqArticle.objects.create(category=delivery, question="How long does delivery take?", answer="2–4 days.")
    FaqArticle.objects.create(category=returns, question="How do I return?", answer="Use the return slip.")
    FaqArticle.objects.create(category=returns, question="Draft", answer="hidden", is_published=False)
    page = client.get(reverse("help:faq")).content.decode()
    assert "How long does delivery take?" in page and "How do I return?" in page and "Draft" not in page
    found = client.get(reverse("help:faq"), {"q": "slip"}).content.decode()
    assert "How do I return?" in found and "delivery take" not in found
    only = client.get(reverse("help:faq"), {"category": "delivery"}).content.decode()
    assert "delivery take" in only and "How do I return?" not in only


def test_the_one_click_link_records_the_rating_and_takes_a_comment(client):
    ticket = make_ticket()
    actions.update_ticket(None, ticket, {"status": Status.RESOLVED})
    link = csat.link(ticket.pk, 4)
    path = link.split("8000", 1)[1]
    assert client.get(path).status_code == 200
    assert CsatRating.objects.get(ticket=ticket).score == 4
    client.post(path.split("?")[0], {"score": "5", "comment": "Great"})
    rating = CsatRating.objects.get(ticket=ticket)
    assert (rating.score, rating.comment) == (5, "Great")


def test_a_tampered_or_expired_link_is_refused(client, settings):
    ticket = make_ticket()
    token = csat.token_for(ticket.pk)
    assert client.get(reverse("help:csat", args=[token[:-2] + "xx"]) + "?score=1").status_code == 400
    settings.SIDOS_CSAT_LINK_DAYS = 14
    with freeze_time(dt.datetime.now(dt.UTC) + dt.timedelta(days=15)):
        assert client.get(reverse("help:csat", args=[token]) + "?score=1").status_code == 410
    assert not CsatRating.objects.exists()
    with pytest.raises(signing.BadSignature):
        csat.ticket_id_from(signing.dumps({"ticket": ticket.pk}, salt="another-purpose"))


def test_the_customer_never_sees_internal_notes_on_public_pages(client):
    ticket = make_ticket()
    actions.add_note(None, ticket, "SECRET-NOTE")
    page = client.get(csat.link(ticket.pk).split("8000", 1)[1]).content.decode()
    assert "SECRET-NOTE" not in page and ticket.reference in page


def test_a_production_start_without_a_public_url_is_warned_about(settings):
    from sidos.servicedesk.checks import public_url_is_set

    settings.DEBUG, settings.SIDOS_PUBLIC_URL = False, ""
    assert [warning.id for warning in public_url_is_set(None)] == ["servicedesk.W001"]
    settings.SIDOS_PUBLIC_URL = "https://crm.example.fi"
    assert public_url_is_set(None) == []
