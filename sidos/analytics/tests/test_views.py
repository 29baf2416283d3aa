import datetime as dt

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

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


def pages():
    return [
        reverse("analytics:dashboard"),
        reverse("analytics:at_risk"),
        reverse("analytics:backtest"),
        reverse("analytics:segment", args=["lost"]),
        reverse("analytics:at_risk_csv"),
    ]


def test_it_redirects_anonymous_visitors_to_login(client, scored):
    for url in pages():
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login" in response["Location"], url


def test_it_refuses_the_outsider(outsider_client, scored):
    for url in pages():
        assert outsider_client.get(url).status_code == 403, url


def test_the_dashboard_shows_segments_cohorts_and_charts(admin_client, scored):
    response = admin_client.get(reverse("analytics:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html and "Cohort retention" in html and "Champions" in html or "Lost" in html


def test_the_dashboard_explains_how_to_start_without_a_run(admin_client):
    response = admin_client.get(reverse("analytics:dashboard"))
    assert b"analytics-recompute" in response.content


def test_the_dashboard_runs_a_fixed_number_of_queries(admin_client, scored):
    with CaptureQueriesContext(connection) as queries:
        admin_client.get(reverse("analytics:dashboard"))
    before = len(queries.captured_queries)
    more = factories.customers(20, prefix="more")
    Order.objects.bulk_create([factories.order(c, dt.date(2024, 1, 1)) for c in more])
    actions.recompute(as_of=AS_OF)
    with CaptureQueriesContext(connection) as queries:
        admin_client.get(reverse("analytics:dashboard"))
    assert len(queries.captured_queries) == before


def test_the_at_risk_csv_lists_flagged_customers(admin_client, scored, settings):
    response = admin_client.get(reverse("analytics:at_risk_csv"))
    assert response.status_code == 200
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("customer_id,external_id,name")


def test_the_analyst_without_export_permission_cannot_download_the_csv(client, scored, make_staff):
    client.force_login(make_staff("agent", "agent2"))
    assert client.get(reverse("analytics:at_risk_csv")).status_code == 403


def test_the_backtest_page_runs_and_shows_a_backtest(admin_client, scored):
    response = admin_client.post(
        reverse("analytics:backtest"),
        {"calibration_end": "2023-12-31", "holdout_end": "2024-06-30", "time_unit": "week"},
    )
    assert response.status_code == 302
    page = admin_client.get(reverse("analytics:backtest")).content.decode()
    assert "<svg" in page and "hiatus" in page


def test_the_backtest_page_reports_bad_dates(admin_client, scored):
    response = admin_client.post(
        reverse("analytics:backtest"),
        {"calibration_end": "2024-06-30", "holdout_end": "2024-01-01"},
        follow=True,
    )
    assert "holdout must end after" in response.content.decode()


def test_the_customer_snippet_shows_scores_and_a_sparkline(scored):
    html = Template("{% load analytics %}{% customer_scores customer %}").render(
        Context({"customer": scored[4]})
    )
    assert "Churn risk" in html and "<svg" in html


def test_the_customer_snippet_says_when_there_are_no_scores(db):
    person = factories.customers(1)[0]
    html = Template("{% load analytics %}{% customer_scores customer %}").render(
        Context({"customer": person})
    )
    assert "Not scored yet" in html
