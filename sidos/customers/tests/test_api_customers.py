import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sidos.customers.actions import create_customer, record_consent
from sidos.customers.models import Consent, Customer, CustomerAlias, TimelineEvent
from sidos.orders.models import Order
from sidos.privacy.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db

URL = "/api/v1/customers"


def make_customer(**fields) -> Customer:
    return create_customer(None, {"first_name": "Aino", "last_name": "Virtanen", **fields}, source="test")


def make_order(customer, external_id: str, amount: str = "10.00") -> Order:
    return Order.objects.create(
        customer=customer, external_id=external_id, amount=Decimal(amount), ordered_at=timezone.now()
    )


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["items"]]


@pytest.fixture
def admin_api(admin_user, api_client_for):
    return api_client_for(admin_user)


@pytest.fixture
def agent_api(agent, api_client_for):
    return api_client_for(agent)


# Listing, searching, filtering


def test_it_lists_customers_with_their_count(admin_api):
    aino = make_customer()
    response = admin_api.get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["items"][0]["id"] == aino.pk
    assert body["items"][0]["display_name"] == "Aino Virtanen"
    assert set(body) == {"items", "count"}


def test_it_pages_with_limit_and_offset(admin_api):
    made = [make_customer(first_name=f"Name{number:02}") for number in range(7)]
    response = admin_api.get(URL, {"limit": 3, "offset": 3})
    assert response.json()["count"] == 7
    assert ids(response) == [customer.pk for customer in made[3:6]]


def test_it_refuses_a_limit_over_500(admin_api):
    assert admin_api.get(URL, {"limit": 501}).status_code == 422


def test_it_defaults_to_50_per_page(admin_api):
    Customer.objects.bulk_create(Customer(first_name=f"N{number}") for number in range(55))
    body = admin_api.get(URL).json()
    assert (len(body["items"]), body["count"]) == (50, 55)


def test_it_searches_by_name_prefix(admin_api):
    aino = make_customer()
    make_customer(first_name="Pekka", last_name="Korhonen")
    assert ids(admin_api.get(URL, {"search": "virt"})) == [aino.pk]


def test_it_searches_by_email(admin_api):
    make_customer()
    pekka = make_customer(first_name="Pekka", email="pekka@example.com")
    assert ids(admin_api.get(URL, {"search": "pekka@example"})) == [pekka.pk]


def test_it_filters_by_stage(admin_api):
    make_customer(stage="trial")
    loyal = make_customer(stage="commitment")
    assert ids(admin_api.get(URL, {"stage": "commitment"})) == [loyal.pk]


def test_it_refuses_an_unknown_stage_filter(admin_api):
    assert admin_api.get(URL, {"stage": "bored"}).status_code == 422


def test_it_filters_by_whole_tag(admin_api):
    vip = make_customer(tags=["vip", "newsletter"])
    make_customer(tags=["vip-gold"])
    assert ids(admin_api.get(URL, {"tag": "VIP"})) == [vip.pk]


def test_it_filters_by_a_non_ascii_tag(admin_api):
    summer = make_customer(tags=["kesä"])
    make_customer(tags=["talvi"])
    assert ids(admin_api.get(URL, {"tag": "kesä"})) == [summer.pk]


def test_it_filters_by_country(admin_api):
    finn = make_customer(country="FI")
    make_customer(country="SE")
    assert ids(admin_api.get(URL, {"country": "fi"})) == [finn.pk]


def test_it_filters_by_granted_marketing_consent(admin_api):
    yes, no = make_customer(first_name="Yes"), make_customer(first_name="No")
    make_customer(first_name="Unasked")
    record_consent(None, yes, channel="email", purpose="marketing", granted=True, source="test")
    record_consent(None, no, channel="email", purpose="marketing", granted=False, source="test")
    assert ids(admin_api.get(URL, {"consent": "true"})) == [yes.pk]


def test_it_filters_by_missing_marketing_consent(admin_api):
    yes, no = make_customer(first_name="Yes"), make_customer(first_name="No")
    unasked = make_customer(first_name="Unasked")
    record_consent(None, yes, channel="email", purpose="marketing", granted=True, source="test")
    record_consent(None, no, channel="email", purpose="marketing", granted=False, source="test")
    assert set(ids(admin_api.get(URL, {"consent": "false"}))) == {no.pk, unasked.pk}


def test_it_filters_by_kind(admin_api):
    make_customer()
    firm = make_customer(kind="organisation", name="Oy Ab")
    assert ids(admin_api.get(URL, {"kind": "organisation"})) == [firm.pk]


def test_it_orders_by_newest_first(admin_api):
    old = make_customer(first_name="Old")
    Customer.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=3))
    new = make_customer(first_name="New")
    assert ids(admin_api.get(URL, {"ordering": "-created_at"})) == [new.pk, old.pk]


def test_it_orders_by_name_by_default(admin_api):
    bertta, aada = make_customer(first_name="Bertta"), make_customer(first_name="Aada")
    assert ids(admin_api.get(URL)) == [aada.pk, bertta.pk]


def test_it_lists_without_a_query_per_customer(admin_api):
    def queries_for_a_page() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin_api.get(URL).status_code == 200
        return len(captured)

    make_customer(tags=["a"])
    admin_api.get(URL)  # the first use of a token records last_used_at
    few = queries_for_a_page()
    for number in range(20):
        make_customer(first_name=f"N{number}", tags=["b"])
    assert queries_for_a_page() == few
    # token + user permissions + group permissions + count + page
    assert few <= 5


# Reading one customer


def test_it_shows_a_customer(admin_api):
    aino = make_customer(email="AINO@example.com", phone="040 123 4567", birth_date=dt.date(1980, 5, 17))
    body = admin_api.get(f"{URL}/{aino.pk}").json()
    assert body["email"] == "aino@example.com"
    assert body["phone"] == "+358401234567"
    assert body["birth_date"] == "1980-05-17"
    assert dt.datetime.fromisoformat(body["created_at"]).tzinfo is not None


def test_it_audits_reading_a_customer(admin_api, admin_user):
    aino = make_customer()
    admin_api.get(f"{URL}/{aino.pk}")
    entry = AuditEntry.objects.get(action=AuditAction.VIEW)
    assert (entry.actor, entry.customer_id, entry.channel, entry.target_id) == (
        admin_user,
        aino.pk,
        "api",
        str(aino.pk),
    )


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", ""),
        ("patch", ""),
        ("post", "/merge"),
        ("get", "/duplicates"),
        ("get", "/timeline"),
        ("get", "/export"),
    ],
)
def test_it_answers_404_for_a_missing_customer(admin_api, method, path):
    body = {"duplicate_id": 1} if path == "/merge" else {}
    response = getattr(admin_api, method)(f"{URL}/999999{path}", body, content_type="application/json")
    assert response.status_code == 404
    assert "detail" in response.json()


# Creating and changing


def test_it_creates_a_customer(admin_api):
    response = admin_api.post(
        URL,
        {
            "external_id": "C-1",
            "first_name": " Aino ",
            "email": "Aino@Example.com",
            "phone": "0401234567",
            "tags": ["VIP"],
            "stage": "trial",
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    customer = Customer.objects.get(external_id="C-1")
    assert response.json()["id"] == customer.pk
    assert (customer.first_name, customer.email, customer.phone, customer.tags) == (
        "Aino",
        "aino@example.com",
        "+358401234567",
        ["vip"],
    )


def test_it_audits_an_api_create_as_api(admin_api, admin_user):
    admin_api.post(URL, {"first_name": "Aino"}, content_type="application/json")
    entry = AuditEntry.objects.get(action=AuditAction.CREATE, target_type="customer")
    assert (entry.actor, entry.channel) == (admin_user, "api")


def test_it_records_consent_given_when_creating(admin_api):
    response = admin_api.post(
        URL, {"first_name": "Aino", "marketing_email_consent": True}, content_type="application/json"
    )
    assert response.json()["marketing_email_consent"] is True
    consent = Consent.objects.get()
    assert (consent.channel, consent.purpose, consent.granted, consent.source) == (
        "email",
        "marketing",
        True,
        "api",
    )


def test_it_refuses_a_taken_customer_id_with_409(admin_api):
    make_customer(external_id="C-1")
    response = admin_api.post(URL, {"external_id": "C-1"}, content_type="application/json")
    assert response.status_code == 409
    assert response.json()["field"] == "external_id"
    assert "already exists" in response.json()["detail"]


def test_it_refuses_an_invalid_email_with_400_naming_the_field(admin_api):
    response = admin_api.post(URL, {"email": "not-an-address"}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["field"] == "email"
    assert Customer.objects.count() == 0


def test_it_refuses_an_unknown_kind_with_422(admin_api):
    response = admin_api.post(URL, {"kind": "robot"}, content_type="application/json")
    assert response.status_code == 422


def test_it_refuses_a_nul_character_with_422(admin_api):
    response = admin_api.post(URL, {"first_name": "Ai\x00no"}, content_type="application/json")
    assert response.status_code == 422


def test_it_refuses_a_body_that_is_not_an_object(admin_api):
    response = admin_api.post(URL, [None, None], content_type="application/json")
    assert response.status_code == 422
    assert Customer.objects.count() == 0


def test_it_refuses_a_number_for_a_yes_no_field(admin_api):
    response = admin_api.post(URL, {"marketing_email_consent": 1}, content_type="application/json")
    assert response.status_code == 422


def test_it_changes_only_the_fields_sent(admin_api):
    aino = make_customer(email="aino@example.com", city="Oulu")
    response = admin_api.patch(f"{URL}/{aino.pk}", {"city": "Turku"}, content_type="application/json")
    assert response.status_code == 200
    aino.refresh_from_db()
    assert (aino.city, aino.email, aino.first_name) == ("Turku", "aino@example.com", "Aino")
    assert TimelineEvent.objects.filter(customer=aino, kind="updated").exists()


def test_it_audits_an_api_change_as_api(admin_api):
    aino = make_customer()
    admin_api.patch(f"{URL}/{aino.pk}", {"city": "Turku"}, content_type="application/json")
    entry = AuditEntry.objects.get(action=AuditAction.UPDATE)
    assert (entry.channel, entry.changes) == ("api", {"city": ["", "Turku"]})


def test_it_clears_a_birth_date_with_null(admin_api):
    aino = make_customer(birth_date=dt.date(1980, 1, 1))
    admin_api.patch(f"{URL}/{aino.pk}", {"birth_date": None}, content_type="application/json")
    aino.refresh_from_db()
    assert aino.birth_date is None


def test_it_refuses_null_for_a_field_that_cannot_be_empty(admin_api):
    aino = make_customer()
    response = admin_api.patch(f"{URL}/{aino.pk}", {"kind": None}, content_type="application/json")
    assert response.status_code == 422
    aino.refresh_from_db()
    assert aino.kind == "person"


def test_it_records_a_consent_change_from_a_patch(admin_api):
    aino = make_customer()
    record_consent(None, aino, channel="email", purpose="marketing", granted=True, source="form")
    response = admin_api.patch(
        f"{URL}/{aino.pk}", {"marketing_email_consent": False}, content_type="application/json"
    )
    assert response.json()["marketing_email_consent"] is False
    latest = Consent.objects.filter(customer=aino).first()
    assert (latest.granted, latest.source) == (False, "api")


def test_it_refuses_to_take_another_customers_id_with_409(admin_api):
    make_customer(external_id="C-1")
    other = make_customer(external_id="C-2")
    response = admin_api.patch(f"{URL}/{other.pk}", {"external_id": "C-1"}, content_type="application/json")
    assert response.status_code == 409
    assert response.json() == {
        "detail": "customer_id 'C-1' belongs to another customer",
        "field": "external_id",
    }


# Duplicates and merging


def test_it_lists_duplicates_sharing_an_email(admin_api):
    aino = make_customer(email="aino@example.com")
    twin = make_customer(first_name="A.", email="aino@example.com")
    make_customer(email="other@example.com")
    response = admin_api.get(f"{URL}/{aino.pk}/duplicates")
    assert response.json()["count"] == 1
    assert ids(response) == [twin.pk]


def test_it_merges_a_duplicate_and_moves_its_orders(admin_api):
    keep = make_customer(external_id="C-1")
    duplicate = make_customer(external_id="C-2", city="Oulu")
    make_order(duplicate, "O-1")
    response = admin_api.post(
        f"{URL}/{keep.pk}/merge", {"duplicate_id": duplicate.pk}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["id"] == keep.pk
    assert response.json()["city"] == "Oulu"
    assert Order.objects.get(external_id="O-1").customer_id == keep.pk
    assert not Customer.objects.filter(pk=duplicate.pk).exists()
    assert CustomerAlias.objects.get(external_id="C-2").customer_id == keep.pk


def test_it_refuses_to_merge_a_customer_with_itself(admin_api):
    aino = make_customer()
    response = admin_api.post(
        f"{URL}/{aino.pk}/merge", {"duplicate_id": aino.pk}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["field"] == "duplicate"


def test_it_refuses_to_merge_a_missing_duplicate(admin_api):
    aino = make_customer()
    response = admin_api.post(
        f"{URL}/{aino.pk}/merge", {"duplicate_id": 999999}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["field"] == "duplicate_id"


# Timeline and export


def test_it_pages_the_timeline_newest_first(admin_api):
    aino = make_customer()
    for number in range(4):
        record_consent(None, aino, channel="email", purpose="marketing", granted=number % 2 == 0, source="t")
    body = admin_api.get(f"{URL}/{aino.pk}/timeline", {"limit": 2}).json()
    assert body["count"] == 5  # created + four consent changes
    assert [item["title"] for item in body["items"]] == [
        "Consent withdrawn: email marketing",
        "Consent granted: email marketing",
    ]


def test_it_exports_everything_held_about_a_customer(admin_api):
    aino = make_customer(email="aino@example.com")
    make_order(aino, "O-1", amount="19.90")
    body = admin_api.get(f"{URL}/{aino.pk}/export").json()
    assert body["profile"]["id"] == aino.pk
    assert body["orders"][0]["amount"] == "19.90"
    assert body["contact_points"][0]["value"] == "aino@example.com"


def test_it_audits_an_export(admin_api, admin_user):
    aino = make_customer()
    admin_api.get(f"{URL}/{aino.pk}/export")
    entry = AuditEntry.objects.get(action=AuditAction.EXPORT)
    assert (entry.actor, entry.customer_id, entry.channel) == (admin_user, aino.pk, "api")


# Roles


def test_it_lets_an_agent_create_and_change_customers(agent_api):
    created = agent_api.post(URL, {"first_name": "Aino"}, content_type="application/json")
    assert created.status_code == 201
    changed = agent_api.patch(
        f"{URL}/{created.json()['id']}", {"city": "Oulu"}, content_type="application/json"
    )
    assert changed.status_code == 200


def test_it_forbids_an_agent_to_export(agent_api):
    aino = make_customer()
    response = agent_api.get(f"{URL}/{aino.pk}/export")
    assert response.status_code == 403
    assert "customers.export_customer" in response.json()["detail"]
    assert not AuditEntry.objects.filter(action=AuditAction.EXPORT).exists()


@pytest.mark.parametrize("role", ["marketer", "analyst"])
def test_it_lets_marketers_and_analysts_read_and_export(request, api_client_for, role):
    client = api_client_for(request.getfixturevalue(role))
    aino = make_customer()
    assert client.get(URL).status_code == 200
    assert client.get(f"{URL}/{aino.pk}").status_code == 200
    assert client.get(f"{URL}/{aino.pk}/export").status_code == 200


@pytest.mark.parametrize("role", ["marketer", "analyst"])
def test_it_forbids_marketers_and_analysts_to_write(request, api_client_for, role):
    client = api_client_for(request.getfixturevalue(role))
    aino, twin = make_customer(), make_customer()
    assert client.post(URL, {"first_name": "X"}, content_type="application/json").status_code == 403
    assert client.patch(f"{URL}/{aino.pk}", {"city": "X"}, content_type="application/json").status_code == 403
    merge = client.post(f"{URL}/{aino.pk}/merge", {"duplicate_id": twin.pk}, content_type="application/json")
    assert merge.status_code == 403
    assert Customer.objects.count() == 2


def test_it_forbids_a_user_without_a_role_everything(outsider, api_client_for):
    client = api_client_for(outsider)
    aino = make_customer()
    json = "application/json"
    responses = [
        client.get(URL),
        client.post(URL, {"first_name": "X"}, content_type=json),
        client.get(f"{URL}/{aino.pk}"),
        client.patch(f"{URL}/{aino.pk}", {"city": "X"}, content_type=json),
        client.post(f"{URL}/{aino.pk}/merge", {"duplicate_id": aino.pk}, content_type=json),
        client.get(f"{URL}/{aino.pk}/duplicates"),
        client.get(f"{URL}/{aino.pk}/timeline"),
        client.get(f"{URL}/{aino.pk}/export"),
    ]
    assert [response.status_code for response in responses] == [403] * len(responses)
    assert all(response["Content-Type"] == "application/json; charset=utf-8" for response in responses)


def test_it_forbids_before_telling_whether_a_customer_exists(outsider, api_client_for):
    assert api_client_for(outsider).get(f"{URL}/999999").status_code == 403
