"""SMS providers: one interface, chosen by SIDOS_SMS_PROVIDER.

    console://            write each message to the log (development)
    file:///path/to/file  append each message as a JSON line (development, tests)

A real provider (an HTTP gateway) is a class with the same `send` in this folder, named by its URL
scheme in PROVIDERS. Campaigns do not send SMS yet: this is the seam they and the surveys will use,
with the consent ledger's "sms" channel.
"""

from django.conf import settings

from sidos.campaigns.sms.base import Provider, SmsError
from sidos.campaigns.sms.development import ConsoleProvider, FileProvider

PROVIDERS: dict[str, type[Provider]] = {"console": ConsoleProvider, "file": FileProvider}

__all__ = ["PROVIDERS", "Provider", "SmsError", "get_provider"]


def get_provider(url: str | None = None) -> Provider:
    url = url if url is not None else settings.SIDOS_SMS_PROVIDER
    scheme, _sep, rest = url.partition("://")
    if scheme not in PROVIDERS:
        raise SmsError(
            f"SIDOS_SMS_PROVIDER: unknown provider {scheme!r}; known: {', '.join(sorted(PROVIDERS))}"
        )
    return PROVIDERS[scheme](rest)
