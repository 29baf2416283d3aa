"""Builders for campaign tests: customers with consents in bulk, a campaign, an SMTP connection factory."""

import datetime as dt
import email
from email import policy

from django.core.mail import get_connection
from django.utils import timezone

from sidos.campaigns import actions
from sidos.campaigns.models import Suppression, SuppressionReason
from sidos.customers.models import Consent, Customer

BASE_VARIANTS = {
    "fi": {
        "subject": 'Hei {{ first_name|default:"asiakas" }}',
        "html": '<p>Hei {{ first_name|default:"asiakas" }}!</p><p><a href="https://shop.example.fi/ale">Ale</a></p>',
        "text": 'Hei {{ first_name|default:"asiakas" }}! https://shop.example.fi/ale',
    },
    "en": {
        "subject": 'Hello {{ first_name|default:"customer" }}',
        "html": '<p>Hello {{ first_name }}</p><a href="https://shop.example.fi/sale?x=1&amp;y=2">Sale</a>',
        "text": "Hello {{ first_name }}",
    },
}


def bulk_customers(n: int, *, consent=lambda i: True, suppressed=lambda i: False, prefix="k", **fields):
    """n customers; consent(i) is True (granted), False (granted, then withdrawn) or None (never asked)."""
    made = Customer.objects.bulk_create(
        [
            Customer(
                external_id=f"{prefix}{i}",
                first_name=f"Nimi{i}",
                email=f"{prefix}{i}@example.fi",
                search_name=f"nimi{i}",
                language="fi" if i % 3 else "en",
                **fields,
            )
            for i in range(n)
        ],
        batch_size=2000,
    )
    earlier = timezone.now() - dt.timedelta(days=30)
    ledger = []
    for i, customer in enumerate(made):
        state = consent(i)
        if state is None:
            continue
        ledger.append(
            Consent(
                customer=customer,
                channel="email",
                purpose="marketing",
                granted=True,
                source="test",
                recorded_at=earlier,
            )
        )
        if state is False:
            ledger.append(
                Consent(customer=customer, channel="email", purpose="marketing", granted=False, source="test")
            )
    Consent.objects.bulk_create(ledger, batch_size=2000)
    Suppression.objects.bulk_create(
        [
            Suppression(address=customer.email, reason=SuppressionReason.BOUNCED, source="test")
            for i, customer in enumerate(made)
            if suppressed(i)
        ],
        batch_size=2000,
    )
    return made


def make_campaign(definition=None, *, control_share="0", variants=None, name="Joulu"):
    segment = actions.save_segment(None, "Kaikki", definition or {})
    return actions.save_campaign(
        None, name=name, segment=segment, variants=variants or BASE_VARIANTS, control_share=control_share
    )


def smtp_factory(port: int):
    def connect():
        return get_connection(
            "django.core.mail.backends.smtp.EmailBackend",
            host="127.0.0.1",
            port=port,
            timeout=10,
            fail_silently=False,
        )

    return connect


def parsed(item: dict):
    return email.message_from_bytes(item["content"], policy=policy.default)
