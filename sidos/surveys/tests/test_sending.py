"""Inviting customers: the consent rule, the outbox, the timeline, and the purchase and ticket triggers."""

import datetime as dt
import email
import re
from email import policy

import pytest
from django.utils import timezone

from sidos.accounts.scheduler import JOBS
from sidos.customers.models import Customer, TimelineEvent
from sidos.customers.tests.webhelpers import make_customer, make_order
from sidos.mail import tasks as mail_tasks
from sidos.mail.models import OutboundMessage
from sidos.privacy.models import AuditEntry
from sidos.servicedesk.actions import update_ticket
from sidos.servicedesk.models import CsatRating, Status
from sidos.servicedesk.tests.helpers import make_ticket
from sidos.surveys import actions, tasks
from sidos.surveys.audience import audience
from sidos.surveys.models import Invitation, InvitationStatus, SurveyStatus, Trigger
from sidos.surveys.tests.builders import consenting_customer, full_answers, make_survey

pytestmark = pytest.mark.django_db


def recipients(**filters) -> list[str]:
    return sorted(address for message in OutboundMessage.objects.filter(**filters) for address in message.to)


def test_a_staff_send_follows_the_marketing_consent_rule(admin_user):
    survey = make_survey()
    consenting_customer("marketing-yes@example.fi", marketing=True)
    consenting_customer("marketing-no@example.fi", marketing=False)
    consenting_customer("surveys-no@example.fi", marketing=True, surveys=False)
    consenting_customer("surveys-yes@example.fi", marketing=False, surveys=True)
    consenting_customer("never-asked@example.fi", marketing=None)
    make_customer(first_name="No", last_name="Address")
    counts = actions.invite(admin_user, survey, Customer.objects.all())
    assert counts == {"offered": 6, "not_eligible": 4, "sent": 2, "skipped": 0}
    assert recipients(purpose="survey") == ["marketing-yes@example.fi", "surveys-yes@example.fi"]
    assert Invitation.objects.filter(status=InvitationStatus.SENT).count() == 2
    assert TimelineEvent.objects.filter(kind="survey", title__startswith="Invited").count() == 2
    assert AuditEntry.objects.filter(target_type="survey.invitations", actor=admin_user).exists()


def test_nobody_is_invited_twice(admin_user):
    survey = make_survey()
    consenting_customer("aino@example.fi")
    actions.invite(admin_user, survey, Customer.objects.all())
    again = actions.invite(admin_user, survey, Customer.objects.all())
    assert again["sent"] == 0 and again["not_eligible"] == 1
    assert OutboundMessage.objects.filter(purpose="survey").count() == 1


def test_the_suppression_list_wins_over_survey_consent():
    from sidos.campaigns.models import Suppression, SuppressionReason

    survey = make_survey()
    for address in ("bounced@example.fi", "unsubscribed@example.fi", "fine@example.fi"):
        consenting_customer(address, surveys=True)
    Suppression.objects.create(address="bounced@example.fi", reason=SuppressionReason.BOUNCED)
    Suppression.objects.create(address="unsubscribed@example.fi", reason=SuppressionReason.UNSUBSCRIBED)
    staff_sent = {c.email for c in audience(survey, Customer.objects.all())}
    after_a_purchase = {c.email for c in audience(survey, Customer.objects.all(), transactional=True)}
    assert staff_sent == {"fine@example.fi"}
    assert after_a_purchase == {"fine@example.fi", "unsubscribed@example.fi"}


def test_audience_takes_any_customer_queryset(admin_user):
    survey = make_survey()
    consenting_customer("loyal@example.fi", stage="commitment")
    consenting_customer("new@example.fi", stage="trial")
    chosen = audience(survey, Customer.objects.filter(stage="commitment"))
    assert [customer.email for customer in chosen] == ["loyal@example.fi"]


def test_a_draft_survey_cannot_be_sent(admin_user):
    survey = make_survey(status=SurveyStatus.DRAFT)
    consenting_customer("aino@example.fi")
    with pytest.raises(actions.SurveyError):
        actions.invite(admin_user, survey, Customer.objects.all())
    assert not Invitation.objects.exists()


def test_the_mail_reaches_a_real_smtp_server_in_the_customers_language(admin_user, smtp_server, client):
    survey = make_survey("Asiakaskysely")
    consenting_customer("aino@example.fi", language="fi", first_name="Aino")
    actions.invite(admin_user, survey, Customer.objects.all())
    message = OutboundMessage.objects.get(purpose="survey")
    assert mail_tasks.send_outbound.call(message.pk) == "sent"
    [received] = smtp_server.received
    assert received["to"] == ["aino@example.fi"]
    parsed = email.message_from_bytes(received["content"], policy=policy.default)
    assert parsed["Subject"] == "Asiakaskysely (fi)"
    body = parsed.get_body(preferencelist=("plain",)).get_content()
    assert body.startswith("Hei Aino,")
    path = re.search(r"https?://[^/\s]+(/feedback/s/\S+/)", body).group(1)
    page = client.get(path)
    assert page.status_code == 200 and "Kuinka tyytyväinen olet?" in page.content.decode()


def test_a_purchase_triggers_an_invitation_after_the_delay():
    make_survey("After purchase", trigger=Trigger.PURCHASE, trigger_delay_hours=24)
    # A follow-up of a purchase needs no marketing consent, but a "no surveys" always wins.
    due = consenting_customer("due@example.fi", marketing=None)
    early = consenting_customer("early@example.fi", marketing=None)
    old = consenting_customer("old@example.fi", marketing=None)
    refused = consenting_customer("refused@example.fi", marketing=True, surveys=False)
    make_order(due, "O-1", days_ago=2)
    make_order(due, "O-2", days_ago=3)
    make_order(early, "O-3", days_ago=0)
    make_order(old, "O-4", days_ago=40)
    make_order(refused, "O-5", days_ago=2)
    counts = tasks.send_due_invitations.call()
    assert counts == {"created": 1, "sent": 1, "skipped": 0}
    invitation = Invitation.objects.get()
    assert (invitation.customer, invitation.order.external_id, invitation.trigger) == (due, "O-2", "purchase")
    [message] = OutboundMessage.objects.filter(purpose="survey")
    assert message.to == ["due@example.fi"] and message.headers["Auto-Submitted"] == "auto-generated"
    # The next sweep (and the one after the early order's delay) sends nobody a second one.
    assert tasks.send_due_invitations.call() == {"created": 0, "sent": 0, "skipped": 0}
    later = actions.send_due(timezone.now() + dt.timedelta(hours=25))
    assert later["sent"] == 1
    assert recipients(purpose="survey") == ["due@example.fi", "early@example.fi"]


def test_the_consent_is_checked_again_when_a_delayed_invitation_is_due():
    survey = make_survey("After purchase", trigger=Trigger.PURCHASE, trigger_delay_hours=0)
    customer = consenting_customer("changed-mind@example.fi", marketing=None)
    Invitation.objects.create(
        survey=survey, customer=customer, trigger=Trigger.PURCHASE, due_at=timezone.now()
    )
    from sidos.customers.actions import record_consent

    record_consent(None, customer, channel="email", purpose="surveys", granted=False, source="test")
    assert actions.send_due()["skipped"] == 1
    assert not OutboundMessage.objects.filter(purpose="survey").exists()
    assert Invitation.objects.get().status == InvitationStatus.SKIPPED


def resolve(ticket):
    update_ticket(None, ticket, {"status": Status.RESOLVED})


def test_a_ticket_survey_replaces_the_csat_mail_and_its_answer_rates_the_ticket():
    survey = make_survey("Service", trigger=Trigger.TICKET, trigger_delay_hours=0)
    ticket = make_ticket(email="aino@example.fi")
    resolve(ticket)
    assert not OutboundMessage.objects.filter(purpose="csat").exists()
    invitation = Invitation.objects.get()
    assert (invitation.ticket, invitation.status) == (ticket, InvitationStatus.PENDING)
    assert actions.send_due()["sent"] == 1
    assert recipients(purpose="survey") == ["aino@example.fi"]
    invitation.refresh_from_db()
    actions.submit(survey, full_answers(survey, csat=["2"]), language="en", invitation=invitation)
    rating = CsatRating.objects.get(ticket=ticket)
    assert (rating.score, rating.comment) == (2, "Friendly staff, slow delivery.")


def test_a_ticket_gets_one_survey_even_when_resolved_twice():
    make_survey("Service", trigger=Trigger.TICKET, trigger_delay_hours=0)
    ticket = make_ticket(email="aino@example.fi")
    resolve(ticket)
    actions.send_due()
    update_ticket(None, ticket, {"status": Status.OPEN})
    resolve(ticket)
    actions.send_due()
    assert Invitation.objects.count() == 1
    assert OutboundMessage.objects.filter(purpose__in=["survey", "csat"]).count() == 1


def test_a_customer_already_surveyed_gets_the_ordinary_csat_mail_for_the_next_ticket():
    make_survey("Service", trigger=Trigger.TICKET, trigger_delay_hours=0)
    first = make_ticket(email="aino@example.fi", subject="First")
    resolve(first)
    second = make_ticket(email="aino@example.fi", subject="Second")
    resolve(second)
    assert Invitation.objects.get().ticket == first
    assert [m.related for m in OutboundMessage.objects.filter(purpose="csat")] == [
        f"servicedesk.ticket:{second.pk}"
    ]


def test_without_a_ticket_survey_the_csat_mail_goes_as_before():
    make_survey("Manual one", trigger=Trigger.MANUAL)
    ticket = make_ticket(email="aino@example.fi")
    resolve(ticket)
    assert OutboundMessage.objects.filter(purpose="csat").count() == 1
    assert not Invitation.objects.exists()


def test_the_worker_schedules_the_sweep():
    assert "surveys-send-due" in {job.name for job in JOBS}
