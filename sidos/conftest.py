"""Fixtures every app's tests share: one staff user per role, an outsider, API clients, CSV files."""

import os

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from sidos.accounts.actions import create_api_token, create_staff_user
from sidos.accounts.models import Role

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def make_staff(db):
    def make(role: str, username: str | None = None):
        return create_staff_user(username or role, PASSWORD, role)

    return make


@pytest.fixture
def admin_user(make_staff):
    return make_staff(Role.ADMIN)


@pytest.fixture
def agent(make_staff):
    return make_staff(Role.AGENT)


@pytest.fixture
def marketer(make_staff):
    return make_staff(Role.MARKETER)


@pytest.fixture
def analyst(make_staff):
    return make_staff(Role.ANALYST)


@pytest.fixture
def outsider(db):
    """A logged-in account with no role: must see nothing."""
    return get_user_model().objects.create_user("outsider", password=PASSWORD)


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin_client(admin_user):
    return _logged_in(admin_user)


@pytest.fixture
def agent_client(agent):
    return _logged_in(agent)


@pytest.fixture
def outsider_client(outsider):
    return _logged_in(outsider)


@pytest.fixture
def api_client_for(db):
    """api_client_for(user) -> a test Client that sends that user's bearer token on every request."""

    def make(user):
        _token, raw = create_api_token(user, name="tests")
        return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    return make


@pytest.fixture
def csv_file(tmp_path):
    """csv_file(text, name=..., encoding=...) -> path of a file with exactly that content."""

    def write(text: str, name: str = "data.csv", encoding: str = "utf-8", newline: str = "\n"):
        path = tmp_path / name
        path.write_bytes(text.replace("\n", newline).encode(encoding))
        return path

    return write


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server (aiosmtpd) on loopback that keeps what it accepts; Django's mail goes to it."""
    from sidos.mail.tests.servers import SmtpServer

    server = SmtpServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.SIDOS_SMTP_TIMEOUT = 5
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    # Real hashing costs ~0.3 s per user; the tests check roles, not the hash function.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("SIDOS_CHROMIUM", "/usr/bin/chromium"),
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }
