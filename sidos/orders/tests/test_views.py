import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sidos.customers.tests.webhelpers import make_customer, make_order
from sidos.orders.models import Order

pytestmark = pytest.mark.django_db
ORDERS = reverse("orders:list")


def ids(response) -> list[str]:
    return [order.external_id for order in response.context["page"].object_list]


def test_it_lists_orders_newest_first(agent_client):
    customer = make_customer()
    make_order(customer, "old", days_ago=3)
    make_order(customer, "new", days_ago=1)
    assert ids(agent_client.get(ORDERS)) == ["new", "old"]


def test_it_filters_by_customer(agent_client):
    aino, eino = make_customer(), make_customer(first_name="Eino")
    make_order(aino, "A")
    make_order(eino, "E")
    response = agent_client.get(ORDERS, {"customer": eino.pk})
    assert ids(response) == ["E"]
    assert response.context["customer"] == eino


def test_it_filters_by_channel_and_status(agent_client):
    customer = make_customer()
    make_order(customer, "web-paid", channel="web", status="paid")
    make_order(customer, "store-paid", channel="store", status="paid")
    make_order(customer, "web-returned", channel="web", status="returned")
    assert ids(agent_client.get(ORDERS, {"channel": "web", "status": "paid"})) == ["web-paid"]


def test_it_filters_by_date_range_including_the_last_day(agent_client):
    customer = make_customer()
    for day in (1, 2, 3):
        Order.objects.create(
            customer=customer,
            external_id=f"may-{day}",
            amount=1,
            ordered_at=timezone.make_aware(dt.datetime(2024, 5, day, 23, 30)),
        )
    response = agent_client.get(ORDERS, {"since": "2024-05-02", "until": "2024-05-03"})
    assert ids(response) == ["may-3", "may-2"]


def test_it_paginates_orders(agent_client):
    customer = make_customer()
    for number in range(51):
        make_order(customer, f"O-{number}", days_ago=number)
    assert len(agent_client.get(ORDERS).context["page"].object_list) == 50
    assert ids(agent_client.get(ORDERS, {"page": 2})) == ["O-50"]


def test_it_lists_orders_without_a_query_per_row(agent_client):
    customer = make_customer()
    make_order(customer, "first")
    with CaptureQueriesContext(connection) as few:
        agent_client.get(ORDERS)
    for number in range(20):
        make_order(make_customer(first_name=f"C{number}"), f"O-{number}")
    with CaptureQueriesContext(connection) as many:
        agent_client.get(ORDERS)
    assert len(many) == len(few)


def test_it_forbids_the_orders_list_to_an_account_without_a_role(outsider_client):
    assert outsider_client.get(ORDERS).status_code == 403
