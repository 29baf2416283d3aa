import pytest
from django.urls import reverse

from sidos.customers.tests.webhelpers import make_customer

pytestmark = pytest.mark.django_db


def test_it_renders_the_ui_in_finnish(agent_client):
    make_customer(stage="trial")
    page = agent_client.get(reverse("customers:list"), HTTP_ACCEPT_LANGUAGE="fi").content.decode()
    assert '<html lang="fi">' in page
    assert "Asiakkaat" in page
    assert "Kirjaudu ulos" in page
    assert "Kokeilu" in page  # the stage, from the model's choices


def test_it_switches_the_language_with_set_language(agent_client):
    response = agent_client.post(reverse("set_language"), {"language": "fi", "next": "/"})
    assert response.status_code == 302
    assert "Asiakkaat" in agent_client.get(reverse("customers:list")).content.decode()


def test_it_renders_the_login_page_in_finnish(client):
    page = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="fi").content.decode()
    assert "Kirjaudu" in page
