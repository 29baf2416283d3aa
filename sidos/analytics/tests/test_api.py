import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sidos.analytics import actions
from sidos.analytics.tests import factories
from sidos.orders.models import Order

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2024, 6, 30)


@pytest.fixture
def scored(db):
    people = factories.customers(30)
    orders = []
    for i, person in enumerate(people):
        for k in range(i % 5 + 1):
            orders.append(
                factories.order(person, dt.date(2023, 1, 1) + dt.timedelta(days=i * 5 + k * (15 + i)), 20 + k)
            )
    Order.objects.bulk_create(orders)
    actions.recompute(as_of=AS_OF)
    return people


def test_it_returns_a_customers_scores(api_client_for, analyst, scored):
    response = api_client_for(analyst).get(f"/api/v1/analytics/customers/{scored[3].pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["customer_id"] == scored[3].pk
    assert 0 <= body["churn_risk"] <= 1
    assert body["segment"]


def test_it_answers_404_for_a_customer_without_scores(api_client_for, analyst, scored):
    late = factories.customers(1, prefix="new")[0]
    assert api_client_for(analyst).get(f"/api/v1/analytics/customers/{late.pk}").status_code == 404


def test_it_refuses_a_user_without_the_permission(api_client_for, outsider, scored):
    client = api_client_for(outsider)
    for url in (
        "/api/v1/analytics/segments",
        f"/api/v1/analytics/customers/{scored[0].pk}",
        "/api/v1/analytics/at-risk",
        "/api/v1/analytics/segments/lost/customers",
    ):
        assert client.get(url).status_code == 403, url


def test_it_refuses_a_request_without_a_token(client, scored):
    assert client.get("/api/v1/analytics/segments").status_code == 401


def test_it_lists_segment_sizes_and_revenue_shares(api_client_for, analyst, scored):
    body = api_client_for(analyst).get("/api/v1/analytics/segments").json()
    assert sum(item["customers"] for item in body["items"]) == 30
    assert body["as_of"] == AS_OF.isoformat()


def test_it_pages_a_segments_customers(api_client_for, analyst, scored):
    client = api_client_for(analyst)
    segment = next(
        i["segment"] for i in client.get("/api/v1/analytics/segments").json()["items"] if i["customers"] > 1
    )
    body = client.get(f"/api/v1/analytics/segments/{segment}/customers?limit=1").json()
    assert set(body) == {"items", "count"}
    assert len(body["items"]) == 1 and body["count"] > 1


def test_it_rejects_an_unknown_segment(api_client_for, analyst, scored):
    assert api_client_for(analyst).get("/api/v1/analytics/segments/vip/customers").status_code == 422


def test_it_pages_the_at_risk_list_in_bounded_queries(api_client_for, analyst, scored):
    client = api_client_for(analyst)
    client.get("/api/v1/analytics/at-risk?limit=1")  # the first request also stamps the token's last use
    with CaptureQueriesContext(connection) as small:
        client.get("/api/v1/analytics/at-risk?limit=2")
    with CaptureQueriesContext(connection) as large:
        body = client.get("/api/v1/analytics/at-risk?limit=100").json()
    assert set(body) == {"items", "count"}
    assert len(large.captured_queries) == len(small.captured_queries)
