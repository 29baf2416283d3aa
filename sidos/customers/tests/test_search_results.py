"""The list's search pages (search.SearchResults) against the same search as one plain filter."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sidos.customers.forms import SORTS, CustomerFilterForm
from sidos.customers.models import Customer
from sidos.customers.search import SearchResults, TaggedList, has_tag
from sidos.customers.tests.webhelpers import make_customer
from sidos.lib.paginator import CappedPaginator

pytestmark = pytest.mark.django_db

# Found by first name, by surname, by both at once, by organisation name; ä, å and capitals on the
# way, so the merged order must be the database's order of the search keys.
PEOPLE = [
    ("Salla", "Virtanen", "FI", "trial"),
    ("Sami", "Salo", "SE", ""),
    ("Salla", "Salo", "FI", "trial"),
    ("Aino", "Salminen", "FI", "interest"),
    ("Säde", "Salo", "NO", ""),
    ("Saku", "Åberg", "SE", "trial"),
    ("Bo", "Salå", "SE", "trial"),
    ("Salme", "Korhonen", "FI", ""),
    ("Aarne", "Sal", "FI", "interest"),
    ("Matti", "Virtanen", "FI", "trial"),
    ("Sal", "Niemi", "RU", "trial"),
]


@pytest.fixture
def people():
    start = timezone.now() - dt.timedelta(days=30)
    made = []
    for number, (first, last, country, stage) in enumerate(PEOPLE):
        customer = make_customer(
            first_name=first,
            last_name=last,
            country=country,
            stage=stage,
            external_id=f"P-{number}",
            tags=["vip"] if number % 3 == 0 else [],
        )
        # Two customers share each creation time, so the id has to break the tie.
        Customer.objects.filter(pk=customer.pk).update(created_at=start + dt.timedelta(days=number // 2))
        made.append(customer)
    make_customer(kind="organisation", name="Salon Kuljetus Oy", country="FI", external_id="O-1")
    return made


def expected(data: dict) -> list[int]:
    """The same list as one filter with an OR, ordered by the database."""
    queryset = Customer.objects.search(data.get("q", ""))
    if data.get("country"):
        queryset = queryset.filter(country=data["country"])
    if data.get("stage"):
        queryset = queryset.filter(stage=data["stage"])
    if data.get("tag"):
        queryset = queryset.filter(has_tag(data["tag"]))
    return list(queryset.order_by(*SORTS[data.get("sort", "name")]).values_list("pk", flat=True))


def paged(data: dict, per_page: int) -> list[int]:
    paginator = CappedPaginator(CustomerFilterForm(data).customers(), per_page)
    return [customer.pk for number in paginator.page_range for customer in paginator.page(number)]


@pytest.mark.parametrize("sort", list(SORTS))
@pytest.mark.parametrize("per_page", [1, 3, 50])
def test_its_pages_hold_what_one_filter_finds_in_the_same_order(people, sort, per_page):
    data = {"q": "sal", "sort": sort}
    assert len(expected(data)) == 10
    assert paged(data, per_page) == expected(data)


@pytest.mark.parametrize(
    "filters",
    [{"country": "FI"}, {"stage": "trial"}, {"country": "SE", "stage": "trial"}, {"tag": "vip"}],
)
def test_filters_narrow_every_branch(people, filters):
    data = {"q": "Sal", **filters}
    assert 0 < len(expected(data)) < 10
    assert paged(data, 2) == expected(data)


def test_a_customer_found_by_two_branches_comes_once(people):
    both = people[2]  # Salla Salo: first name and surname
    found = paged({"q": "salla"}, 50) + paged({"q": "salo"}, 50)
    assert found.count(both.pk) == 2  # once in each list
    assert len(set(paged({"q": "sal"}, 2))) == len(paged({"q": "sal"}, 2))


def test_it_finds_by_customer_id_email_and_phone_too(people):
    make_customer(first_name="Eero", last_name="Laine", email="eero.laine@example.fi", phone="040 555 1234")
    assert [c.external_id for c in CustomerFilterForm({"q": "P-4"}).customers()[0:50]] == ["P-4"]
    assert [c.first_name for c in CustomerFilterForm({"q": "eero.la"}).customers()[0:50]] == ["Eero"]
    assert [c.first_name for c in CustomerFilterForm({"q": "040 555 12"}).customers()[0:50]] == ["Eero"]


def test_the_capped_count_stops_past_the_cap_and_is_exact_below_it(people):
    results = CustomerFilterForm({"q": "sal"}).customers()
    assert isinstance(results, SearchResults)
    assert results.count() == 10
    assert results.capped_count(4) == 5
    assert results.capped_count(10) == 10
    assert results.capped_count(50) == 10


def test_a_page_past_the_end_is_empty(people):
    assert CustomerFilterForm({"q": "sal"}).customers()[50:100] == []


def test_a_blank_search_is_the_plain_list(people):
    assert not isinstance(CustomerFilterForm({"q": "   "}).customers(), SearchResults)


def test_a_search_page_takes_the_same_queries_whatever_the_number_of_matches(people):
    def queries_for_first_page() -> int:
        with CaptureQueriesContext(connection) as captured:
            paginator = CappedPaginator(CustomerFilterForm({"q": "sal"}).customers(), 3)
            list(paginator.page(1))
        return len(captured)

    few = queries_for_first_page()
    for number in range(20):
        make_customer(first_name=f"Salomon{number}", last_name="Salonen")
    # Per branch one count and one page of keys, then the page's rows.
    assert queries_for_first_page() == few == 2 * 3 + 1


@pytest.mark.parametrize(
    "filters",
    [
        {"tag": "vip"},
        {"tag": "VIP ", "country": "FI"},
        {"tag": "vip", "stage": "trial"},
        {"tag": "vip", "country": "se", "kind": "person"},
        {"tag": "vip", "consent": "unknown"},
        {"tag": "nobody-has-this"},
    ],
)
def test_a_tag_list_counts_from_the_tag_index_what_the_filter_finds(people, filters):
    tagged = CustomerFilterForm(filters).customers()
    assert isinstance(tagged, TaggedList)
    found = list(tagged[0:50])
    assert tagged.capped_count(10_000) == len(found) == tagged.count()
    assert tagged.capped_count(0) == min(len(found), 1)


def test_the_tag_index_follows_changes_to_the_filtered_columns(people):
    from sidos.customers.actions import update_customer

    def counted(filters: dict) -> int:
        return CappedPaginator(CustomerFilterForm(filters).customers(), 50).count

    first = people[0]  # Salla Virtanen, FI, trial, vip
    assert counted({"tag": "vip", "country": "FI"}) == 3
    update_customer(None, first, {"country": "SE", "stage": "interest"})
    assert counted({"tag": "vip", "country": "FI"}) == 2
    assert counted({"tag": "vip", "country": "SE", "stage": "interest"}) == 1
    Customer.objects.filter(pk=first.pk).update(tags=["eco"])  # a bulk write, past every action
    assert counted({"tag": "vip", "country": "SE"}) == 1  # Bo Salå only
    assert counted({"tag": "eco"}) == 1
    Customer.objects.filter(pk=first.pk).delete()
    assert counted({"tag": "eco"}) == 0
