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
from sidos.servicedesk.models import (
    CannedResponse,
    Channel,
    CsatRating,
    FaqArticle,
    MessageKind,
    Status,
    Ticket,
    TicketMessage,
    TicketType,
)

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
        "tickets": list(Ticket.objects.order_by("pk").values()),
        "messages": TicketMessage.objects.count(),
        "ratings": list(CsatRating.objects.order_by("pk").values()),
        "faq": FaqArticle.objects.count(),
        "canned": CannedResponse.objects.count(),
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


def test_demo_tickets_cover_every_type_channel_and_status(demo):
    tickets = Ticket.objects.all()
    assert tickets.count() == 55  # 11 stories x 5 types for a demo of 200 customers
    assert set(tickets.values_list("ticket_type", flat=True)) == set(TicketType.values)
    assert set(tickets.values_list("channel", flat=True)) == set(Channel.values)
    assert set(tickets.values_list("status", flat=True)) == set(Status.values)
    assert set(tickets.values_list("customer__external_id", flat=True)) <= set(generate(SIZE).customer_ids)
    assert "demo tickets: 55 created, 0 already there; 5 FAQ articles, 4 canned responses" in demo


def test_demo_tickets_have_replies_notes_ratings_and_a_history(demo):
    now = timezone.now()
    kinds = Counter(TicketMessage.objects.values_list("kind", flat=True))
    assert kinds[MessageKind.REPLY] > 0 and kinds[MessageKind.NOTE] > 0
    assert CsatRating.objects.filter(score__lte=2).exists() and CsatRating.objects.filter(score=5).exists()
    # Every step happened at its moment in the past, in order, never after loading.
    for ticket in Ticket.objects.prefetch_related("messages"):
        moments = [message.created_at for message in ticket.messages.order_by("pk")]
        assert moments == sorted(moments) and moments[-1] <= now
        assert moments[0] == ticket.created_at
    assert Ticket.objects.filter(created_at__lt=now - dt.timedelta(days=14)).exists()
    # Solved ones carry their resolution time; the waiting ones have the SLA clock paused.
    assert not Ticket.objects.filter(status__in=[Status.RESOLVED, Status.CLOSED], resolved_at=None).exists()
    assert not Ticket.objects.filter(status=Status.WAITING, sla_paused_at=None).exists()
    # Some open tickets already missed a deadline; the SLA sweep has something to escalate.
    overdue = Ticket.objects.filter(is_open=True, next_due__lt=now).exclude(status=Status.WAITING)
    assert overdue.exists()
    # The timeline of a customer shows their tickets.
    assert TimelineEvent.objects.filter(kind="ticket").count() >= Ticket.objects.count()


def test_demo_help_content_is_in_finnish_and_english(demo):
    questions = set(FaqArticle.objects.values_list("question", flat=True))
    assert {"How long does delivery take?", "Kauanko toimitus kestää?"} <= questions
    titles = set(CannedResponse.objects.values_list("title", flat=True))
    assert any(title.endswith("(FI)") for title in titles) and any(title.endswith("(EN)") for title in titles)


def test_an_interrupted_ticket_load_is_completed_by_the_next_run(demo):
    before = snapshot()
    # As if the first run had died before its last tickets: the next run makes exactly those again.
    last = Ticket.objects.order_by("-pk")[:3]
    missing = {ticket.subject for ticket in last}
    for ticket in list(last):
        ticket.delete()
    output = load_demo()
    assert "demo tickets: 3 created, 52 already there" in output
    assert Ticket.objects.count() == len(before["tickets"])
    assert missing <= set(Ticket.objects.values_list("subject", flat=True))
