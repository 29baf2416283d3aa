import pytest

from sidos.campaigns import actions, sandbox, sending
from sidos.campaigns.models import CampaignStatus, Delivery, DeliveryStatus, Suppression
from sidos.campaigns.tests.helpers import bulk_customers, make_campaign, parsed, smtp_factory
from sidos.customers.actions import record_consent
from sidos.customers.models import TimelineEvent
from sidos.mail.tests.servers import SmtpServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(settings):
    settings.SIDOS_PUBLIC_URL = "http://testserver"
    server = SmtpServer().start()
    yield server
    server.stop()


def send(campaign, smtp, **kwargs):
    return sending.send_campaign(campaign.pk, rate=0, connection_factory=smtp_factory(smtp.port), **kwargs)


def test_a_marketing_mail_carries_one_click_unsubscribe_headers_and_personal_text(smtp):
    (customer,) = bulk_customers(1)
    customer.first_name = "<Aino & co>"
    customer.save()
    campaign = make_campaign()
    assert send(campaign, smtp)["outcome"] == "done"
    (item,) = smtp.received
    message = parsed(item)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Unsubscribe"].startswith("<http://testserver/c/u/")
    delivery = Delivery.objects.get()
    assert message["Message-ID"] == f"<{delivery.message_id}>"
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert "&lt;Aino &amp; co&gt;" in html and "<Aino" not in html  # autoescaped in HTML
    assert "<Aino & co>" in text  # plain text is not HTML-escaped
    assert "https://shop.example.fi/ale" not in html  # the link goes through the signed redirect
    assert "/c/c/" in html and "/c/o/" in html
    assert message["Subject"] == "Hello <Aino & co>"  # customer 0 has language "en" (helpers)
    assert delivery.status == DeliveryStatus.SENT
    assert TimelineEvent.objects.filter(customer=customer, kind="campaign").exists()


def test_a_placeholder_falls_back_to_its_default(smtp):
    customers = bulk_customers(2)
    customers[1].first_name = ""
    customers[1].save()
    send(make_campaign(), smtp)
    subjects = {parsed(item)["Subject"] for item in smtp.received}
    assert "Hei asiakas" in subjects


def test_templates_cannot_load_tags_include_files_or_reach_the_database():
    for source in (
        "{% load static %}",
        "{% include 'base.html' %}",
        "{% url 'campaigns:index' %}",
        "{% extends 'base.html' %}",
        "{% csrf_token %}",
    ):
        with pytest.raises(Exception):  # noqa: B017, PT011 TemplateSyntaxError from any of them
            sandbox.compile_part(source, html=True)
    with pytest.raises(actions.CampaignError) as caught:
        make_campaign(variants={"fi": {"subject": "x", "text": "{% load static %}", "html": ""}})
    assert "variants.fi.text" in caught.value.errors


def test_someone_who_withdraws_consent_after_the_draw_is_skipped(smtp):
    customers = bulk_customers(3)
    campaign = make_campaign()
    actions.prepare_audience(campaign)
    record_consent(None, customers[0], channel="email", purpose="marketing", granted=False, source="portal")
    Suppression.objects.create(address=customers[1].email, reason="complained")
    send(campaign, smtp)
    assert [rcpt for item in smtp.received for rcpt in item["to"]] == [customers[2].email]
    assert Delivery.objects.filter(status=DeliveryStatus.SKIPPED).count() == 2


def test_a_refused_recipient_is_marked_failed_and_the_rest_go_out(smtp):
    customers = bulk_customers(4)
    refused = customers[1].email

    original = smtp.handler.handle_DATA

    async def handle_RCPT(server, session, envelope, address, rcpt_options):  # noqa: N802 aiosmtpd's hook name
        if address == refused:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    smtp.handler.handle_RCPT = handle_RCPT
    smtp.handler.handle_DATA = original
    campaign = make_campaign()
    assert send(campaign, smtp)["outcome"] == "done"
    assert Delivery.objects.get(address=refused).status == DeliveryStatus.FAILED
    delivered = {rcpt for item in smtp.received for rcpt in item["to"]}
    assert delivered == {c.email for c in customers} - {refused}


def test_a_second_run_of_a_sent_campaign_sends_nothing(smtp):
    bulk_customers(5)
    campaign = make_campaign()
    send(campaign, smtp)
    assert send(campaign, smtp) == {"outcome": "done", "sent": 0}
    assert len(smtp.received) == 5
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT


def test_a_second_sender_finds_the_campaign_busy(smtp):
    bulk_customers(2)
    campaign = make_campaign()
    token = sending._take_lease(campaign)
    assert token
    assert send(campaign, smtp)["outcome"] == "busy"
    assert smtp.received == []


def test_the_pacer_spreads_messages_at_the_configured_rate():
    now = [100.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    pacer = sending.Pacer(4, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        pacer.wait()
    assert slept == [0.25, 0.25, 0.25, 0.25]
    assert sending.Pacer(0).interval == 0


def test_an_ab_test_gives_half_the_mailed_group_subject_b(smtp):
    bulk_customers(40)
    variants = {
        "fi": {"subject": "Alennus {{ first_name }}", "subject_b": "Vain tänään", "text": "Hei", "html": ""},
        "en": {"subject": "Sale", "subject_b": "Today only", "text": "Hi", "html": ""},
    }
    campaign = make_campaign(variants=variants, control_share="0.25")
    send(campaign, smtp)
    arms = dict(Delivery.objects.filter(campaign=campaign).values_list("address", "arm"))
    assert sorted(arms.values()).count("") == 10  # the control group is in no arm
    assert list(arms.values()).count("b") == 15 and list(arms.values()).count("a") == 15
    for item in smtp.received:
        subject = parsed(item)["Subject"]
        expected_b = arms[item["to"][0]] == "b"
        assert (subject in ("Vain tänään", "Today only")) == expected_b
