import pytest
from django.test import Client

from sidos.accounts.models import Role
from sidos.listening.tests.helpers import marker_classifier  # noqa: F401 shared fixture


@pytest.fixture
def webcare(make_staff):
    return make_staff(Role.WEBCARE)


@pytest.fixture
def webcare_client(webcare):
    client = Client()
    client.force_login(webcare)
    return client
