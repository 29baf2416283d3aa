import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sidos.customers.models import Customer
from sidos.listening.models import SourceKind, WebcareStatus
from sidos.listening.tests.helpers import T0, make_source, post

pytestmark = pytest.mark.django_db
QUEUE = reverse("listening:queue")


def shown(response) -> list[str]:
    return [p.external_id for p in response.context["page"].object_list]


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("who", ["outsider_client", "agent_client"])
def test_staff_without_the_webcare_role_are_refused(request, who):
    source = make_source()
    target = post(source, "1")
    client = request.getfixturevalue(who)
    assert client.get(QUEUE).status_code == 403
    assert client.get(target.get_absolute_url()).status_code == 403
    assert client.post(reverse("listening:answer", args=[target.pk])).status_code == 403


def test_webcare_and_admins_see_the_queue(webcare_client, admin_client):
    assert webcare_client.get(QUEUE).status_code == 200
    assert admin_client.get(QUEUE).status_code == 200


def test_only_new_negative_originals_are_listed_fastest_spreading_first(webcare_client):
    source = make_source()
    post(source, "slow", velocity=0.5)
    post(source, "viral", velocity=40.0)
    post(source, "middle", velocity=3.0)
    post(source, "neutral", sentiment="neutral", velocity=99.0)
    post(source, "answered", status=WebcareStatus.ANSWERED, velocity=99.0)
    original = post(source, "orig", velocity=1.0)
    post(source, "reshare", reshare_of=original, velocity=99.0)
    post(source, "orphan-reshare", reshare_of_external="unknown", velocity=99.0)
    assert shown(webcare_client.get(QUEUE)) == ["viral", "middle", "orig", "slow"]


def test_equal_spread_lists_the_newest_first_and_newest_order_is_a_choice(webcare_client):
    source = make_source()
    post(source, "old", posted_at=T0 - dt.timedelta(hours=5), velocity=2.0)
    post(source, "new", posted_at=T0, velocity=2.0)
    post(source, "fast-old", posted_at=T0 - dt.timedelta(days=1), velocity=9.0)
    assert shown(webcare_client.get(QUEUE)) == ["fast-old", "new", "old"]
    assert shown(webcare_client.get(QUEUE, {"sort": "newest"})) == ["new", "old", "fast-old"]


def test_the_queue_filters_by_topic_language_source_and_status(webcare_client):
    tweets, feed = make_source("tweets"), make_source("feed", SourceKind.RSS)
    post(tweets, "cards-fi", lang="fi", topics=["cards_and_payments"])
    post(tweets, "fees-en", lang="en", topics=["fees_and_pricing", "cards_and_payments_extra"])
    post(feed, "queue-sv", lang="sv", topics=["speed_and_queues"])
    post(feed, "ignored", lang="sv", status=WebcareStatus.IGNORED)
    assert shown(webcare_client.get(QUEUE, {"topic": "cards_and_payments"})) == ["cards-fi"]
    assert shown(webcare_client.get(QUEUE, {"lang": "sv"})) == ["queue-sv"]
    assert set(shown(webcare_client.get(QUEUE, {"source": feed.pk}))) == {"queue-sv"}
    assert shown(webcare_client.get(QUEUE, {"status": "ignored"})) == ["ignored"]
    assert len(shown(webcare_client.get(QUEUE, {"status": "all"}))) == 4


def test_the_queue_is_paginated(webcare_client):
    source = make_source()
    for n in range(55):
        post(source, str(n), velocity=float(n))
    first = webcare_client.get(QUEUE)
    second = webcare_client.get(QUEUE, {"page": 2})
    assert len(shown(first)) == 50
    assert shown(second) == [str(n) for n in range(4, -1, -1)]
    assert first.context["page"].paginator.count == 55


def test_the_queue_reads_a_fixed_number_of_queries_however_many_posts(webcare_client):
    source = make_source()
    customer = Customer.objects.create(first_name="Maija", email="maija@example.fi")

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert webcare_client.get(QUEUE).status_code == 200
        return len(queries)

    for n in range(3):
        post(source, f"a{n}", customer=customer, topics=["customer_service"])
    few = count_queries()
    for n in range(30):
        post(make_source(f"s{n}"), f"b{n}", customer=Customer.objects.create(first_name=f"C{n}"))
    assert count_queries() == few


def test_post_text_and_handles_are_escaped(webcare_client):
    source = make_source()
    evil = post(
        source,
        "x",
        text='<script>alert("pwned")</script><img src=x onerror=alert(1)>',
        author_handle="<b>@evil</b>",
        topics=["<i>topic</i>"],
        url="https://example.org/?q=<script>",
    )
    for response in (webcare_client.get(QUEUE), webcare_client.get(evil.get_absolute_url())):
        body = response.content.decode()
        assert "<script>alert" not in body
        assert "<img src=x" not in body
        assert "<b>@evil</b>" not in body
        assert "<i>topic</i>" not in body
        assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in body


def test_the_queue_and_a_post_speak_finnish(webcare_client):
    customer = Customer.objects.create(first_name="Maija", email="maija@example.fi")
    target = post(make_source(), "1", customer=customer, lang="fi")
    queue = webcare_client.get(QUEUE, HTTP_ACCEPT_LANGUAGE="fi").content.decode()
    assert "Webcare-jono" in queue
    assert "Nopeimmin leviävät ensin" in queue
    assert "1 kielteinen julkaisu" in queue
    page = webcare_client.get(target.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fi").content.decode()
    assert "Ehdotettu vastaus" in page
    assert "Satunnainen asiakas: tarjoa konkreettinen hyvitys." in page
    assert "Tee tiketti" in page
