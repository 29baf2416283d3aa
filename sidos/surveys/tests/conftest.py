import pytest

from sidos.mail.tests.servers import SmtpServer


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback that keeps what it accepts."""
    server = SmtpServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.SIDOS_SMTP_TIMEOUT = 5
    yield server
    server.stop()
