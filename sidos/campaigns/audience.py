"""Who may get a campaign: the segment, less those without a current marketing consent for e-mail
and every suppressed address (the suppression list always wins), then a seeded hold-out draw.

This module and sending.py are where the marketing boundary is enforced: campaign mail is sent only
through sending.py, which takes its recipients from here and checks each batch again just before the
hand-off. Service messages (receipts, SLA mail, login links, opt-in confirmations) go through the mail
app's outbox (sidos.mail.actions.queue_outbound, purpose "service") and never look at marketing consent.
"""

import random
from decimal import Decimal

from sidos.campaigns.models import Suppression
from sidos.customers.models import ConsentChannel, ConsentPurpose


def suppressed_addresses():
    return Suppression.objects.values("address")


def eligible(customers):
    """The part of a customer queryset that may get marketing e-mail now (still one query)."""
    return (
        customers.exclude(email="")
        .consenting(ConsentChannel.EMAIL, ConsentPurpose.MARKETING)
        .exclude(email__in=suppressed_addresses())
    )


def draw_control(customer_ids: list[int], share: Decimal, seed: int) -> set[int]:
    """A simple random sample of round(share × n) customers, the same for the same ids and seed."""
    ids = sorted(customer_ids)
    size = int((Decimal(share) * len(ids)).to_integral_value())
    return set(random.Random(seed).sample(ids, size)) if size else set()


def pick_language(customer_language: str, languages: list[str]) -> str:
    """The customer's language if the campaign has it, else English, else the first variant there is."""
    code = (customer_language or "").lower()[:2]
    if code in languages:
        return code
    return "en" if "en" in languages else languages[0]


def draw_arm_b(customer_ids: list[int], seed: int) -> set[int]:
    """Half of the mailed group (rounded down) for subject B, drawn independently of the control group."""
    ids = sorted(customer_ids)
    return set(random.Random(f"{seed}:ab").sample(ids, len(ids) // 2))
