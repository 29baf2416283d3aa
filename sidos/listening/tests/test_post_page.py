import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from sidos.analytics.models import AnalyticsRun, CustomerScore, RunStatus
from sidos.analytics.rfm import Segment
from sidos.customers.models import Customer, TimelineEvent
from sidos.listening.models import Post, PostCorrection, SocialHandle, SourceKind, WebcareStatus
from sidos.listening.tests.helpers import T0, make_source, post
from sidos.privacy.models import AuditEntry
from sidos.servicedesk.models import Channel, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def source():
    return make_source("mastodon", SourceKind.MASTODON)


@pytest.fixture
def customer():
    return Customer.objects.create(first_name="Maija", last_name="Virtanen", email="maija@example.fi")


def test_the_post_page_shows_the_post_and_audits_the_read(webcare_client, webcare, source):
    target = post(source, "1", text="Kortti jumissa taas", author_handle="@maija")
    response = webcare_client.get(target.get_absolute_url())
    assert response.status_code == 200
    assert "Kortti jumissa taas" in response.content.decode()
    assert AuditEntry.objects.filter(actor=webcare, target_type="post", target_id=str(target.pk)).exists()


def test_relabelling_changes_the_post_and_records_a_correction(webcare_client, webcare, source):
    target = post(source, "1", topics=["other"])
    response = webcare_client.post(
        reverse("listening:relabel", args=[target.pk]),
        {"label": "neutral", "topics": "fees_and_pricing, customer_service"},
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.sentiment, target.p_negative) == ("neutral", 0.0)
    assert target.topics == ["customer_service", "fees_and_pricing"]
    correction = PostCorrection.objects.get()
    assert (correction.agent, correction.label) == (webcare, "neutral")
    assert correction.topics == ["customer_service", "fees_and_pricing"]
    # Relabelled neutral, it leaves the queue.
    assert list(webcare_client.get(reverse("listening:queue")).context["page"].object_list) == []


def test_an_unknown_label_is_refused(webcare_client, source):
    target = post(source, "1")
    webcare_client.post(reverse("listening:relabel", args=[target.pk]), {"label": "angry"})
    assert PostCorrection.objects.count() == 0


def test_the_agent_finds_a_customer_links_the_post_and_the_handle_is_remembered(
    webcare_client, source, customer
):
    target = post(source, "1", author_handle="@Maija@mastodon.social")
    page = webcare_client.get(target.get_absolute_url(), {"q": "maija@example.fi"})
    assert [c.pk for c in page.context["candidates"]] == [customer.pk]
    webcare_client.post(reverse("listening:link", args=[target.pk]), {"customer": customer.pk})
    target.refresh_from_db()
    assert target.customer == customer
    assert SocialHandle.objects.get().handle == "maija@mastodon.social"
    event = TimelineEvent.objects.get(customer=customer, kind="social_post")
    assert event.ref_id == target.pk
    # The customer's page shows the post on the timeline.
    assert (
        "the queue is long"
        in webcare_client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    )


def test_marking_answered_records_the_first_response_time_once(webcare_client, webcare, source):
    posted = timezone.now() - dt.timedelta(hours=3)
    target = post(source, "1", posted_at=posted)
    webcare_client.post(reverse("listening:answer", args=[target.pk]))
    target.refresh_from_db()
    first = target.first_answered_at
    assert target.status == WebcareStatus.ANSWERED
    assert target.answered_by == webcare
    assert dt.timedelta(hours=3) <= target.response_time < dt.timedelta(hours=4)
    webcare_client.post(reverse("listening:answer", args=[target.pk]))
    target.refresh_from_db()
    assert target.first_answered_at == first


def test_ignoring_takes_the_post_off_the_queue_and_back(webcare_client, source):
    target = post(source, "1")
    webcare_client.post(reverse("listening:status", args=[target.pk]), {"status": "ignored"})
    assert Post.objects.get().status == WebcareStatus.IGNORED
    webcare_client.post(reverse("listening:status", args=[target.pk]), {"status": "answered"})
    assert Post.objects.get().status == WebcareStatus.IGNORED  # answering has its own action
    webcare_client.post(reverse("listening:status", args=[target.pk]), {"status": "new"})
    assert Post.objects.get().status == WebcareStatus.NEW


def test_making_a_ticket_opens_a_social_ticket_linked_both_ways(
    webcare_client, admin_client, source, customer
):
    target = post(
        source,
        "1",
        text="Pankkikortti ei toimi",
        author_handle="@maija",
        customer=customer,
        topics=["cards_and_payments"],
        url="https://mastodon.social/@maija/1",
    )
    response = webcare_client.post(reverse("listening:ticket", args=[target.pk]))
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    target.refresh_from_db()
    assert (target.ticket, target.status) == (ticket, WebcareStatus.TICKET)
    assert (ticket.channel, ticket.customer, ticket.ticket_type) == (Channel.SOCIAL, customer, "complaint")
    assert "Pankkikortti ei toimi" in ticket.messages.get().body
    assert "cards_and_payments" in ticket.tags
    assert list(ticket.social_posts.all()) == [target]
    # The ticket page links back to the post.
    page = admin_client.get(ticket.get_absolute_url()).content.decode()
    assert target.get_absolute_url() in page
    # A second click does not open a second ticket.
    webcare_client.post(reverse("listening:ticket", args=[target.pk]))
    assert Ticket.objects.count() == 1


def test_a_ticket_needs_a_linked_customer(webcare_client, source):
    target = post(source, "1")
    webcare_client.post(reverse("listening:ticket", args=[target.pk]))
    assert Ticket.objects.count() == 0


def _score(customer, **fields):
    run = AnalyticsRun.objects.create(as_of=T0.date(), status=RunStatus.DONE, is_current=True)
    CustomerScore.objects.create(run=run, customer=customer, as_of=run.as_of, **fields)


@pytest.mark.parametrize(
    ("score", "kind"),
    [
        ({"segment": Segment.LOYAL, "value_decile": 5}, "apology"),
        ({"segment": Segment.NEW, "value_decile": 10}, "apology"),
        ({"segment": Segment.NEW, "value_decile": 3}, "remedy"),
        (None, "remedy"),
    ],
)
def test_the_suggested_response_follows_the_customer_type(webcare_client, source, customer, score, kind):
    if score:
        _score(customer, **score)
    target = post(source, "1", customer=customer, lang="fi")
    suggestion = webcare_client.get(target.get_absolute_url()).context["suggestion"]
    assert suggestion.kind == kind
    assert suggestion.lang == "fi"


def test_an_unlinked_author_gets_an_acknowledgement_in_their_language(webcare_client, source):
    target = post(source, "1", lang="sv")
    suggestion = webcare_client.get(target.get_absolute_url()).context["suggestion"]
    assert (suggestion.kind, suggestion.lang) == ("acknowledge", "sv")
    assert suggestion.text.startswith("Tack")


def test_response_times_are_reported_per_topic(webcare_client, source, client):
    now = timezone.now()
    for n, hours in enumerate((1, 3, 5)):
        post(
            source,
            f"a{n}",
            topics=["cards_and_payments"],
            posted_at=now - dt.timedelta(hours=10),
            first_answered_at=now - dt.timedelta(hours=10 - hours),
            status=WebcareStatus.ANSWERED,
        )
    post(
        source, "w", topics=["cards_and_payments", "fees_and_pricing"], posted_at=now - dt.timedelta(hours=2)
    )
    post(source, "old", topics=["fees_and_pricing"], posted_at=now - dt.timedelta(days=200))
    rows = {row.topic: row for row in webcare_client.get(reverse("listening:report")).context["rows"]}
    assert (rows["cards_and_payments"].answered, rows["cards_and_payments"].waiting) == (3, 1)
    assert rows["cards_and_payments"].median == dt.timedelta(hours=3)
    assert (rows["fees_and_pricing"].answered, rows["fees_and_pricing"].waiting) == (0, 1)
    assert client.get(reverse("listening:report")).status_code == 302


def test_the_demo_posts_fill_the_queue_with_linked_authors(webcare_client):
    from sidos.listening import demodata

    customers = [Customer.objects.create(first_name=f"C{n}", email=f"c{n}@example.fi") for n in range(3)]
    summary = demodata.load_posts(customers, timezone.now())
    assert summary.created == len(demodata.POSTS)
    assert summary.linked == 3
    assert summary.negative >= 8  # the demo's complaints, as the shipped classifier sees them
    again = demodata.load_posts(customers, timezone.now())
    assert (again.created, again.unchanged) == (0, len(demodata.POSTS))
    assert len(webcare_client.get(reverse("listening:queue")).context["page"].object_list) == summary.negative
