import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sidos.listening.models import Post
from sidos.listening.tests.helpers import make_source

pytestmark = pytest.mark.django_db


def _post(source, n, *, sentiment, lang, topics, days_ago):
    post = Post(
        source=source,
        external_id=str(n),
        text=f"<b>post {n}</b>",
        lang=lang,
        sentiment=sentiment,
        posted_at=timezone.now() - dt.timedelta(days=days_ago),
    )
    post.set_topics(topics)
    post.save()
    return post


def _posts(count_offset=0):
    source = make_source()
    n = count_offset
    for _i in range(3):
        _post(source, n := n + 1, sentiment="negative", lang="fi", topics=["fees_and_pricing"], days_ago=1)
    _post(source, n := n + 1, sentiment="positive", lang="en", topics=["fees_and_pricing"], days_ago=1)
    _post(source, n := n + 1, sentiment="neutral", lang="en", topics=["other"], days_ago=2)
    _post(source, n := n + 1, sentiment="negative", lang="en", topics=["other"], days_ago=60)  # outside
    return source


def test_dashboard_counts_volume_and_negative_share_by_topic_language_and_day(webcare_client):
    _posts()
    response = webcare_client.get("/listening/dashboard/?days=30")
    assert response.status_code == 200
    topics = {row.key: (row.total, row.negative) for row in response.context["topics"]}
    assert topics == {"fees_and_pricing": (4, 3), "other": (1, 0)}
    langs = {row.key: (row.total, row.negative) for row in response.context["languages"]}
    assert langs == {"fi": (3, 3), "en": (2, 0)}
    assert sum(row.total for row in response.context["timeline"]) == 5
    assert b'data-topic="fees_and_pricing"' in response.content
    assert b"<svg" in response.content


def test_dashboard_queries_do_not_grow_with_posts(webcare_client):
    source = _posts()
    with CaptureQueriesContext(connection) as few:
        webcare_client.get("/listening/dashboard/")
    for n in range(100, 160):
        _post(source, n, sentiment="negative", lang="sv", topics=["other"], days_ago=3)
    with CaptureQueriesContext(connection) as many:
        webcare_client.get("/listening/dashboard/")
    assert len(many) == len(few)


def test_dashboard_needs_the_listening_permission(client, make_staff):
    from sidos.accounts.models import Role

    assert client.get("/listening/dashboard/").status_code == 302
    client.force_login(make_staff(Role.MARKETER))
    assert client.get("/listening/dashboard/").status_code == 403


def test_dashboard_speaks_finnish(webcare_client):
    _posts()
    page = webcare_client.get("/listening/dashboard/", HTTP_ACCEPT_LANGUAGE="fi").content.decode()
    assert "Kuuntelun kojelauta" in page
    assert "Kielteisten osuus" in page
