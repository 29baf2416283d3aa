import pytest
from django.test import Client
from django.urls import reverse

from sidos.customers.models import ImportRun
from sidos.customers.tests.webhelpers import make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(db):
    one = make_customer(email="one@example.com")
    two = make_customer(email="one@example.com", first_name="Aini")
    run = ImportRun.objects.create(kind="customers", filename="x.csv")
    return {
        "list": reverse("customers:list"),
        "create": reverse("customers:create"),
        "detail": reverse("customers:detail", args=[one.pk]),
        "edit": reverse("customers:edit", args=[one.pk]),
        "consent": reverse("customers:consent", args=[one.pk]),
        "merge": reverse("customers:merge", args=[one.pk, two.pk]),
        "export": reverse("customers:export", args=[one.pk]),
        "import": reverse("customers:import"),
        "import_run": reverse("customers:import_run", args=[run.pk]),
        "import_errors": reverse("customers:import_errors", args=[run.pk]),
        "orders": reverse("orders:list"),
    }


def _login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_it_redirects_anonymous_visitors_to_login(client, pages):
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("accounts:login") + "?next="), name


def test_it_shows_the_login_page(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert b'name="password"' in response.content


def test_it_logs_in_with_the_login_form(client, agent):
    response = client.post(
        reverse("accounts:login"), {"username": "agent", "password": "correct-horse-battery-staple"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:list")


def test_it_logs_out_with_post(agent_client):
    response = agent_client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert agent_client.get(reverse("customers:list")).status_code == 302


def test_it_forbids_every_page_to_an_account_without_a_role(outsider_client, pages):
    for name, url in pages.items():
        assert outsider_client.get(url).status_code == 403, name
    for name in ("create", "edit", "consent", "merge", "import"):
        assert outsider_client.post(pages[name], {}).status_code == 403, name


def test_it_lets_an_agent_view_edit_and_merge_but_not_export_or_import(agent, pages):
    client = _login(agent)
    for name in ("list", "create", "detail", "edit", "consent", "merge", "orders"):
        assert client.get(pages[name]).status_code == 200, name
    for name in ("export", "import", "import_run", "import_errors"):
        assert client.get(pages[name]).status_code == 403, name


@pytest.mark.parametrize("role", ["marketer", "analyst"])
def test_it_lets_marketers_and_analysts_read_and_export_but_not_change(role, make_staff, pages):
    client = _login(make_staff(role))
    for name in ("list", "detail", "export", "orders"):
        assert client.get(pages[name]).status_code == 200, name
    for name in ("create", "edit", "consent", "merge", "import"):
        assert client.get(pages[name]).status_code == 403, name


def test_it_lets_an_admin_open_every_page(admin_client, pages):
    for name, url in pages.items():
        expected = 404 if name == "import_errors" else 200  # that run has no error report
        assert admin_client.get(url).status_code == expected, name


def test_it_shows_navigation_only_for_what_the_role_may_use(agent_client, admin_client):
    agent_page = agent_client.get(reverse("customers:list")).content.decode()
    admin_page = admin_client.get(reverse("customers:list")).content.decode()
    assert reverse("customers:import") not in agent_page
    assert reverse("customers:import") in admin_page
    assert "Customer-service agent" in agent_page
