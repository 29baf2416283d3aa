"""Who may be invited to a survey: the consent rule, over any customer queryset.

The rule (README, "Surveys"): an invitation staff send to a set of customers is a marketing message. It
goes only to customers whose latest e-mail/surveys consent is granted, or, where they have never been
asked about surveys, whose marketing e-mail consent is granted. An invitation that follows a transaction
(a purchase, a resolved ticket) is part of that service, like a receipt: it needs no marketing consent,
but a withdrawn e-mail/surveys consent still stops it. Nobody without an e-mail address, and nobody
invited to the same survey before.

`audience()` takes any queryset of customers, so a campaigns segment plugs in as it is.
"""

from django.db.models import OuterRef, Q, QuerySet, Subquery

from sidos.campaigns.models import Suppression, SuppressionReason
from sidos.customers.models import Consent, ConsentChannel, ConsentPurpose, Customer
from sidos.surveys.models import Invitation, Survey


def _latest(purpose: str) -> Subquery:
    return Subquery(
        Consent.objects.filter(customer=OuterRef("pk"), channel=ConsentChannel.EMAIL, purpose=purpose)
        .order_by("-recorded_at", "-id")
        .values("granted")[:1]
    )


def consented(customers: QuerySet[Customer], *, transactional: bool) -> QuerySet[Customer]:
    """The customers the consent rule lets us mail a survey invitation to."""
    mailable = customers.exclude(email="").annotate(survey_consent=_latest(ConsentPurpose.SURVEYS))
    if transactional:
        return mailable.filter(Q(survey_consent__isnull=True) | Q(survey_consent=True))
    return mailable.filter(
        Q(survey_consent=True) | Q(survey_consent__isnull=True, marketing_email_consent=True)
    )


def audience(
    survey: Survey, customers: QuerySet[Customer], *, transactional: bool = False
) -> QuerySet[Customer]:
    """Who of `customers` an invitation to `survey` may go to now (consented, not suppressed, not invited
    before). The campaigns' suppression list wins here too: a bounced or complaining address gets no
    survey at all; an unsubscribed one no survey staff send, but still one that follows a purchase or a
    ticket, which is service mail like the receipt."""
    invited = Invitation.objects.filter(survey=survey).values("customer_id")
    suppressed = Suppression.objects.all()
    if transactional:
        suppressed = suppressed.exclude(reason=SuppressionReason.UNSUBSCRIBED)
    return (
        consented(customers, transactional=transactional)
        .exclude(pk__in=invited)
        .exclude(email__in=suppressed.values("address"))
    )
