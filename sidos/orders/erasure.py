"""Orders are bookkeeping records the law requires to be kept (in Finland six years after the
accounting year, Kirjanpitolaki 2:10), so erasure keeps them, amounts and dates unchanged, and moves
them to the erased customer's anonymous stub: totals and counts stay right, the person is gone."""

from django.utils.translation import gettext_lazy as _

from sidos.orders.models import Order
from sidos.privacy.registry import DataKind, Erasure, Holder, LegalBasis, Purpose, register


def erase(erasure: Erasure) -> dict[str, int]:
    return {
        "orders_kept_pseudonymised": Order.objects.filter(customer=erasure.customer).update(
            customer=erasure.stub
        )
    }


register(
    Holder(
        app="orders",
        order=20,
        erase=erase,
        kinds=(
            DataKind(
                "orders.orders",
                _("Orders: what, when, where, how much"),
                (Purpose.ORDERS, Purpose.BOOKKEEPING, Purpose.ANALYTICS),
                LegalBasis.LEGAL_OBLIGATION,
                _("six years after the accounting year (bookkeeping act)"),
                _("kept, moved to an anonymous customer"),
            ),
        ),
    )
)
