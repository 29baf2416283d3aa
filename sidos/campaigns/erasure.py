"""What the campaigns app holds about a customer (see sidos/privacy/registry.py).

- The send log (Delivery) moves to the anonymous stub without its address and SMTP error text: the
  campaign's counts, its hold-out effect (the stub keeps the orders too, so a conversion still
  counts) and the A/B arms stay as they were. Opens and clicks stay as counts and times; the clicked
  URLs are deleted (a link may carry the person's own parameters).
- Suppressions of the customer's addresses are kept, but as a keyed hash instead of the address
  (campaigns/suppression.py): an erased person who unsubscribed or bounced is never mailed again,
  even when the address comes back in an import. That hash is pseudonymous data kept to honour the
  objection (GDPR 21(3)); it leads to nobody without the address.
- Signups are ordinary customers with consent ledger entries (deleted with the customer) and an
  outbox confirmation (the mail app's erasure); signup attempts hold only a keyed hash of the client
  address for the rate limit and are deleted after a day.
- Segments are filter definitions, not member lists, so there is no membership to remove.
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sidos.campaigns.models import Delivery, DeliveryStatus, Suppression, TrackingEvent
from sidos.campaigns.suppression import erased_key
from sidos.privacy.registry import DataKind, Erasure, Holder, LegalBasis, Purpose, register


def _hash_suppressions(erasure: Erasure, addresses: set[str]) -> int:
    held = Q(customer=erasure.customer)
    if addresses:
        held |= Q(address__in=addresses)
    hashed = 0
    for suppression in Suppression.objects.filter(held).exclude(address__startswith="erased:"):
        key = erased_key(suppression.address)
        if Suppression.objects.filter(address=key).exists():
            suppression.delete()  # erased once before (under an earlier customer row): that entry holds
        else:
            Suppression.objects.filter(pk=suppression.pk).update(address=key, customer=None)
        hashed += 1
    return hashed


def erase(erasure: Erasure) -> dict[str, int]:
    customer = erasure.customer
    deliveries = Delivery.objects.filter(customer=customer)
    addresses = {value.lower() for value in erasure.identifiers if "@" in value}
    addresses.update(a.lower() for a in deliveries.exclude(address="").values_list("address", flat=True))
    urls = TrackingEvent.objects.filter(delivery__customer=customer).exclude(url="").update(url="")
    # A row still waiting is skipped, so a resumed campaign never mails the stub.
    deliveries.filter(status=DeliveryStatus.PENDING).update(status=DeliveryStatus.SKIPPED)
    return {
        "suppressions_hashed": _hash_suppressions(erasure, addresses),
        "click_urls": urls,
        "deliveries_kept": deliveries.update(customer=erasure.stub, address="", error=""),
    }


register(
    Holder(
        app="campaigns",
        order=45,
        erase=erase,
        kinds=(
            DataKind(
                "campaigns.deliveries",
                _("Campaign send log: address, group, subject arm, opens and clicks"),
                (Purpose.MARKETING, Purpose.ANALYTICS),
                LegalBasis.CONSENT,
                _("as long as the campaign's report is kept"),
                _("kept for the report without address, error text or clicked links"),
            ),
            DataKind(
                "campaigns.suppressions",
                _("Suppression list: addresses that get no marketing mail"),
                (Purpose.MARKETING,),
                LegalBasis.LEGAL_OBLIGATION,
                _("for good: an objection to direct marketing does not expire"),
                _("the address is replaced by a keyed hash that still stops the mail"),
            ),
            DataKind(
                "campaigns.signup_attempts",
                _("Signup form posts (keyed hash of the client's address)"),
                (Purpose.SECURITY,),
                LegalBasis.LEGITIMATE_INTEREST,
                _("one day"),
                _("not linked to a customer; deleted after a day"),
            ),
        ),
    )
)
