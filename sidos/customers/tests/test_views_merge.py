import pytest
from django.urls import reverse

from sidos.customers.models import Customer, CustomerAlias
from sidos.customers.tests.webhelpers import make_customer, make_order
from sidos.privacy.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(db):
    keep = make_customer(external_id="A-1", email="aino@example.fi", city="Helsinki")
    duplicate = make_customer(
        external_id="B-7", email="aino@example.fi", phone="0401234567", first_name="Aino"
    )
    return keep, duplicate


def test_it_shows_both_records_side_by_side(agent_client, pair):
    keep, duplicate = pair
    response = agent_client.get(reverse("customers:merge", args=[keep.pk, duplicate.pk]))
    page = response.content.decode()
    assert "A-1" in page and "B-7" in page
    assert f'value="{keep.pk}" checked' in page


def test_it_merges_into_the_chosen_record(agent_client, agent, pair):
    keep, duplicate = pair
    make_order(duplicate, "O-1")
    response = agent_client.post(reverse("customers:merge", args=[keep.pk, duplicate.pk]), {"keep": keep.pk})
    assert response["Location"] == keep.get_absolute_url()
    assert not Customer.objects.filter(pk=duplicate.pk).exists()
    keep.refresh_from_db()
    assert keep.phone == "+358401234567"
    assert keep.orders.count() == 1
    assert CustomerAlias.objects.get(external_id="B-7").customer == keep
    assert AuditEntry.objects.filter(action=AuditAction.MERGE, actor=agent, customer_id=keep.pk).exists()


def test_it_can_keep_the_other_record(agent_client, pair):
    first, second = pair
    response = agent_client.post(reverse("customers:merge", args=[first.pk, second.pk]), {"keep": second.pk})
    assert response["Location"] == second.get_absolute_url()
    assert list(Customer.objects.values_list("pk", flat=True)) == [second.pk]


def test_it_refuses_a_keep_that_is_neither_record(agent_client, pair):
    first, second = pair
    response = agent_client.post(reverse("customers:merge", args=[first.pk, second.pk]), {"keep": 12345})
    assert response.status_code == 200
    assert Customer.objects.count() == 2


def test_it_refuses_to_merge_a_customer_with_itself(agent_client, pair):
    first, _second = pair
    response = agent_client.post(reverse("customers:merge", args=[first.pk, first.pk]), {"keep": first.pk})
    assert response.status_code == 200
    assert "cannot be merged with itself" in response.content.decode()
    assert Customer.objects.filter(pk=first.pk).exists()
