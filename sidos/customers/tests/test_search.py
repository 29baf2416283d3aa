import pytest

from sidos.customers.actions import create_customer
from sidos.customers.models import Customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(agent):
    rows = [
        {
            "external_id": "A-1",
            "first_name": "Matti",
            "last_name": "Virtanen",
            "email": "matti.v@example.fi",
            "phone": "040 123 4567",
        },
        {
            "external_id": "A-2",
            "first_name": "Anna",
            "last_name": "Virtala",
            "email": "anna@example.se",
            "phone": "+46 70 123 45 67",
        },
        {"external_id": "A-3", "kind": "organisation", "name": "Åbo Bokhandel AB", "email": "info@abo.fi"},
        {"external_id": "A-4", "first_name": "Олег", "last_name": "Иванов", "email": "oleg@example.ru"},
    ]
    return {row["external_id"]: create_customer(agent, row) for row in rows}


def found(query: str) -> set[str]:
    return set(Customer.objects.search(query).values_list("external_id", flat=True))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("virt", {"A-1", "A-2"}),
        ("Virtanen", {"A-1"}),
        ("matti", {"A-1"}),
        ("Matti Virtanen", {"A-1"}),
        ("åbo", {"A-3"}),
        ("иван", {"A-4"}),
        ("anna@", {"A-2"}),
        ("info@abo.fi", {"A-3"}),
        ("040 123 4567", {"A-1"}),
        ("+358401234567", {"A-1"}),
        ("+46701", {"A-2"}),
        ("A-4", {"A-4"}),
        ("nobody", set()),
    ],
)
def test_it_finds_customers_by_name_email_phone_and_customer_id(people, query, expected):
    assert found(query) == expected


def test_an_empty_query_returns_everyone(people):
    assert len(found("  ")) == 4


@pytest.mark.parametrize(
    ("tag", "expected"), [("vip", {"T-1"}), ("VIP ", {"T-1"}), ("vi", set()), ("työ", {"T-2"})]
)
def test_the_tag_filter_matches_whole_tags_only(agent, tag, expected):
    from sidos.customers.search import has_tag

    create_customer(agent, {"external_id": "T-1", "first_name": "A", "tags": ["vip", "b2c"]})
    create_customer(agent, {"external_id": "T-2", "first_name": "B", "tags": ["työ", "vipper"]})
    assert set(Customer.objects.filter(has_tag(tag)).values_list("external_id", flat=True)) == expected


def tagged(tag: str) -> set[str]:
    from sidos.customers.search import has_tag

    return set(Customer.objects.filter(has_tag(tag)).values_list("external_id", flat=True))


def test_the_tag_filter_follows_tag_changes_and_deletions(agent):
    from sidos.customers.actions import update_customer

    customer = create_customer(agent, {"external_id": "T-1", "first_name": "A", "tags": ["vip"]})
    update_customer(agent, customer, {"tags": ["eco", "b2b"]})
    assert tagged("vip") == set()
    assert tagged("eco") == tagged("b2b") == {"T-1"}
    customer.delete()
    assert tagged("eco") == set()


def test_the_tag_filter_finds_imported_customers(tmp_path):
    from sidos.customers.tests.importhelpers import run_command

    path = tmp_path / "customers.csv"
    path.write_text("customer_id,first_name,tags\nI-1,Aino,vip|eco\nI-2,Eero,eco\n", encoding="utf-8")
    status, _summary, _out = run_command("import-customers", str(path))
    assert status == 0
    assert tagged("eco") == {"I-1", "I-2"}
    # Re-importing with other tags replaces them.
    path.write_text("customer_id,tags\nI-1,family\n", encoding="utf-8")
    run_command("import-customers", str(path))
    assert tagged("vip") == set()
    assert tagged("family") == {"I-1"}
