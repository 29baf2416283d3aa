"""System checks: settings the service desk needs to mail working links."""

from django.conf import settings
from django.core.checks import Warning, register


@register()
def public_url_is_set(app_configs, **kwargs):
    if settings.DEBUG or settings.SIDOS_PUBLIC_URL:
        return []
    return [
        Warning(
            "SIDOS_PUBLIC_URL is not set: rating links and escalation mails will have no host.",
            hint="Set it to the address customers reach Sidos at, e.g. https://crm.example.fi",
            id="servicedesk.W001",
        )
    ]
