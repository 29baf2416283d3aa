"""Churn reasons are stored as codes and numbers and put into words in the reader's language."""

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import translation

from sidos.analytics import actions
from sidos.analytics.models import CustomerScore
from sidos.analytics.reasons import reason_text
from sidos.analytics.tests import factories
from sidos.orders.models import Order

AS_OF = dt.date(2024, 6, 30)


def test_the_reason_is_english_in_the_english_ui():
    with translation.override("en"):
        text = reason_text({"code": "one_time", "params": {"days": 40}})
    assert text == "bought once, 40 days ago, and has not come back"


def test_the_same_stored_reason_is_finnish_in_the_finnish_ui():
    with translation.override("fi"):
        text = reason_text({"code": "gap", "params": {"gap": 24, "days": 83}})
    assert text == "tilaa yleensä 24 päivän välein; viimeisestä tilauksesta 83 päivää"


def test_decimals_are_written_as_the_language_writes_them():
    data = {"code": "basket", "params": {"before": 45.5, "recent": 12.25}}
    with translation.override("en"):
        assert reason_text(data) == "average order value fell from 45.50 to 12.25"
    with translation.override("fi"):
        assert reason_text(data) == "keskiostos laski 45,50 → 12,25"


def test_stored_json_text_and_unknown_codes_are_handled():
    with translation.override("en"):
        assert reason_text(json.dumps({"code": "inactive", "params": {"days": 9, "p": 40}})).startswith(
            "9 days"
        )
    assert reason_text({"code": "from_a_later_version", "params": {}}) == ""
    assert reason_text({"code": "gap", "params": {}}) == ""
    assert reason_text(None) == ""


@pytest.fixture
def flagged(db, settings):
    # Flag everyone: this test is about how a reason is shown, not about who is at risk.
    settings.SIDOS_ANALYTICS_FLAG_RISK = 0.0
    settings.SIDOS_ANALYTICS_FLAG_MIN_P_ALIVE = 0.0
    people = factories.customers(30)
    orders = []
    for i, person in enumerate(people):
        for k in range(i % 5 + 1):
            orders.append(
                factories.order(person, dt.date(2023, 1, 1) + dt.timedelta(days=i * 5 + k * (15 + i)), 20 + k)
            )
    Order.objects.bulk_create(orders)
    actions.recompute(as_of=AS_OF)
    score = CustomerScore.objects.filter(flagged=True).order_by("-value_at_risk").first()
    assert score is not None
    return score


def test_the_at_risk_list_shows_the_reason_in_the_language_of_the_reader(admin_client, flagged):
    with translation.override("en"):
        english = flagged.churn_reason
    with translation.override("fi"):
        finnish = flagged.churn_reason
    assert english and finnish and english != finnish
    page = admin_client.get(reverse("analytics:at_risk"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert english in page
    admin_client.cookies["django_language"] = "fi"
    page = admin_client.get(reverse("analytics:at_risk"), HTTP_ACCEPT_LANGUAGE="fi").content.decode()
    assert finnish in page and english not in page
