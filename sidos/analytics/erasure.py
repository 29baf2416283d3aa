"""Analytics scores are derived from orders and profile; an erased customer's are deleted (the next
recompute scores the anonymous stub from the kept orders, which no person can be traced from)."""

from django.utils.translation import gettext_lazy as _

from sidos.analytics.models import CustomerScore
from sidos.privacy.registry import DataKind, Erasure, Holder, LegalBasis, Purpose, register


def erase(erasure: Erasure) -> dict[str, int]:
    deleted, _by_model = CustomerScore.objects.filter(customer=erasure.customer).delete()
    return {"scores": deleted}


register(
    Holder(
        app="analytics",
        order=30,
        erase=erase,
        kinds=(
            DataKind(
                "analytics.scores",
                _("Segment, purchase rhythm, lifetime value and churn risk"),
                (Purpose.ANALYTICS,),
                LegalBasis.LEGITIMATE_INTEREST,
                _("replaced by every recompute; earlier runs' scores are kept with the run"),
                _("deleted"),
            ),
        ),
    )
)
