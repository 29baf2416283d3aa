"""SLA clocks on tickets: which policy applies, when responses are due, pausing, and what is left.

The arithmetic is in businesstime.py; this module maps stored policies and calendars onto it and keeps
a ticket's due fields consistent. Functions here change the ticket in memory; actions.py saves it.
"""

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import holidays

from sidos.servicedesk import businesstime, lookups
from sidos.servicedesk.models import (
    NO_DEADLINE,
    BusinessCalendar,
    SlaPolicy,
    Ticket,
    Tier,
)

DEFAULT_FIRST_RESPONSE = dt.timedelta(hours=48)
TOP_DECILES = 9  # value deciles 9 and 10: the most valuable fifth of the customers


@lru_cache(maxsize=16)
def _holiday_calendar(country: str):
    return holidays.country_holidays(country) if country else None


def calendar_for(stored: BusinessCalendar | None, tz=None) -> businesstime.Calendar:
    from django.utils import timezone

    if stored is None:
        return businesstime.always_open(tz or timezone.get_default_timezone())
    country_days = _holiday_calendar(stored.holiday_country)
    closed = {dt.date.fromisoformat(day) for day in stored.closed_dates}

    def is_holiday(day: dt.date) -> bool:
        return day in closed or (country_days is not None and day in country_days)

    hours = {
        int(weekday): tuple((int(start), int(end)) for start, end in spans)
        for weekday, spans in stored.hours.items()
    }
    return businesstime.Calendar(tz=stored.tz, hours=hours, is_holiday=is_holiday)


def tier_for(customer) -> str:
    """From the current analytics run's value decile; customers without scores are standard."""
    from sidos.analytics.models import CustomerScore

    decile = (
        CustomerScore.objects.filter(run__is_current=True, customer=customer)
        .values_list("value_decile", flat=True)
        .first()
    )
    return Tier.TOP if decile is not None and decile >= TOP_DECILES else Tier.STANDARD


def policy_for(ticket: Ticket, tier: str) -> SlaPolicy | None:
    """The matching policy with the most criteria set; None when no policy is stored (default applies)."""
    # All policies in one read (a handful of rows), cached per ingest run; matched here.
    policies = lookups.get("sla_policies", lambda: list(SlaPolicy.objects.select_related("calendar")))
    candidates = [
        policy
        for policy in policies
        if policy.priority in ("", ticket.priority)
        and policy.ticket_type in ("", ticket.ticket_type)
        and policy.tier in ("", tier)
    ]

    def specificity(policy: SlaPolicy):
        return (bool(policy.priority) + bool(policy.ticket_type) + bool(policy.tier), -policy.pk)

    return max(candidates, key=specificity, default=None)


def _calendar(ticket: Ticket) -> businesstime.Calendar:
    stored = ticket.sla_policy.calendar if ticket.sla_policy else None
    return lookups.get(("calendar", stored.pk if stored else None), lambda: calendar_for(stored))


def start_clocks(ticket: Ticket, now: dt.datetime, tier: str) -> None:
    """Choose the policy and set the dues for a new ticket (or one whose priority/type changed)."""
    ticket.sla_policy = policy_for(ticket, tier)
    calendar = _calendar(ticket)
    policy = ticket.sla_policy
    first = dt.timedelta(minutes=policy.first_response_minutes) if policy else DEFAULT_FIRST_RESPONSE
    start = ticket.created_at or now
    if ticket.first_responded_at is None:
        ticket.first_response_due = businesstime.add_business_time(calendar, start, first)
    if policy and policy.resolution_minutes:
        ticket.resolution_due = businesstime.add_business_time(
            calendar, start, dt.timedelta(minutes=policy.resolution_minutes)
        )
    else:
        ticket.resolution_due = None
    refresh_next_due(ticket)


def pause(ticket: Ticket, now: dt.datetime) -> None:
    if ticket.sla_paused_at is None:
        ticket.sla_paused_at = now
        refresh_next_due(ticket)


def resume(ticket: Ticket, now: dt.datetime) -> None:
    """Move each unmet due forward by the business time the clock stood still."""
    if ticket.sla_paused_at is None:
        return
    calendar = _calendar(ticket)
    paused_at = ticket.sla_paused_at
    for field in ("first_response_due", "resolution_due"):
        due = getattr(ticket, field)
        if due is None or (field == "first_response_due" and ticket.first_responded_at):
            continue
        left = businesstime.business_time_between(calendar, paused_at, due)
        if left > dt.timedelta(0):
            setattr(ticket, field, businesstime.add_business_time(calendar, now, left))
    ticket.sla_paused_at = None
    refresh_next_due(ticket)


def refresh_next_due(ticket: Ticket) -> None:
    """The deadline the list sorts by: the earliest unmet one of an open, running clock."""
    dues = []
    if ticket.is_open and ticket.sla_paused_at is None:
        if ticket.first_responded_at is None and ticket.first_response_due:
            dues.append(ticket.first_response_due)
        if ticket.resolution_due:
            dues.append(ticket.resolution_due)
    ticket.next_due = min(dues, default=NO_DEADLINE)


@dataclass(frozen=True)
class Clock:
    label: str  # "first response" / "resolution"
    due: dt.datetime
    left: dt.timedelta  # negative once overdue
    paused: bool

    @property
    def overdue(self) -> bool:
        return self.left < dt.timedelta(0)


def clocks(ticket: Ticket, now: dt.datetime) -> list[Clock]:
    """The unmet targets with the time left, for the countdowns on the pages."""
    result = []
    pairs = [("first_response", ticket.first_response_due, ticket.first_responded_at)]
    pairs.append(("resolution", ticket.resolution_due, ticket.resolved_at))
    reference = ticket.sla_paused_at or now
    for label, due, met in pairs:
        if due is None or met is not None or not ticket.is_open:
            continue
        result.append(Clock(label, due, due - reference, ticket.sla_paused_at is not None))
    return result


def _targets(policy: SlaPolicy | None) -> dict[str, dt.timedelta | None]:
    if policy is None:
        return {"first_response_due": DEFAULT_FIRST_RESPONSE, "resolution_due": None}
    resolution = policy.resolution_minutes
    return {
        "first_response_due": dt.timedelta(minutes=policy.first_response_minutes),
        "resolution_due": dt.timedelta(minutes=resolution) if resolution else None,
    }


def pause_shift(ticket: Ticket) -> dt.timedelta:
    """The business time earlier pauses have moved the dues by, read back from the stored dues.

    resume() keeps no running total: it moves each unmet due forward. The shift is therefore how far a
    due lies beyond its target counted from the ticket's creation; the largest one is taken, because a
    due that was met or already overdue during a pause was not moved.
    """
    start = ticket.created_at
    if start is None:
        return dt.timedelta(0)
    calendar = _calendar(ticket)
    shifts = [dt.timedelta(0)]
    for field, target in _targets(ticket.sla_policy).items():
        due = getattr(ticket, field)
        if due is None or target is None:
            continue
        if field == "first_response_due" and ticket.first_responded_at:
            continue
        shifts.append(businesstime.business_time_between(calendar, start, due) - target)
    return max(shifts)


def apply_pause_shift(ticket: Ticket, shift: dt.timedelta) -> None:
    """After start_clocks: move the recalculated unmet dues forward by the pause shift kept from before."""
    if shift <= dt.timedelta(0) or ticket.created_at is None:
        return
    calendar = _calendar(ticket)
    for field, target in _targets(ticket.sla_policy).items():
        if target is None or (field == "first_response_due" and ticket.first_responded_at):
            continue
        setattr(ticket, field, businesstime.add_business_time(calendar, ticket.created_at, target + shift))
    refresh_next_due(ticket)
