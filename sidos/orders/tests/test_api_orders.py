import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sidos.customers.actions import create_customer, merge_customers
from sidos.customers.models import TimelineEvent
from sidos.orders.actions import create_order
from sidos.orders.models import Order
from sidos.privacy.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db

URL = "/api/v1/orders"
JSON = "application/json"
HELSINKI = dt.timezone(dt.timedelta(hours=2))


def make_customer(external_id: str, **fields):
    return create_customer(None, {"external_id": external_id, "first_name": "Aino", **fields}, source="test")


def make_order(customer, external_id: str, amount: str = "10.00", days_ago: int = 0, **fields) -> Order:
    ordered_at = timezone.now() - dt.timedelta(days=days_ago)
    return create_order(
        None,
        customer,
        {"external_id": external_id, "amount": Decimal(amount), "ordered_at": ordered_at, **fields},
    )


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["items"]]


@pytest.fixture
def admin_api(admin_user, api_client_for):
    return api_client_for(admin_user)


@pytest.fixture
def aino(db):
    return make_customer("C-1")


# Listing and filtering


def test_it_lists_orders_newest_first_with_their_count(admin_api, aino):
    older, newer = make_order(aino, "O-1", days_ago=2), make_order(aino, "O-2")
    response = admin_api.get(URL)
    assert response.status_code == 200
    assert response.json()["count"] == 2
    assert ids(response) == [newer.pk, older.pk]


def test_it_pages_orders(admin_api, aino):
    made = [make_order(aino, f"O-{number}", days_ago=number) for number in range(5)]
    response = admin_api.get(URL, {"limit": 2, "offset": 2})
    assert response.json()["count"] == 5
    assert ids(response) == [made[2].pk, made[3].pk]


def test_it_shows_money_as_a_decimal_string(admin_api, aino):
    make_order(aino, "O-1", amount="19.9")
    item = admin_api.get(URL).json()["items"][0]
    assert item["amount"] == "19.90"
    assert item["currency"] == "EUR"


def test_it_shows_times_with_their_offset(admin_api, aino):
    make_order(aino, "O-1")
    ordered_at = admin_api.get(URL).json()["items"][0]["ordered_at"]
    assert dt.datetime.fromisoformat(ordered_at).tzinfo is not None


def test_it_names_the_customer_of_each_order(admin_api, aino):
    make_order(aino, "O-1")
    item = admin_api.get(URL).json()["items"][0]
    assert (item["customer_id"], item["customer_external_id"], item["customer_name"]) == (
        aino.pk,
        "C-1",
        "Aino",
    )


def test_it_lists_without_a_query_per_order(admin_api, aino):
    def queries_for_a_page() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin_api.get(URL).status_code == 200
        return len(captured)

    make_order(aino, "O-0")
    admin_api.get(URL)  # the first use of a token records last_used_at
    few = queries_for_a_page()
    for number in range(1, 15):
        make_order(make_customer(f"C-{number + 1}"), f"O-{number}")
    assert queries_for_a_page() == few


def test_it_filters_by_internal_customer_id(admin_api, aino):
    mine = make_order(aino, "O-1")
    make_order(make_customer("C-2"), "O-2")
    assert ids(admin_api.get(URL, {"customer_id": aino.pk})) == [mine.pk]


def test_it_filters_by_the_customers_source_id(admin_api, aino):
    mine = make_order(aino, "O-1")
    make_order(make_customer("C-2"), "O-2")
    assert ids(admin_api.get(URL, {"external_customer_id": "C-1"})) == [mine.pk]


def test_it_filters_by_since(admin_api, aino):
    make_order(aino, "O-1", days_ago=10)
    recent = make_order(aino, "O-2", days_ago=1)
    since = (timezone.now() - dt.timedelta(days=5)).isoformat()
    assert ids(admin_api.get(URL, {"since": since})) == [recent.pk]


def test_it_filters_by_until(admin_api, aino):
    old = make_order(aino, "O-1", days_ago=10)
    make_order(aino, "O-2", days_ago=1)
    until = (timezone.now() - dt.timedelta(days=5)).isoformat()
    assert ids(admin_api.get(URL, {"until": until})) == [old.pk]


def test_it_filters_by_channel(admin_api, aino):
    make_order(aino, "O-1", channel="web")
    in_store = make_order(aino, "O-2", channel="myymälä")
    assert ids(admin_api.get(URL, {"channel": "store"})) == [in_store.pk]


def test_it_filters_by_status(admin_api, aino):
    make_order(aino, "O-1")
    returned = make_order(aino, "O-2", status="returned")
    assert ids(admin_api.get(URL, {"status": "returned"})) == [returned.pk]


def test_it_accepts_an_offset_postgresql_could_not_store(admin_api, aino):
    # ISO 8601 allows offsets up to ±23:59; PostgreSQL only ±15:59, so the API compares in UTC.
    make_order(aino, "O-1", days_ago=1)
    response = admin_api.get(URL, {"since": "2000-01-01T00:00:00-19:17"})
    assert response.json()["count"] == 1


def test_it_refuses_a_malformed_since(admin_api):
    assert admin_api.get(URL, {"since": "last tuesday"}).status_code == 422


# Creating


def test_it_creates_an_order_for_a_customer_by_internal_id(admin_api, aino):
    response = admin_api.post(
        URL,
        {
            "customer": aino.pk,
            "external_id": "O-1",
            "amount": "19.90",
            "ordered_at": "2024-03-05T10:00:00+02:00",
            "product": "Tea",
        },
        content_type=JSON,
    )
    assert response.status_code == 201
    order = Order.objects.get(external_id="O-1")
    assert (order.customer, order.amount, order.ordered_at) == (
        aino,
        Decimal("19.90"),
        dt.datetime(2024, 3, 5, 10, tzinfo=HELSINKI),
    )
    assert response.json()["amount"] == "19.90"


def test_it_creates_an_order_for_a_customer_by_source_id(admin_api, aino):
    response = admin_api.post(URL, {"customer_external_id": "C-1", "amount": "5"}, content_type=JSON)
    assert response.status_code == 201
    assert Order.objects.get().customer == aino


def test_it_finds_a_merged_customer_by_its_old_source_id(admin_api, aino):
    merge_customers(None, aino, make_customer("C-OLD"))
    response = admin_api.post(URL, {"customer_external_id": "C-OLD", "amount": "5"}, content_type=JSON)
    assert response.status_code == 201
    assert Order.objects.get().customer == aino


def test_it_writes_the_order_to_the_customers_timeline(admin_api, aino):
    response = admin_api.post(
        URL,
        {"customer": aino.pk, "external_id": "O-1", "amount": "19.90", "product": "Tea"},
        content_type=JSON,
    )
    event = TimelineEvent.objects.get(kind="order")
    assert (event.customer, event.ref_type, event.ref_id) == (aino, "order", response.json()["id"])
    assert event.title == "Order O-1: 19.90 EUR · Tea"


def test_it_audits_an_api_order_as_api(admin_api, admin_user, aino):
    admin_api.post(URL, {"customer": aino.pk, "amount": "1.00"}, content_type=JSON)
    entry = AuditEntry.objects.get(target_type="order")
    assert (entry.action, entry.actor, entry.customer_id, entry.channel) == (
        AuditAction.CREATE,
        admin_user,
        aino.pk,
        "api",
    )


def test_it_reads_a_time_without_offset_as_local_time(admin_api, aino, settings):
    settings.TIME_ZONE = "Europe/Helsinki"
    admin_api.post(
        URL, {"customer": aino.pk, "amount": "1.00", "ordered_at": "2024-01-15T12:00:00"}, content_type=JSON
    )
    assert Order.objects.get().ordered_at == dt.datetime(2024, 1, 15, 12, tzinfo=HELSINKI)


def test_it_maps_channel_words_and_upper_cases_currency(admin_api, aino):
    admin_api.post(
        URL,
        {"customer": aino.pk, "amount": "1.00", "channel": "Verkkokauppa", "currency": "sek"},
        content_type=JSON,
    )
    order = Order.objects.get()
    assert (order.channel, order.currency) == ("web", "SEK")


def test_it_refuses_money_as_a_number(admin_api, aino):
    response = admin_api.post(URL, {"customer": aino.pk, "amount": 19.9}, content_type=JSON)
    assert response.status_code == 422


def test_it_refuses_a_yes_no_value_for_a_quantity(admin_api, aino):
    response = admin_api.post(
        URL, {"customer": aino.pk, "amount": "1.00", "quantity": False}, content_type=JSON
    )
    assert response.status_code == 422


def test_it_refuses_money_with_three_decimals(admin_api, aino):
    response = admin_api.post(URL, {"customer": aino.pk, "amount": "1.999"}, content_type=JSON)
    assert response.status_code == 422


def test_it_refuses_an_unknown_customer_with_400(admin_api):
    response = admin_api.post(URL, {"customer": 999999, "amount": "1.00"}, content_type=JSON)
    assert response.status_code == 400
    assert response.json()["field"] == "customer"


def test_it_refuses_an_unknown_customer_source_id_with_400(admin_api):
    response = admin_api.post(URL, {"customer_external_id": "NOPE", "amount": "1.00"}, content_type=JSON)
    assert response.status_code == 400
    assert response.json()["field"] == "customer_external_id"


def test_it_needs_exactly_one_customer_reference(admin_api, aino):
    both = {"customer": aino.pk, "customer_external_id": "C-1", "amount": "1.00"}
    assert admin_api.post(URL, both, content_type=JSON).status_code == 422
    assert admin_api.post(URL, {"amount": "1.00"}, content_type=JSON).status_code == 422


def test_it_refuses_a_taken_order_id_with_409(admin_api, aino):
    make_order(aino, "O-1")
    response = admin_api.post(
        URL, {"customer": aino.pk, "external_id": "O-1", "amount": "1.00"}, content_type=JSON
    )
    assert response.status_code == 409
    assert response.json()["field"] == "external_id"
    assert Order.objects.count() == 1


# Reading and changing one


def test_it_shows_an_order(admin_api, aino):
    order = make_order(aino, "O-1", amount="3.50")
    body = admin_api.get(f"{URL}/{order.pk}").json()
    assert (body["external_id"], body["amount"], body["customer_id"]) == ("O-1", "3.50", aino.pk)


@pytest.mark.parametrize("method", ["get", "patch"])
def test_it_answers_404_for_a_missing_order(admin_api, method):
    response = getattr(admin_api, method)(f"{URL}/999999", {}, content_type=JSON)
    assert response.status_code == 404


def test_it_changes_only_the_fields_sent(admin_api, aino):
    order = make_order(aino, "O-1", amount="10.00", product="Tea")
    response = admin_api.patch(f"{URL}/{order.pk}", {"amount": "12.00"}, content_type=JSON)
    assert response.status_code == 200
    order.refresh_from_db()
    assert (order.amount, order.product, order.external_id) == (Decimal("12.00"), "Tea", "O-1")


def test_it_keeps_the_timeline_title_in_step_with_a_change(admin_api, aino):
    order = make_order(aino, "O-1", amount="10.00")
    admin_api.patch(f"{URL}/{order.pk}", {"amount": "12.00"}, content_type=JSON)
    assert TimelineEvent.objects.get(ref_type="order", ref_id=order.pk).title == "Order O-1: 12.00 EUR"


def test_it_audits_an_order_change(admin_api, aino):
    order = make_order(aino, "O-1", amount="10.00")
    admin_api.patch(f"{URL}/{order.pk}", {"status": "returned"}, content_type=JSON)
    entry = AuditEntry.objects.get(target_type="order", action=AuditAction.UPDATE)
    assert (entry.channel, entry.changes) == ("api", {"status": ["completed", "returned"]})


def test_it_moves_an_order_to_another_customer(admin_api, aino):
    order = make_order(aino, "O-1")
    other = make_customer("C-2")
    response = admin_api.patch(f"{URL}/{order.pk}", {"customer_external_id": "C-2"}, content_type=JSON)
    assert response.json()["customer_id"] == other.pk
    assert TimelineEvent.objects.get(ref_type="order", ref_id=order.pk).customer == other


def test_it_refuses_to_take_another_orders_id_with_409(admin_api, aino):
    make_order(aino, "O-1")
    order = make_order(aino, "O-2")
    response = admin_api.patch(f"{URL}/{order.pk}", {"external_id": "O-1"}, content_type=JSON)
    assert response.status_code == 409


def test_it_refuses_null_for_an_amount(admin_api, aino):
    order = make_order(aino, "O-1")
    assert admin_api.patch(f"{URL}/{order.pk}", {"amount": None}, content_type=JSON).status_code == 422


# Roles


def test_it_lets_an_agent_create_and_change_orders(agent, api_client_for, aino):
    client = api_client_for(agent)
    created = client.post(URL, {"customer": aino.pk, "amount": "1.00"}, content_type=JSON)
    assert created.status_code == 201
    changed = client.patch(f"{URL}/{created.json()['id']}", {"amount": "2.00"}, content_type=JSON)
    assert changed.status_code == 200


@pytest.mark.parametrize("role", ["marketer", "analyst"])
def test_it_lets_marketers_and_analysts_read_orders_only(request, api_client_for, aino, role):
    client = api_client_for(request.getfixturevalue(role))
    order = make_order(aino, "O-1")
    assert client.get(URL).status_code == 200
    assert client.get(f"{URL}/{order.pk}").status_code == 200
    assert client.post(URL, {"customer": aino.pk, "amount": "1.00"}, content_type=JSON).status_code == 403
    assert client.patch(f"{URL}/{order.pk}", {"amount": "2.00"}, content_type=JSON).status_code == 403
    assert Order.objects.count() == 1


def test_it_forbids_a_user_without_a_role_every_order_endpoint(outsider, api_client_for, aino):
    client = api_client_for(outsider)
    order = make_order(aino, "O-1")
    responses = [
        client.get(URL),
        client.post(URL, {"customer": aino.pk, "amount": "1.00"}, content_type=JSON),
        client.get(f"{URL}/{order.pk}"),
        client.patch(f"{URL}/{order.pk}", {"amount": "2.00"}, content_type=JSON),
    ]
    assert [response.status_code for response in responses] == [403] * 4
    assert all("orders." in response.json()["detail"] for response in responses)
