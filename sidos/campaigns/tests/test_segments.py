import datetime as dt
from decimal import Decimal

import pytest

from sidos.analytics.models import AnalyticsRun, CustomerScore
from sidos.campaigns import audience
from sidos.campaigns.models import Segment, Suppression
from sidos.campaigns.segments import SegmentError, validate
from sidos.campaigns.tests.helpers import bulk_customers
from sidos.customers.tests.webhelpers import make_customer, make_order

pytestmark = pytest.mark.django_db


def names(definition) -> set[str]:
    return set(Segment(definition=definition).customers().values_list("first_name", flat=True))


def test_bad_filters_are_reported_by_field():
    with pytest.raises(SegmentError) as caught:
        validate(
            {
                "country": ["Finland"],
                "rfm_segment": ["sleepy"],
                "orders_min": -1,
                "colour": "red",
                "orders_max": "many",
            }
        )
    assert set(caught.value.errors) == {"country", "rfm_segment", "orders_min", "colour", "orders_max"}
    assert "sleepy" in caught.value.errors["rfm_segment"]


def test_min_above_max_is_refused():
    with pytest.raises(SegmentError) as caught:
        validate({"revenue_min": "100", "revenue_max": "50,5"})
    assert "revenue_max" in caught.value.errors


def test_it_filters_by_profile_fields_and_tags():
    make_customer(first_name="Aino", country="FI", language="fi", stage="trial", tags=["vip", "news"])
    make_customer(first_name="Bo", country="SE", language="sv", stage="commitment", tags=["news"])
    make_customer(first_name="Cai", country="FI", language="sv", tags=["staff"])
    assert names({"country": ["fi"]}) == {"Aino", "Cai"}
    assert names({"language": ["sv"], "country": ["FI"]}) == {"Cai"}
    assert names({"stage": ["trial", "commitment"]}) == {"Aino", "Bo"}
    assert names({"tags_any": ["vip", "staff"]}) == {"Aino", "Cai"}
    assert names({"tags_all": ["vip", "news"]}) == {"Aino"}
    assert names({"tags_none": ["staff"]}) == {"Aino", "Bo"}


def test_it_filters_by_order_history():
    often = make_customer(first_name="Often")
    once = make_customer(first_name="Once")
    make_customer(first_name="Never")
    for n in range(3):
        make_order(often, f"o{n}", amount="50.00", days_ago=10 + n)
    make_order(often, "cancelled", amount="999.00", days_ago=1, status="cancelled")
    make_order(once, "old", amount="500.00", days_ago=400)
    assert names({"orders_min": 2}) == {"Often"}
    assert names({"orders_max": 1}) == {"Once", "Never"}
    assert names({"revenue_min": "149.99"}) == {"Often", "Once"}
    assert names({"revenue_max": "150"}) == {"Often", "Never"}
    assert names({"last_order_within_days": 30}) == {"Often"}  # the cancelled one does not count
    assert names({"no_order_within_days": 30}) == {"Once", "Never"}


def test_it_filters_by_the_current_analytics_scores():
    at_risk = make_customer(first_name="Risky")
    champion = make_customer(first_name="Champ")
    old_run = AnalyticsRun.objects.create(as_of=dt.date(2025, 1, 1), status="done")
    run = AnalyticsRun.objects.create(as_of=dt.date(2026, 1, 1), status="done", is_current=True)
    CustomerScore.objects.create(
        run=run,
        customer=at_risk,
        as_of=run.as_of,
        segment="at_risk",
        churn_risk=0.8,
        value_decile=9,
        flagged=True,
    )
    CustomerScore.objects.create(
        run=run, customer=champion, as_of=run.as_of, segment="champions", churn_risk=0.1, value_decile=5
    )
    CustomerScore.objects.create(run=old_run, customer=champion, as_of=old_run.as_of, segment="at_risk")
    assert names({"rfm_segment": ["at_risk"]}) == {"Risky"}
    assert names({"churn_risk": ["high"]}) == {"Risky"}
    assert names({"churn_risk": ["low", "medium"]}) == {"Champ"}
    assert names({"value_class": ["top"]}) == {"Risky"}
    assert names({"churn_flagged": True}) == {"Risky"}


def test_the_audience_is_one_query_and_needs_consent_and_no_suppression(django_assert_num_queries):
    customers = bulk_customers(40, consent=lambda i: [True, False, None, True][i % 4], country="FI")
    Suppression.objects.create(address=customers[3].email, reason="unsubscribed")
    members = Segment(definition={"country": ["FI"], "orders_max": 0, "tags_none": ["x"]}).customers()
    with django_assert_num_queries(1):
        reachable = set(audience.eligible(members).values_list("pk", flat=True))
    expected = {c.pk for i, c in enumerate(customers) if i % 4 in (0, 3) and i != 3}
    assert reachable == expected


def test_the_ledger_decides_consent_not_the_cached_flag():
    customer = make_customer(first_name="Aino", email="aino@example.fi")
    customer.marketing_email_consent = True
    customer.save()
    assert not audience.eligible(Segment(definition={}).customers()).exists()


def test_a_control_group_is_the_same_draw_for_the_same_seed():
    ids = list(range(1, 1001))
    first = audience.draw_control(ids, Decimal("0.2"), 7)
    assert len(first) == 200
    assert audience.draw_control(list(reversed(ids)), Decimal("0.2"), 7) == first
    assert audience.draw_control(ids, Decimal("0.2"), 8) != first


def test_a_customer_gets_their_language_else_english_else_the_first():
    assert audience.pick_language("sv", ["en", "fi", "sv"]) == "sv"
    assert audience.pick_language("ru", ["en", "fi"]) == "en"
    assert audience.pick_language("", ["fi"]) == "fi"
