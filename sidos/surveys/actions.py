"""Every change to survey data: invitations and their mail, answers, and the triggered sends."""

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from sidos.customers.models import Customer, TimelineEvent
from sidos.customers.timeline import add_event
from sidos.mail.actions import batched_sending, queue_outbound
from sidos.privacy import audit
from sidos.privacy.models import AuditAction
from sidos.surveys import answering, tokens
from sidos.surveys.audience import audience, consented
from sidos.surveys.models import (
    LANGUAGES,
    Answer,
    Invitation,
    InvitationStatus,
    QuestionKind,
    Response,
    ResponseChannel,
    Survey,
    SurveyStatus,
    Trigger,
    localized,
)

TIMELINE_KIND = "survey"
# Orders older than the delay by more than this are not surveyed: a worker that was off for a week, or
# a survey opened today, must not ask about last year's purchases.
PURCHASE_LOOKBACK = dt.timedelta(days=7)


class SurveyError(Exception):
    pass


class AlreadyAnswered(SurveyError):
    pass


class InvalidAnswers(SurveyError):
    def __init__(self, checked: answering.Checked):
        super().__init__("some answers are not valid")
        self.checked = checked


def language_for(customer: Customer | None, fallback: str = "en") -> str:
    code = ((customer.language if customer else "") or "").lower()[:2]
    return code if code in LANGUAGES else fallback


# --- sending ---------------------------------------------------------------------------------------


def _mail_text(invitation: Invitation, language: str, base_link: str) -> tuple[str, str]:
    survey, customer = invitation.survey, invitation.customer
    with override(language):
        name = customer.first_name or customer.display_name
        lines = [_("Hello %(name)s,") % {"name": name}, ""]
        intro = localized(survey.intro, language)
        if intro:
            lines += [intro, ""]
        lines += [
            _("Please tell us what you think. The survey takes a few minutes:"),
            base_link + tokens.token_for(invitation.key) + "/",
            "",
            _("The link is personal and works for %(days)s days.")
            % {"days": settings.SIDOS_SURVEY_LINK_DAYS},
        ]
        return survey.title_in(language), "\n".join(lines)


def _send(invitations: list[Invitation], now: dt.datetime) -> dict:
    """Mail pending invitations through the outbox, checking consent again at the moment of sending.

    The outbox row names its invitation in `related` ("surveys.invitation:ID"); the invitations are then
    marked in two UPDATEs, not one statement per row.
    """
    if not invitations:
        return {"sent": 0, "skipped": 0}
    allowed: set[int] = set()
    for transactional in (True, False):
        ids = [item.customer_id for item in invitations if (item.trigger != Trigger.MANUAL) is transactional]
        if ids:
            customers = Customer.objects.filter(pk__in=ids)
            allowed |= set(consented(customers, transactional=transactional).values_list("pk", flat=True))
    base_link = tokens.link_prefix()
    sent, skipped, events = [], [], []
    for invitation in invitations:
        if invitation.customer_id not in allowed:
            skipped.append(invitation.pk)
            continue
        language = language_for(invitation.customer)
        subject, text = _mail_text(invitation, language, base_link)
        queue_outbound(
            to=[invitation.customer.email],
            subject=subject,
            text=text,
            headers={"Auto-Submitted": "auto-generated"} if invitation.trigger != Trigger.MANUAL else None,
            purpose="survey",
            related=f"surveys.invitation:{invitation.pk}",
        )
        sent.append(invitation.pk)
        events.append(
            TimelineEvent(
                customer_id=invitation.customer_id,
                kind=TIMELINE_KIND,
                title=f"Invited to the survey {invitation.survey.name}"[:300],
                detail={"survey": invitation.survey_id, "trigger": invitation.trigger},
                ref_type="survey_invitation",
                ref_id=invitation.pk,
                occurred_at=now,
            )
        )
    for start in range(0, max(len(sent), len(skipped)), 1000):
        Invitation.objects.filter(pk__in=sent[start : start + 1000]).update(
            status=InvitationStatus.SENT, sent_at=now
        )
        Invitation.objects.filter(pk__in=skipped[start : start + 1000]).update(
            status=InvitationStatus.SKIPPED, skip_reason="no consent or no e-mail address"
        )
    TimelineEvent.objects.bulk_create(events, batch_size=1000)
    return {"sent": len(sent), "skipped": len(skipped)}


def _pending(filters) -> list[Invitation]:
    return list(
        Invitation.objects.filter(filters, status=InvitationStatus.PENDING)
        .select_related("survey", "customer")
        .select_for_update(of=("self",))
        .order_by("pk")
    )


def invite(actor, survey: Survey, customers: QuerySet[Customer], *, audit_channel: str = "web") -> dict:
    """Invite those of `customers` the consent rule allows (audience.py) who were not invited before."""
    if survey.status != SurveyStatus.OPEN:
        raise SurveyError(_("Only an open survey can be sent."))
    now = timezone.now()
    with transaction.atomic(), audit.deferred(), batched_sending():
        offered = customers.count()
        eligible = list(audience(survey, customers).values_list("pk", flat=True))
        Invitation.objects.bulk_create(
            [
                Invitation(survey=survey, customer_id=pk, trigger=Trigger.MANUAL, due_at=now)
                for pk in eligible
            ],
            batch_size=1000,
            # Two staff sending at once: the second one's duplicates are dropped by the unique constraint.
            ignore_conflicts=True,
        )
        created = []
        for start in range(0, len(eligible), 1000):
            chunk = eligible[start : start + 1000]
            created += _pending(
                Q(survey=survey, customer_id__in=chunk, trigger=Trigger.MANUAL, sent_at__isnull=True)
            )
        counts = _send(created, now)
        audit.record(
            actor,
            AuditAction.CREATE,
            "survey.invitations",
            survey.pk,
            summary=f"invited {counts['sent']} customers to the survey {survey.name}",
            channel=audit_channel,
        )
    return {"offered": offered, "not_eligible": offered - len(eligible), **counts}


def send_due(now: dt.datetime | None = None) -> dict:
    """The periodic sweep: invitations after purchases, then every pending invitation whose time has come."""
    now = now or timezone.now()
    counts = {"created": 0, "sent": 0, "skipped": 0}
    for survey in Survey.objects.filter(status=SurveyStatus.OPEN, trigger=Trigger.PURCHASE):
        counts["created"] += _invite_after_purchases(survey, now)
    with transaction.atomic(), audit.deferred(), batched_sending():
        due = _pending(Q(due_at__lte=now, survey__status=SurveyStatus.OPEN))
        sent = _send(due, now)
        if due:
            audit.record(
                None,
                AuditAction.CREATE,
                "survey.invitations",
                "",
                summary=f"sent {sent['sent']} due invitations",
                channel="task",
            )
    counts["sent"], counts["skipped"] = sent["sent"], sent["skipped"]
    return counts


def _invite_after_purchases(survey: Survey, now: dt.datetime) -> int:
    from sidos.orders.models import Order

    latest = now - dt.timedelta(hours=survey.trigger_delay_hours)
    orders = Order.objects.filter(ordered_at__lte=latest, ordered_at__gt=latest - PURCHASE_LOOKBACK)
    customers = Customer.objects.filter(pk__in=orders.values("customer_id"))
    eligible = set(audience(survey, customers, transactional=True).values_list("pk", flat=True))
    first_order: dict[int, int] = {}
    for order_id, customer_id in (
        orders.filter(customer_id__in=eligible).order_by("ordered_at", "pk").values_list("pk", "customer_id")
    ):
        first_order.setdefault(customer_id, order_id)
    with transaction.atomic():
        made = Invitation.objects.bulk_create(
            [
                Invitation(
                    survey=survey,
                    customer_id=customer_id,
                    trigger=Trigger.PURCHASE,
                    order_id=order_id,
                    due_at=now,
                )
                for customer_id, order_id in first_order.items()
            ],
            ignore_conflicts=True,
        )
    return len(made)


def ticket_resolved(ticket) -> bool:
    """Called by the service desk when a ticket is resolved: True when a survey asks instead of its CSAT mail.

    An open survey triggered by tickets replaces the one-click CSAT mail for the customers it may reach, so
    nobody gets two surveys for one ticket; a ticket already surveyed (resolved, reopened, resolved again)
    gets neither a second invitation nor the CSAT mail. The survey's CSAT answer becomes the ticket's rating.
    """
    if Invitation.objects.filter(ticket_id=ticket.pk).exists():
        return True
    survey = (
        Survey.objects.filter(status=SurveyStatus.OPEN, trigger=Trigger.TICKET)
        .order_by("-created_at")
        .first()
    )
    if survey is None:
        return False
    customers = Customer.objects.filter(pk=ticket.customer_id)
    if not audience(survey, customers, transactional=True).exists():
        return False
    due = timezone.now() + dt.timedelta(hours=survey.trigger_delay_hours)
    try:
        with transaction.atomic():
            Invitation.objects.create(
                survey=survey,
                customer_id=ticket.customer_id,
                trigger=Trigger.TICKET,
                ticket=ticket,
                due_at=due,
            )
    except IntegrityError:
        return False  # the customer was invited to this survey meanwhile, for another reason
    return True


# --- answering -------------------------------------------------------------------------------------


def submit(
    survey: Survey,
    submitted: dict[int, list[str]],
    *,
    language: str,
    invitation: Invitation | None = None,
) -> Response:
    """Store one response. Raises InvalidAnswers (with an error per question) or AlreadyAnswered."""
    if survey.status != SurveyStatus.OPEN:
        raise SurveyError(_("This survey is closed."))
    questions = list(survey.questions.all())
    checked = answering.check(questions, submitted)
    if not checked.ok:
        raise InvalidAnswers(checked)
    now = timezone.now()
    customer = invitation.customer if invitation else None
    try:
        with transaction.atomic():
            if invitation is not None:
                # The conditional update is the lock: of two submits racing, one changes the row, the other
                # finds answered_at set (PostgreSQL re-reads the row after the first commits).
                claimed = Invitation.objects.filter(pk=invitation.pk, answered_at__isnull=True).update(
                    answered_at=now, status=InvitationStatus.ANSWERED
                )
                if not claimed:
                    raise AlreadyAnswered(_("This survey has already been answered."))
            response = Response.objects.create(
                survey=survey,
                invitation=invitation,
                customer=customer,
                channel=ResponseChannel.INVITATION if invitation else ResponseChannel.PUBLIC_FORM,
                language=language,
                submitted_at=now,
            )
            answers = [
                Answer(response=response, question_id=pk, **values) for pk, values in checked.values.items()
            ]
            Answer.objects.bulk_create(answers)
            by_id = {question.pk: question for question in questions}
            summary = {
                localized(by_id[a.question_id].text, "en"): _display(by_id[a.question_id], a) for a in answers
            }
            if customer is not None:
                add_event(
                    customer,
                    TIMELINE_KIND,
                    f"Answered the survey {survey.name}",
                    detail={"survey": survey.pk, "answers": summary},
                    ref_type="survey_response",
                    ref_id=response.pk,
                    occurred_at=now,
                )
            audit.record(
                f"customer #{customer.pk}" if customer else "public form",
                AuditAction.CREATE,
                "survey.response",
                response.pk,
                customer_id=customer.pk if customer else None,
                summary=f"answered the survey {survey.name}",
                channel="web",
            )
            if invitation is not None and invitation.ticket_id:
                _rate_ticket(invitation, questions, answers)
    except IntegrityError:
        # The unique invitation of Response: only reachable if the update above did not serialise them.
        raise AlreadyAnswered(_("This survey has already been answered.")) from None
    return response


def _display(question, answer: Answer) -> str | int | list:
    if answer.number is not None:
        return answer.number
    if answer.choice:
        return answer.choice
    if answer.choices:
        return answer.choices
    return answer.text


def _rate_ticket(invitation: Invitation, questions, answers: list[Answer]) -> None:
    """The survey replaced the ticket's CSAT mail, so its CSAT answer is the ticket's rating."""
    from sidos.servicedesk.actions import record_csat

    kinds = {question.pk: question.kind for question in questions}
    score = next((a.number for a in answers if kinds[a.question_id] == QuestionKind.CSAT), None)
    if score is None:
        return
    comment = next((a.text for a in answers if kinds[a.question_id] == QuestionKind.TEXT and a.text), None)
    record_csat(invitation.ticket, score, comment)
