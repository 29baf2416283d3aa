"""SLA attainment and CSAT by queue and month: a few aggregate queries, no rows loaded."""

import datetime as dt

from django.db.models import Avg, Count, Q
from django.db.models.functions import TruncMonth

from sidos.servicedesk.models import CsatRating, Ticket


def _rate(met: int, missed: int) -> float | None:
    return round(100 * met / (met + missed), 1) if met + missed else None


def sla_attainment(start: dt.datetime, end: dt.datetime) -> list[dict]:
    """Per queue and month of creation: first responses and resolutions in time vs late."""
    rows = (
        Ticket.objects.filter(created_at__gte=start, created_at__lt=end, merged_into__isnull=True)
        .annotate(month=TruncMonth("created_at"))
        .values("queue__name", "month")
        .annotate(
            tickets=Count("id"),
            first_met=Count("id", filter=Q(first_responded_at__isnull=False, first_response_breached=False)),
            first_missed=Count("id", filter=Q(first_response_breached=True)),
            resolution_met=Count(
                "id",
                filter=Q(resolved_at__isnull=False, resolution_due__isnull=False, resolution_breached=False),
            ),
            resolution_missed=Count("id", filter=Q(resolution_breached=True)),
        )
        .order_by("-month", "queue__name")
    )
    return [
        {
            **row,
            "first_rate": _rate(row["first_met"], row["first_missed"]),
            "resolution_rate": _rate(row["resolution_met"], row["resolution_missed"]),
        }
        for row in rows
    ]


def csat_summary(start: dt.datetime, end: dt.datetime) -> list[dict]:
    rows = (
        CsatRating.objects.filter(created_at__gte=start, created_at__lt=end)
        .annotate(month=TruncMonth("created_at"))
        .values("ticket__queue__name", "month")
        .annotate(ratings=Count("id"), average=Avg("score"), satisfied=Count("id", filter=Q(score__gte=4)))
        .order_by("-month", "ticket__queue__name")
    )
    return [
        {
            **row,
            "average": round(row["average"], 2),
            "satisfied_rate": round(100 * row["satisfied"] / row["ratings"], 1),
        }
        for row in rows
    ]
