import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from sidos.customers.models import Customer, TimelineEvent
from sidos.customers.tests.importhelpers import run_command
from sidos.orders.models import Order

pytestmark = pytest.mark.django_db

HEADER = "order_id,customer_id,ordered_at,amount,currency,quantity,channel,store,product,status\n"


@pytest.fixture
def customer(db):
    return Customer.objects.create(external_id="C1", first_name="Aino")


def test_it_imports_orders_onto_the_customer_timeline(csv_file, customer):
    path = csv_file(HEADER + 'O1,C1,2024-05-01T12:00:00+03:00,"19,90",eur,2,verkkokauppa,,Kahvi,toimitettu\n')
    status, summary, _out = run_command("import-orders", str(path))
    assert (status, summary["created"]) == (0, 1)
    order = Order.objects.get()
    assert order.customer == customer
    assert order.amount == Decimal("19.90") and order.currency == "EUR" and order.quantity == 2
    assert (order.channel, order.status) == ("web", "delivered")
    assert order.ordered_at == dt.datetime(2024, 5, 1, 9, 0, tzinfo=dt.UTC)
    event = TimelineEvent.objects.get(customer=customer, kind="order")
    assert (event.ref_type, event.ref_id, event.occurred_at) == ("order", order.pk, order.ordered_at)


def test_finnish_dates_and_semicolons_work(csv_file, customer):
    path = csv_file("tilausnumero;asiakasnumero;tilauspäivä;summa\nO1;C1;3.2.2025;1 234,50\n")
    run_command("import-orders", str(path))
    order = Order.objects.get()
    assert order.amount == Decimal("1234.50")
    assert timezone.localtime(order.ordered_at).date() == dt.date(2025, 2, 3)


def test_reimporting_changes_nothing_and_a_change_updates(csv_file, customer):
    path = csv_file(HEADER + "O1,C1,2024-05-01,10,EUR,1,web,,A,completed\n")
    run_command("import-orders", str(path))
    status, summary, _out = run_command("import-orders", str(path))
    assert (summary["created"], summary["updated"], summary["unchanged"]) == (0, 0, 1)
    changed = csv_file(HEADER + "O1,C1,2024-05-01,-10,EUR,1,web,,A,returned\n", name="b.csv")
    status, summary, _out = run_command("import-orders", str(changed))
    assert summary["updated"] == 1
    assert Order.objects.get().amount == Decimal("-10.00")
    assert TimelineEvent.objects.filter(kind="order").count() == 1
    assert "-10.00" in TimelineEvent.objects.get(kind="order").title


@pytest.mark.parametrize(
    ("row", "field"),
    [
        (",C1,2024-05-01,10,EUR,1,,,,", "order_id"),
        ("O1,,2024-05-01,10,EUR,1,,,,", "customer_id"),
        ("O1,C1,yesterday,10,EUR,1,,,,", "ordered_at"),
        ("O1,C1,2024-05-01,ten,EUR,1,,,,", "amount"),
        ("O1,C1,2024-05-01,10,EURO,1,,,,", "currency"),
        ("O1,C1,2024-05-01,10,EUR,1.5,,,,", "quantity"),
        ("O1,C1,2024-05-01,10,EUR,1,,,,lost", "status"),
        ("O1,NOPE,2024-05-01,10,EUR,1,,,,", "customer_id"),
    ],
)
def test_it_rejects_bad_rows_naming_the_field(csv_file, customer, row, field):
    import csv

    status, summary, _out = run_command("import-orders", str(csv_file(HEADER + row + "\n")))
    assert (status, summary["rejected"]) == (1, 1)
    with open(summary["errors"], encoding="utf-8") as report:
        assert next(csv.DictReader(report))["field"] == field
    assert Order.objects.count() == 0


def test_unknown_customers_can_be_created_on_request(csv_file, db):
    path = csv_file(HEADER + "O1,NEW,2024-05-01,10,EUR,1,,,,\nO2,NEW,2024-06-01,5,EUR,1,,,,\n")
    status, summary, _out = run_command("import-orders", str(path), "--create-customers")
    assert (status, summary["created"]) == (0, 2)
    assert Customer.objects.get().orders.count() == 2


def test_zero_and_negative_amounts_are_kept(csv_file, customer):
    run_command(
        "import-orders", str(csv_file(HEADER + "O1,C1,2024-05-01,0,,,,,,\nO2,C1,2024-05-02,-5,,,,,,\n"))
    )
    assert sorted(Order.objects.values_list("amount", flat=True)) == [Decimal("-5.00"), Decimal("0.00")]
