import datetime as dt
import io
from collections import Counter

import phonenumbers
import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db.models import Count, Max, Min
from django.utils import timezone

from sidos.customers.demodata import ANCHOR, HISTORY_DAYS, generate
from sidos.customers.models import Customer, TimelineEvent
from sidos.orders.models import Order

SIZE = 200


def load_demo(**options) -> str:
    out = io.StringIO()
    call_command("load-demo", customers=SIZE, stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def demo(db, settings):
    settings.DEBUG = True
    return load_demo()


def snapshot() -> dict:
    return {
        "customers": list(Customer.objects.order_by("external_id").values()),
        "orders": list(Order.objects.order_by("external_id").values()),
        "timeline": TimelineEvent.objects.count(),
    }


def test_generating_twice_gives_identical_files():
    first, second = generate(SIZE), generate(SIZE)
    assert first.customers_csv == second.customers_csv
    assert first.orders_csv == second.orders_csv


def test_it_loads_the_requested_number_of_customers_through_the_importers(demo):
    data = generate(SIZE)
    assert Customer.objects.count() == SIZE
    assert Order.objects.count() == len(data.order_ids)
    assert "200 created" in demo


def test_a_second_run_changes_nothing(demo):
    before = snapshot()
    output = load_demo()
    assert "already loaded" in output
    assert snapshot() == before


def test_reimporting_the_demo_files_leaves_every_row_unchanged(demo):
    before = snapshot()
    output = load_demo(reimport=True)
    assert "0 created, 0 updated, 200 unchanged" in output
    assert snapshot() == before


def test_customers_come_from_all_four_countries_in_their_own_language(demo):
    assert Counter(Customer.objects.values_list("country", flat=True)).keys() == {"FI", "SE", "NO", "RU"}
    russian = Customer.objects.filter(country="RU", kind="person").first()
    assert russian.language == "ru"
    assert russian.phone.startswith("+7")
    assert "\u0400" <= russian.last_name[0] <= "\u04ff"  # Cyrillic


def test_every_phone_is_valid_for_the_customers_country(demo):
    for phone, country in Customer.objects.exclude(phone="").values_list("phone", "country"):
        number = phonenumbers.parse(phone)
        assert phonenumbers.is_valid_number(number), phone
        assert phonenumbers.region_code_for_number(number) == country, phone


def test_organisations_are_among_the_customers(demo):
    names = list(Customer.objects.filter(kind="organisation").values_list("name", flat=True))
    assert names
    assert all(name.endswith((" Oy", " AB", " AS")) or name.startswith("ООО") for name in names)


def test_deliberate_duplicates_share_an_email_or_a_phone(demo):
    pairs = generate(SIZE).duplicates
    assert pairs
    for original_id, duplicate_id in pairs:
        original = Customer.objects.get(external_id=original_id)
        duplicate = Customer.objects.get(external_id=duplicate_id)
        assert (original.first_name, original.last_name) == (duplicate.first_name, duplicate.last_name)
        assert (duplicate.email and duplicate.email == original.email) or (
            duplicate.phone and duplicate.phone == original.phone)


def test_orders_span_two_years_ending_on_the_anchor_date(demo):
    span = Order.objects.aggregate(first=Min("ordered_at"), last=Max("ordered_at"))
    first, last = timezone.localdate(span["first"]), timezone.localdate(span["last"])
    assert last <= ANCHOR
    assert ANCHOR - last < dt.timedelta(days=7)
    assert first >= ANCHOR - dt.timedelta(days=HISTORY_DAYS)
    assert first - (ANCHOR - dt.timedelta(days=HISTORY_DAYS)) < dt.timedelta(days=30)


def test_orders_cover_every_channel_and_include_returns(demo):
    assert set(Order.objects.values_list("channel", flat=True)) == {"web", "store", "phone"}
    assert Order.objects.filter(channel="store").exclude(store="").exists()
    assert Order.objects.filter(amount__lt=0, status="returned").exists()


def test_a_few_heavy_buyers_and_many_one_timers(demo):
    per_customer = Counter(Customer.objects.annotate(n=Count("orders")).values_list("n", flat=True))
    assert per_customer[1] > SIZE * 0.15
    assert sum(count for orders, count in per_customer.items() if orders >= 20) >= 3


def test_it_creates_the_demo_logins(demo):
    for username in ("admin", "agent", "marketer", "analyst"):
        user = authenticate(username=username, password="demo")
        assert user is not None and user.is_staff
        assert user.groups.filter(name=username).exists()


def test_it_refuses_to_run_without_debug(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="SIDOS_DEBUG"):
        load_demo()
    assert not Customer.objects.exists()
