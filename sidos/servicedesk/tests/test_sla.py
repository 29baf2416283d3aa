"""SLA clocks on real tickets: policy choice, the default 48 hours, pausing, warnings and escalation."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from sidos.analytics.models import AnalyticsRun, CustomerScore
from sidos.mail.models import OutboundMessage
from sidos.servicedesk import escalation
from sidos.servicedesk.actions import reply, update_ticket
from sidos.servicedesk.models import (
    NO_DEADLINE,
    BusinessCalendar,
    EventKind,
    Priority,
    Queue,
    SlaPolicy,
    Status,
    TicketType,
)
from sidos.servicedesk.tests.helpers import make_ticket

pytestmark = pytest.mark.django_db
HELSINKI = ZoneInfo("Europe/Helsinki")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=HELSINKI)


def office() -> BusinessCalendar:
    return BusinessCalendar.objects.get(name="Office hours (Finland)")


@freeze_time("2026-03-13 10:00:00+02:00")
def test_the_default_policy_promises_a_first_response_within_48_hours():
    ticket = make_ticket()
    assert ticket.sla_policy.name == "Default: first response within 48 hours"
    assert ticket.first_response_due == at(2026, 3, 15, 10)
    assert ticket.next_due == ticket.first_response_due
    assert ticket.resolution_due is None


@freeze_time("2026-03-13 15:00:00+02:00")
def test_a_complaint_policy_in_office_hours_skips_the_weekend():
    SlaPolicy.objects.create(
        name="Complaints",
        ticket_type=TicketType.COMPLAINT,
        first_response_minutes=120,
        resolution_minutes=8 * 60,
        calendar=office(),
    )
    ticket = make_ticket(ticket_type=TicketType.COMPLAINT)
    assert ticket.sla_policy.name == "Complaints"
    assert ticket.first_response_due == at(2026, 3, 16, 9)
    assert ticket.resolution_due == at(2026, 3, 16, 15)


@freeze_time("2026-03-10 09:00:00+02:00")
def test_the_most_specific_policy_wins_and_top_customers_get_theirs():
    SlaPolicy.objects.create(name="Urgent", priority=Priority.URGENT, first_response_minutes=60)
    SlaPolicy.objects.create(name="Top", tier="top", first_response_minutes=30)
    SlaPolicy.objects.create(
        name="Top urgent", tier="top", priority=Priority.URGENT, first_response_minutes=15
    )
    plain = make_ticket(priority=Priority.URGENT)
    assert plain.sla_policy.name == "Urgent"
    run = AnalyticsRun.objects.create(as_of=dt.date(2026, 3, 1), is_current=True, status="done")
    CustomerScore.objects.create(run=run, customer=plain.customer, as_of=run.as_of, value_decile=10)
    top = make_ticket(priority=Priority.URGENT)
    assert top.customer == plain.customer
    assert top.sla_policy.name == "Top urgent"
    assert top.first_response_due == at(2026, 3, 10, 9, 15)
    assert make_ticket().sla_policy.name == "Top"


def test_waiting_on_the_customer_pauses_the_clock_and_resuming_moves_the_deadline():
    SlaPolicy.objects.create(
        name="Office",
        priority=Priority.NORMAL,
        first_response_minutes=60,
        resolution_minutes=16 * 60,
        calendar=office(),
    )
    with freeze_time("2026-03-10 09:00:00+02:00"):
        ticket = make_ticket()
        assert ticket.resolution_due == at(2026, 3, 12, 9)  # 7 h Tuesday, 8 h Wednesday, 1 h Thursday
        reply(None, ticket, "Could you send the order number?", status=Status.WAITING)
        ticket.refresh_from_db()
        assert ticket.sla_paused_at is not None
        assert ticket.next_due == NO_DEADLINE
    # Paused from Tuesday 09:00 until Thursday 12:00: all 16 open hours are left, counted from now on
    # (4 h Thursday, 8 h Friday, 4 h Monday).
    with freeze_time("2026-03-12 12:00:00+02:00"):
        update_ticket(None, ticket, {"status": Status.OPEN})
    ticket.refresh_from_db()
    assert ticket.sla_paused_at is None
    assert ticket.resolution_due == at(2026, 3, 16, 12)
    assert ticket.next_due == ticket.resolution_due


def test_a_reply_from_the_customer_restarts_a_paused_clock():
    from sidos.servicedesk.actions import add_customer_message

    with freeze_time("2026-03-10 09:00:00+02:00"):
        ticket = make_ticket()
        reply(None, ticket, "Which order?", status=Status.WAITING)
    with freeze_time("2026-03-10 10:00:00+02:00"):
        add_customer_message(ticket, body="Order 42.")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.sla_paused_at is None


def test_a_late_first_reply_counts_as_a_breach():
    with freeze_time("2026-03-10 09:00:00+02:00"):
        ticket = make_ticket()
    with freeze_time("2026-03-12 09:00:01+02:00"):
        reply(None, ticket, "Sorry for the wait.")
    ticket.refresh_from_db()
    assert ticket.first_response_breached
    assert ticket.next_due == NO_DEADLINE


def test_the_sweep_warns_before_the_deadline_once():
    with freeze_time("2026-03-10 09:00:00+02:00"):
        ticket = make_ticket()
    with freeze_time("2026-03-12 04:00:00+02:00"):
        assert escalation.sweep() == {"warned": 0, "escalated": 0}  # five hours left, warns at four
    with freeze_time("2026-03-12 05:30:00+02:00"):
        assert escalation.sweep() == {"warned": 1, "escalated": 0}
        assert escalation.sweep() == {"warned": 0, "escalated": 0}
    assert ticket.events.filter(kind=EventKind.SLA_WARNING).count() == 1


def test_the_sweep_escalates_a_breach_raises_priority_and_mails_the_queue_lead():
    queue = Queue.objects.get(name="General")
    queue.lead_email = "lead@example.fi"
    queue.save()
    with freeze_time("2026-03-10 09:00:00+02:00"):
        ticket = make_ticket()
    with freeze_time("2026-03-12 09:30:00+02:00"):
        assert escalation.sweep()["escalated"] == 1
        assert escalation.sweep()["escalated"] == 0  # recorded once, not every pass
    ticket.refresh_from_db()
    assert ticket.priority == Priority.HIGH
    assert ticket.first_response_breached
    event = ticket.events.get(kind=EventKind.SLA_BREACH)
    assert event.detail["priority"] == ["normal", "high"]
    mail = OutboundMessage.objects.get(pk=event.detail["outbound"])
    assert mail.to == ["lead@example.fi"]
    assert ticket.reference in mail.subject


def test_resolved_tickets_are_never_escalated():
    with freeze_time("2026-03-10 09:00:00+02:00"):
        ticket = make_ticket()
        update_ticket(None, ticket, {"status": Status.RESOLVED})
    with freeze_time("2026-03-20 09:00:00+02:00"):
        assert escalation.sweep() == {"warned": 0, "escalated": 0}


def test_a_calendar_with_bad_hours_or_zone_is_refused_with_its_reason():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="not a span"):
        BusinessCalendar(name="Bad", hours={"0": [[600, 500]]}).full_clean()
    with pytest.raises(ValidationError, match="Mars"):
        BusinessCalendar(name="Bad zone", time_zone="Mars/Olympus").full_clean()
    with pytest.raises(ValidationError):
        BusinessCalendar(name="Bad country", holiday_country="QQ").full_clean()
    BusinessCalendar(name="Fine", hours={"5": [[600, 900]]}, holiday_country="SE").full_clean()


def test_the_sla_command_prints_a_json_summary_last(capsys):
    import json

    from django.core.management import call_command

    with freeze_time("2026-03-10 09:00:00+02:00"):
        make_ticket()
    with freeze_time("2026-03-12 09:30:00+02:00"):
        call_command("servicedesk-sla", "--json")
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1]) == {"warned": 0, "escalated": 1}


def test_changing_the_priority_after_a_pause_keeps_the_time_the_clock_stood_still():
    """Issue #4 bug: the recalculation from the ticket's creation dropped the earlier pause."""
    for name, priority, hours in (("Office", Priority.NORMAL, 16), ("Office high", Priority.HIGH, 8)):
        SlaPolicy.objects.create(
            name=name,
            priority=priority,
            first_response_minutes=60,
            resolution_minutes=hours * 60,
            calendar=office(),
        )
    with freeze_time("2026-03-10 09:00:00+02:00"):
        ticket = make_ticket()
        reply(None, ticket, "Could you send the order number?", status=Status.WAITING)
    with freeze_time("2026-03-12 12:00:00+02:00"):  # paused for 19 open hours
        update_ticket(None, ticket, {"status": Status.OPEN})
    with freeze_time("2026-03-12 13:00:00+02:00"):
        update_ticket(None, ticket, {"priority": Priority.HIGH})
    ticket.refresh_from_db()
    assert ticket.sla_policy.name == "Office high"
    # 8 h + the 19 paused hours from Tuesday 09:00: 7 h Tuesday, 8 h Wednesday, 8 h Thursday, 4 h Friday.
    assert ticket.resolution_due == at(2026, 3, 13, 12)
    assert ticket.next_due == ticket.resolution_due


def test_changing_the_type_without_a_pause_counts_from_the_creation():
    SlaPolicy.objects.create(
        name="Complaints",
        ticket_type=TicketType.COMPLAINT,
        first_response_minutes=120,
        resolution_minutes=8 * 60,
        calendar=office(),
    )
    with freeze_time("2026-03-10 09:00:00+02:00"):
        ticket = make_ticket()
    with freeze_time("2026-03-10 10:00:00+02:00"):
        update_ticket(None, ticket, {"ticket_type": TicketType.COMPLAINT})
    ticket.refresh_from_db()
    assert ticket.first_response_due == at(2026, 3, 10, 11)
    assert ticket.resolution_due == at(2026, 3, 11, 9)
