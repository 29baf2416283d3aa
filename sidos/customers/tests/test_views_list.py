import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sidos.customers.actions import record_consent
from sidos.customers.models import Customer
from sidos.customers.tests.webhelpers import make_customer

pytestmark = pytest.mark.django_db
LIST = reverse("customers:list")


def names(response) -> list[str]:
    return [customer.display_name for customer in response.context["page"].object_list]


def test_it_lists_customers_by_name(agent_client):
    make_customer(first_name="Veikko", last_name="Aalto")
    make_customer(first_name="Anna", last_name="Öberg")
    response = agent_client.get(LIST)
    assert names(response) == ["Anna Öberg", "Veikko Aalto"]
    assert "2 customers" in response.content.decode()


def test_it_searches_by_name_prefix(agent_client):
    make_customer(first_name="Matti", last_name="Virtanen")
    make_customer(first_name="Maija", last_name="Korhonen")
    assert names(agent_client.get(LIST, {"q": "virt"})) == ["Matti Virtanen"]


def test_it_searches_by_email_and_phone(agent_client):
    make_customer(first_name="Matti", email="matti@example.fi", phone="040 123 4567")
    make_customer(first_name="Maija", email="maija@example.fi")
    assert names(agent_client.get(LIST, {"q": "matti@ex"})) == ["Matti Virtanen"]
    assert names(agent_client.get(LIST, {"q": "0401234"})) == ["Matti Virtanen"]


def test_it_filters_by_stage_type_and_country(agent_client):
    make_customer(first_name="A", stage="trial", country="FI")
    make_customer(first_name="B", stage="commitment", country="FI")
    make_customer(kind="organisation", name="Oy Yritys Ab", stage="trial", country="SE")
    assert names(agent_client.get(LIST, {"stage": "trial"})) == ["A Virtanen", "Oy Yritys Ab"]
    assert names(agent_client.get(LIST, {"stage": "trial", "country": "fi"})) == ["A Virtanen"]
    assert names(agent_client.get(LIST, {"kind": "organisation"})) == ["Oy Yritys Ab"]


def test_it_filters_by_tag(agent_client):
    make_customer(first_name="A", tags=["vip", "newsletter"])
    make_customer(first_name="B", tags=["vipper"])
    make_customer(first_name="C", tags=["kävijä"])
    assert names(agent_client.get(LIST, {"tag": "VIP"})) == ["A Virtanen"]
    assert names(agent_client.get(LIST, {"tag": "kävijä"})) == ["C Virtanen"]


def test_it_filters_by_marketing_consent(agent_client, agent):
    yes, no = make_customer(first_name="Yes"), make_customer(first_name="No")
    make_customer(first_name="Unknown")
    record_consent(agent, yes, channel="email", purpose="marketing", granted=True, source="test")
    record_consent(agent, no, channel="email", purpose="marketing", granted=False, source="test")
    assert names(agent_client.get(LIST, {"consent": "yes"})) == ["Yes Virtanen"]
    assert names(agent_client.get(LIST, {"consent": "no"})) == ["No Virtanen"]
    assert names(agent_client.get(LIST, {"consent": "unknown"})) == ["Unknown Virtanen"]


def test_it_sorts_by_created_both_ways(agent_client):
    old = make_customer(first_name="Old")
    Customer.objects.filter(pk=old.pk).update(created_at=old.created_at - dt.timedelta(days=5))
    make_customer(first_name="New")
    assert names(agent_client.get(LIST, {"sort": "created"})) == ["Old Virtanen", "New Virtanen"]
    assert names(agent_client.get(LIST, {"sort": "-created"})) == ["New Virtanen", "Old Virtanen"]


def test_it_sorts_by_name_descending(agent_client):
    make_customer(first_name="Anna")
    make_customer(first_name="Berit")
    assert names(agent_client.get(LIST, {"sort": "-name"})) == ["Berit Virtanen", "Anna Virtanen"]


def test_it_ignores_an_unknown_sort(agent_client):
    make_customer(first_name="Anna")
    assert agent_client.get(LIST, {"sort": "password"}).status_code == 200


def test_it_paginates_fifty_a_page_and_keeps_the_filters(agent_client):
    for number in range(55):
        make_customer(first_name=f"Asiakas{number:02}", stage="trial")
    first = agent_client.get(LIST, {"stage": "trial"})
    assert len(first.context["page"].object_list) == 50
    assert "55 customers" in first.content.decode()
    assert "stage=trial&amp;page=2" in first.content.decode()
    second = agent_client.get(LIST, {"stage": "trial", "page": 2})
    assert names(second) == [f"Asiakas{number} Virtanen" for number in range(50, 55)]


def test_it_lists_with_the_same_queries_whatever_the_number_of_customers(agent_client):
    make_customer(first_name="First", tags=["a"])
    with CaptureQueriesContext(connection) as few:
        agent_client.get(LIST)
    for number in range(30):
        make_customer(first_name=f"More{number}", tags=["b"], email=f"m{number}@example.com")
    with CaptureQueriesContext(connection) as many:
        agent_client.get(LIST)
    assert len(many) == len(few)
    # session, user, user and group permissions, the role in the header, the count, the page
    assert len(many) <= 7


def test_it_orders_the_list_by_the_indexed_columns(agent_client):
    make_customer()
    with CaptureQueriesContext(connection) as queries:
        agent_client.get(LIST)
    page_query = next(
        q["sql"] for q in queries.captured_queries if q["sql"].startswith('SELECT "customers_customer"')
    )
    assert 'ORDER BY "customers_customer"."search_name" ASC, "customers_customer"."id" ASC' in page_query
