import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from sidos.customers.models import Customer
from sidos.lib.bulkinsert import concrete_field_names, insert_objects, reserve_ids
from sidos.orders.models import Order

pytestmark = pytest.mark.django_db


def test_inserted_rows_read_back_exactly_as_the_orm_would_store_them():
    moment = dt.datetime(2024, 5, 1, 12, 30, 15, 123456, tzinfo=dt.UTC)
    customer = Customer(
        first_name="Äijä",
        tags=["vip", "työ"],
        attributes={"n": 1, "ä": "ö"},
        birth_date=dt.date(1990, 2, 1),
        created_at=moment,
        updated_at=moment,
        marketing_email_consent=True,
    )
    with transaction.atomic():
        [customer.pk] = reserve_ids(Customer, 1)
        insert_objects(Customer, [customer], concrete_field_names(Customer))
    stored = Customer.objects.get(pk=customer.pk)
    assert (stored.first_name, stored.tags, stored.attributes) == ("Äijä", ["vip", "työ"], {"n": 1, "ä": "ö"})
    assert (stored.birth_date, stored.created_at, stored.marketing_email_consent) == (
        dt.date(1990, 2, 1),
        moment,
        True,
    )
    assert Customer.objects.filter(tags__icontains='"vip"').exists()


def test_decimal_amounts_keep_their_cents():
    customer = Customer.objects.create(first_name="A")
    order = Order(
        customer=customer,
        ordered_at=timezone.now(),
        amount=Decimal("-19.90"),
        created_at=timezone.now(),
        updated_at=timezone.now(),
    )
    with transaction.atomic():
        [order.pk] = reserve_ids(Order, 1)
        insert_objects(Order, [order], concrete_field_names(Order))
    assert Order.objects.get().amount == Decimal("-19.90")


def test_reserved_ids_never_reuse_the_id_of_a_deleted_row():
    first = Customer.objects.create(first_name="A")
    second = Customer.objects.create(first_name="B")
    deleted_id = second.pk
    second.delete()
    with transaction.atomic():
        ids = reserve_ids(Customer, 3)
    assert ids[0] > deleted_id > first.pk
    assert ids == list(range(ids[0], ids[0] + 3))


def test_a_big_import_leaves_planner_statistics_behind(csv_file, settings, monkeypatch):
    from django.db import connection

    from sidos.customers.tests.importhelpers import run_command

    settings.SIDOS_IMPORT_BATCH_SIZE = 50
    monkeypatch.setattr("sidos.customers.importjob.ANALYZE_AFTER_ROWS", 100)
    rows = "".join(f"{n},p{n}@example.fi\n" for n in range(120))
    run_command("import-customers", str(csv_file("customer_id,email\n" + rows)))
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'customers_customer'")
        else:
            cursor.execute("SELECT count(*) FROM pg_stats WHERE tablename = 'customers_customer'")
        assert cursor.fetchone()[0] > 0


def test_an_unsaved_instance_is_the_same_as_a_constructed_one():
    from sidos.lib.bulkinsert import unsaved

    moment = timezone.now()
    values = {"first_name": "Aino", "tags": [], "attributes": {}, "created_at": moment, "updated_at": moment}
    fast, constructed = unsaved(Customer, values), Customer(**values)
    for field in Customer._meta.concrete_fields:
        assert getattr(fast, field.attname) == getattr(constructed, field.attname), field.name
    assert fast._state.adding and fast._state.db is None
    with transaction.atomic():
        [fast.pk] = reserve_ids(Customer, 1)
        insert_objects(Customer, [fast], concrete_field_names(Customer))
    assert Customer.objects.get(pk=fast.pk).kind == "person"


def test_unsaved_refuses_to_leave_out_a_field_with_a_callable_default():
    from sidos.lib.bulkinsert import unsaved

    # Left out, tags would be a deferred field: each read a query, and no default list of its own.
    with pytest.raises(TypeError, match="attributes, created_at, tags"):
        unsaved(Customer, {"first_name": "Aino"})
