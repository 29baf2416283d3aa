"""/api/v1/listening: reads for analysts and webcare, webcare work for webcare and admins, nobody else."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sidos.accounts.models import Role
from sidos.customers.actions import create_customer
from sidos.customers.models import TimelineEvent
from sidos.listening.models import Post, PostCorrection, SocialHandle
from sidos.listening.tests.helpers import T0, make_source, post
from sidos.privacy.models import AuditEntry

BASE = "/api/v1/listening"
pytestmark = pytest.mark.django_db


@pytest.fixture
def as_role(make_staff, api_client_for):
    return lambda role: api_client_for(make_staff(role))


@pytest.fixture
def webcare_api(as_role):
    return as_role(Role.WEBCARE)


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["external_id"] for item in response.json()["items"]]


def test_without_a_token_every_endpoint_is_401(client):
    target = post(make_source(), "1")
    assert client.get(f"{BASE}/posts").status_code == 401
    assert client.get(f"{BASE}/queue").status_code == 401
    assert client.get(f"{BASE}/posts/{target.pk}").status_code == 401
    assert client.post(f"{BASE}/posts/{target.pk}/ticket").status_code == 401


@pytest.mark.parametrize("role", [Role.ANALYST, Role.WEBCARE, Role.ADMIN])
def test_analysts_webcare_and_admins_read_posts(as_role, role):
    post(make_source(), "1")
    assert ids(as_role(role).get(f"{BASE}/posts")) == ["1"]


@pytest.mark.parametrize("role", [Role.MARKETER, Role.AGENT])
def test_other_roles_cannot_read(as_role, role):
    target = post(make_source(), "1")
    api = as_role(role)
    assert api.get(f"{BASE}/posts").status_code == 403
    assert api.get(f"{BASE}/posts/{target.pk}").status_code == 403


@pytest.mark.parametrize("role", [Role.MARKETER, Role.ANALYST])
def test_writes_are_refused_to_marketers_and_analysts_and_change_nothing(as_role, role):
    customer = create_customer(None, {"first_name": "Aino", "email": "aino@example.com"}, source="test")
    target = post(make_source(), "1", author_handle="aino")
    api = as_role(role)
    body = {"external_id": "2", "text": "hello", "created_at": "2026-11-30T12:00:00Z"}
    assert api.post(f"{BASE}/posts", body, content_type="application/json").status_code == 403
    assert (
        api.post(
            f"{BASE}/posts/{target.pk}/correction", {"label": "positive"}, content_type="application/json"
        ).status_code
        == 403
    )
    assert (
        api.post(
            f"{BASE}/posts/{target.pk}/link", {"customer_id": customer.pk}, content_type="application/json"
        ).status_code
        == 403
    )
    assert api.post(f"{BASE}/posts/{target.pk}/ticket").status_code == 403
    target.refresh_from_db()
    assert (target.sentiment, target.customer_id, target.ticket_id) == ("negative", None, None)
    assert Post.objects.count() == 1


def test_posts_are_filtered_and_newest_first(webcare_api):
    one, other = make_source("one"), make_source("other")
    post(one, "old", posted_at=T0 - dt.timedelta(days=3), topics=["fees_and_pricing"])
    post(one, "new", posted_at=T0, sentiment="positive", lang="fi")
    post(other, "mid", posted_at=T0 - dt.timedelta(days=1), topics=["fees_and_pricing"])
    assert ids(webcare_api.get(f"{BASE}/posts")) == ["new", "mid", "old"]
    assert ids(webcare_api.get(f"{BASE}/posts", {"label": "negative"})) == ["mid", "old"]
    assert ids(webcare_api.get(f"{BASE}/posts", {"topic": "fees_and_pricing"})) == ["mid", "old"]
    assert ids(webcare_api.get(f"{BASE}/posts", {"lang": "fi"})) == ["new"]
    assert ids(webcare_api.get(f"{BASE}/posts", {"source_id": other.pk})) == ["mid"]
    since = (T0 - dt.timedelta(days=2)).isoformat()
    assert ids(webcare_api.get(f"{BASE}/posts", {"since": since})) == ["new", "mid"]
    assert webcare_api.get(f"{BASE}/posts", {"label": "angry"}).status_code == 422
    page = webcare_api.get(f"{BASE}/posts", {"limit": 1, "offset": 1}).json()
    assert ([item["external_id"] for item in page["items"]], page["count"]) == (["mid"], 3)


def test_the_list_reads_a_fixed_number_of_queries(webcare_api):
    source = make_source()

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert webcare_api.get(f"{BASE}/posts").status_code == 200
        return len(queries)

    post(source, "1")
    count()  # the token's first use writes its last-used time; the later reads do not
    few = count()
    for n in range(2, 30):
        post(source, str(n))
    assert count() == few


def test_post_text_is_returned_as_data_and_the_read_is_audited(webcare_api):
    evil = '<script>alert("x")</script> & <b>bold</b>'
    target = post(make_source(), "1", text=evil, author_handle="<img src=x onerror=alert(1)>")
    response = webcare_api.get(f"{BASE}/posts/{target.pk}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["text"] == evil
    assert response.json()["author_handle"] == "<img src=x onerror=alert(1)>"
    assert AuditEntry.objects.filter(target_type="post", target_id=str(target.pk), channel="api").exists()
    assert webcare_api.get(f"{BASE}/posts/{target.pk + 100}").status_code == 404


def test_the_queue_is_the_staff_pages_order(webcare_api):
    source = make_source()
    post(source, "slow", velocity=1.0)
    post(source, "fast", velocity=9.0)
    post(source, "calm", sentiment="neutral", velocity=50.0)
    post(source, "done", velocity=20.0, status="answered")
    assert ids(webcare_api.get(f"{BASE}/queue")) == ["fast", "slow"]
    assert ids(webcare_api.get(f"{BASE}/queue", {"status": "all"})) == ["done", "fast", "slow"]
    assert ids(webcare_api.get(f"{BASE}/queue", {"status": "answered"})) == ["done"]
    response = webcare_api.get(f"{BASE}/queue", {"status": "sleeping"})
    assert response.status_code == 400 and response.json()["field"] == "status"


def test_a_correction_relabels_through_the_action(webcare_api):
    target = post(make_source(), "1")
    url = f"{BASE}/posts/{target.pk}/correction"
    response = webcare_api.post(url, {"label": "neutral", "topics": ["fees_and_pricing"]}, "application/json")
    assert response.status_code == 201, response.content
    target.refresh_from_db()
    assert (target.sentiment, target.topics) == ("neutral", ["fees_and_pricing"])
    assert PostCorrection.objects.get(post=target).label == "neutral"
    assert AuditEntry.objects.filter(
        target_type="post", target_id=str(target.pk), summary="relabelled"
    ).exists()
    assert webcare_api.post(url, {"label": "angry"}, "application/json").status_code == 422
    refused = webcare_api.post(url, {}, "application/json")
    assert refused.status_code == 400 and refused.json()["field"] == "label"


def test_linking_remembers_the_handle_and_writes_the_timeline(webcare_api):
    customer = create_customer(None, {"first_name": "Aino", "email": "aino@example.com"}, source="test")
    target = post(make_source("masto", kind="mastodon"), "1", author_handle="@Aino@example.social")
    url = f"{BASE}/posts/{target.pk}/link"
    response = webcare_api.post(url, {"customer_id": customer.pk}, "application/json")
    assert response.status_code == 200 and response.json()["customer_id"] == customer.pk
    assert SocialHandle.objects.get(customer=customer).handle == "aino@example.social"
    assert TimelineEvent.objects.filter(customer=customer, kind="social_post").count() == 1
    assert AuditEntry.objects.filter(
        target_type="post", target_id=str(target.pk), customer_id=customer.pk
    ).exists()
    missing = webcare_api.post(url, {"customer_id": customer.pk + 100}, "application/json")
    assert missing.status_code == 400 and missing.json()["field"] == "customer_id"
    assert webcare_api.post(url, {"customer_id": "1"}, "application/json").status_code == 422


def test_a_ticket_is_made_once_and_only_for_a_linked_post(webcare_api):
    customer = create_customer(None, {"first_name": "Aino", "email": "aino@example.com"}, source="test")
    target = post(make_source(), "1", text="my card was charged twice")
    url = f"{BASE}/posts/{target.pk}/ticket"
    unlinked = webcare_api.post(url)
    assert unlinked.status_code == 400 and unlinked.json()["field"] == "customer"
    Post.objects.filter(pk=target.pk).update(customer=customer)
    made = webcare_api.post(url)
    assert made.status_code == 201, made.content
    target.refresh_from_db()
    assert (target.status, target.ticket_id) == ("ticket", made.json()["ticket_id"])
    assert target.ticket.customer_id == customer.pk and target.ticket.channel == "social"
    assert webcare_api.post(url).json()["ticket_id"] == target.ticket_id


def test_ingesting_one_post_classifies_and_deduplicates(webcare_api, marker_classifier):
    body = {
        "source": "website-chat",
        "external_id": "abc",
        "text": "NEG the app keeps crashing",
        "created_at": "2026-11-30T12:00:00+02:00",
        "author_handle": "aino",
        "lang": "en",
        "url": "https://example.com/p/abc",
    }
    response = webcare_api.post(f"{BASE}/posts", body, "application/json")
    assert response.status_code == 201, response.content
    stored = response.json()
    assert (stored["source"], stored["sentiment"], stored["posted_at"]) == (
        "website-chat",
        "negative",
        "2026-11-30T10:00:00Z",
    )
    again = webcare_api.post(f"{BASE}/posts", body, "application/json")
    assert again.status_code == 201 and again.json()["id"] == stored["id"]
    assert Post.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"url": "javascript:alert(1)"}, "url"),
        ({"text": "   "}, "text"),
        ({"external_id": " "}, "external_id"),
        ({"created_at": "yesterday"}, "created_at"),
        ({"like_count": -1}, "like_count"),
    ],
)
def test_a_bad_field_is_422_naming_it_and_nothing_is_stored(webcare_api, marker_classifier, change, field):
    body = {"external_id": "abc", "text": "hello", "created_at": "2026-11-30T12:00:00Z", **change}
    response = webcare_api.post(f"{BASE}/posts", body, "application/json")
    assert response.status_code == 422, response.content
    assert field in [error["loc"][-1] for error in response.json()["detail"]]
    assert Post.objects.count() == 0
