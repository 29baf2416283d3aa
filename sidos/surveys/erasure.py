"""What the surveys app holds about a customer (see sidos/privacy/registry.py).

Scores and choices stay, free text goes. An NPS, CSAT, scale or choice answer says nothing about the
person once the response no longer leads to them, and deleting it would change past results (a
survey's NPS would shift the day someone is erased, and the response rate would no longer be
answered / invited). So invitations and responses move to the anonymous stub, like orders and
tickets, keeping every figure of the results page. Free-text answers are personal data (people
write their names, addresses, order numbers, complaints about themselves) and are deleted: the
results then count one text answer fewer, which is the truth about what is stored. The breakdowns
by the respondent's current stage and RFM segment move these answers to "former" and "no segment"
(the stub's), as they would for any customer whose stage changes; totals and trends stay.

The invitations' keys are replaced, so a link already mailed to the person opens nothing, and a
pending invitation is marked not sent. Public-form answers belong to no customer; a free text there
that contains one of the customer's distinctive identifiers (an address, a phone number, a full
name) is deleted too. Form attempts hold only a keyed hash of the client's address for the rate
limit, no customer, and are deleted after a day by the form itself.
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sidos.privacy.registry import DataKind, Erasure, Holder, LegalBasis, Purpose, register
from sidos.surveys.models import Answer, Invitation, InvitationStatus, Response, new_key

ERASED_REASON = "customer erased"


def erase(erasure: Erasure) -> dict[str, int]:
    customer, stub = erasure.customer, erasure.stub
    invitations = list(Invitation.objects.filter(customer=customer).only("pk", "status"))
    for invitation in invitations:
        invitation.customer, invitation.key = stub, new_key()
        if invitation.status == InvitationStatus.PENDING:
            invitation.status, invitation.skip_reason = InvitationStatus.SKIPPED, ERASED_REASON
    Invitation.objects.bulk_update(invitations, ["customer", "key", "status", "skip_reason"])

    responses = Response.objects.filter(Q(customer=customer) | Q(invitation__in=invitations))
    response_ids = list(responses.values_list("pk", flat=True))
    texts, _by_model = Answer.objects.filter(response_id__in=response_ids).exclude(text="").delete()
    mentioning = Q()
    for needle in erasure.distinctive:
        mentioning |= Q(text__icontains=needle)
    public_texts = 0
    if erasure.distinctive:
        public_texts, _by_model = (
            Answer.objects.filter(response__customer__isnull=True)
            .exclude(text="")
            .filter(mentioning)
            .delete()
        )
    return {
        "invitations_kept": len(invitations),
        "responses_kept": Response.objects.filter(pk__in=response_ids).update(customer=stub),
        "free_text_answers": texts,
        "public_form_texts": public_texts,
    }


register(
    Holder(
        app="surveys",
        order=45,
        erase=erase,
        kinds=(
            DataKind(
                "surveys.invitations",
                _("Survey invitations: who was asked, when, after which order or ticket"),
                (Purpose.CUSTOMER_RELATIONSHIP, Purpose.ANALYTICS),
                LegalBasis.LEGITIMATE_INTEREST,
                _("as long as the survey's results are kept"),
                _("moved to the anonymous customer with a new key; a pending one is not sent"),
            ),
            DataKind(
                "surveys.scores",
                _("Survey scores and choices (NPS, CSAT, scales, choice questions)"),
                (Purpose.ANALYTICS,),
                LegalBasis.LEGITIMATE_INTEREST,
                _("as long as the survey's results are kept"),
                _("kept for the results, belonging to the anonymous customer"),
            ),
            DataKind(
                "surveys.free_text",
                _("Free-text survey answers"),
                (Purpose.CUSTOMER_RELATIONSHIP, Purpose.ANALYTICS),
                LegalBasis.LEGITIMATE_INTEREST,
                _("as long as the survey's results are kept"),
                _("deleted, and public-form texts that name the customer"),
            ),
            DataKind(
                "surveys.form_attempts",
                _("Public feedback form posts (keyed hash of the client's address)"),
                (Purpose.SECURITY,),
                LegalBasis.LEGITIMATE_INTEREST,
                _("one day"),
                _("not linked to a customer; deleted after a day"),
            ),
        ),
    )
)
