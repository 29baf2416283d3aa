"""What campaigns ask of the bounces: which addresses no longer take mail."""

from collections.abc import Iterable

from sidos.mail.models import DeliveryReport


def permanently_failed(addresses: Iterable[str] | None = None) -> set[str]:
    """Recipients with a permanent failure on record (DSN action 'failed', status 5.x.x).

    A 4.x.x status (mailbox full, greylisting) is temporary and never suppresses an address.
    """
    reports = DeliveryReport.objects.filter(action="failed", status__startswith="5")
    if addresses is not None:
        wanted = {address.strip().lower() for address in addresses}
        reports = reports.filter(recipient__in=wanted)
    return set(reports.values_list("recipient", flat=True).distinct())
