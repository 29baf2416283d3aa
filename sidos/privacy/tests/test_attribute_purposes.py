"""Custom attribute keys in the record of processing: declared with a purpose, or flagged as undeclared."""

import pytest
from django.urls import reverse

from sidos.accounts.models import Role
from sidos.conftest import _logged_in
from sidos.customers.models import Customer
from sidos.privacy.models import AttributeDeclaration, AuditEntry

pytestmark = pytest.mark.django_db

DECLARE = {"key": "loyalty_tier", "purpose": "marketing", "legal_basis": "consent", "retention": "2 years"}


@pytest.fixture
def officer_client(make_staff):
    return _logged_in(make_staff(Role.PRIVACY_OFFICER, "officer"))


@pytest.fixture
def customers():
    Customer.objects.create(name="Aino", attributes={"loyalty_tier": "gold", "shoe_size": "38"})
    Customer.objects.create(name="Eino", attributes={"shoe_size": "44"})


def test_a_declared_key_is_listed_with_its_purpose_an_undeclared_one_flagged(officer_client, customers):
    response = officer_client.post(reverse("privacy:declare_attribute"), DECLARE)
    assert response.status_code == 302
    assert AuditEntry.objects.filter(target_type="privacy.attribute", action="create").count() == 1
    page = officer_client.get(reverse("privacy:processing"))
    assert [d.key for d in page.context["declared"]] == ["loyalty_tier"]
    assert page.context["undeclared"] == ["shoe_size"]
    html = page.content.decode()
    assert 'data-attribute="loyalty_tier"' in html and "Marketing with consent" in html
    assert 'data-undeclared="shoe_size"' in html and "undeclared: needs a purpose" in html
    csv_text = officer_client.get(reverse("privacy:processing_csv")).content.decode("utf-8-sig")
    assert "attribute.loyalty_tier,custom attribute,Marketing with consent" in csv_text
    assert "attribute.shoe_size,custom attribute,undeclared: needs a purpose" in csv_text


def test_redeclaring_a_key_updates_it_and_bad_input_names_the_field(officer_client):
    officer_client.post(reverse("privacy:declare_attribute"), DECLARE)
    officer_client.post(reverse("privacy:declare_attribute"), {**DECLARE, "retention": "1 year"})
    assert AttributeDeclaration.objects.get().retention == "1 year"
    response = officer_client.post(reverse("privacy:declare_attribute"), {**DECLARE, "purpose": "spying"})
    assert response.status_code == 400 and "purpose" in response.context["form"].errors


@pytest.mark.parametrize("role", [Role.AGENT, Role.MARKETER, Role.ANALYST])
def test_other_roles_cannot_declare(make_staff, role):
    client = _logged_in(make_staff(role, f"{role}-x"))
    assert client.post(reverse("privacy:declare_attribute"), DECLARE).status_code == 403
    assert not AttributeDeclaration.objects.exists()
