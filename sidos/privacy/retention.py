"""Retention: how long each kind of personal data is kept, and the run that applies the rules.

Each rule names a setting (0 turns it off), the data kind it applies to (privacy/registry.py, so the
record of processing shows the period in force), the rows past the period, and what happens to them.
`sidos retention-run --dry-run` counts what a run would do; `sidos worker` runs it daily
(SIDOS_SCHEDULE_RETENTION). Each rule is one transaction with one audit entry of its counts.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sidos.privacy import audit
from sidos.privacy.models import AuditAction

UNITS = {"days": gettext_lazy("days"), "months": gettext_lazy("months"), "years": gettext_lazy("years")}
INACTIVE_PER_RUN = 1000  # erasures per run: each is a transaction of its own, the backlog goes over nights


def _months_back(moment: dt.datetime, months: int) -> dt.datetime:
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, 28)  # every month has a 28th: the cutoff moves by at most three days
    return moment.replace(year=year, month=month + 1, day=day)


@dataclass(frozen=True)
class Rule:
    name: str
    kind: str  # a DataKind key
    setting: str
    unit: str  # days, months or years
    what: str  # the rule in words, after the period
    candidates: Callable[[dt.datetime], object]  # cutoff -> queryset of rows past the period
    apply: Callable[[list[int]], int]  # ids -> rows changed

    @property
    def period(self) -> int:
        return int(getattr(settings, self.setting, 0) or 0)

    def cutoff(self, now: dt.datetime) -> dt.datetime:
        if self.unit == "days":
            return now - dt.timedelta(days=self.period)
        return _months_back(now, self.period * (12 if self.unit == "years" else 1))

    def describe(self) -> str:
        if not self.period:
            return _("kept (%(setting)s=0)") % {"setting": self.setting}
        return _("%(what)s after %(period)s %(unit)s (%(setting)s)") % {
            "what": self.what,
            "period": self.period,
            "unit": UNITS[self.unit],
            "setting": self.setting,
        }


def _closed_tickets(cutoff):
    from sidos.servicedesk.erasure import ERASED_SUBJECT
    from sidos.servicedesk.models import Status, Ticket

    done = Q(resolved_at__lt=cutoff) | Q(resolved_at=None, updated_at__lt=cutoff)
    return Ticket.objects.filter(done, status__in=[Status.RESOLVED, Status.CLOSED]).exclude(
        subject=ERASED_SUBJECT
    )


def _anonymise_tickets(ids: list[int]) -> int:
    from sidos.servicedesk.erasure import anonymise_tickets

    files = []
    counts = anonymise_tickets(ids, lambda storage, name: files.append((storage, name)))
    transaction.on_commit(lambda: [storage.delete(name) for storage, name in files if name])
    return counts["tickets_kept_anonymised"]


def _raw_mail(cutoff):
    from sidos.mail.models import InboundMessage, InboundStatus

    # A failed message keeps its bytes: they are what --retry-failed processes again.
    return InboundMessage.objects.filter(received_at__lt=cutoff, size__gt=0).exclude(
        status=InboundStatus.FAILED
    )


def _drop_raw(ids: list[int]) -> int:
    from sidos.mail.models import InboundMessage

    return InboundMessage.objects.filter(pk__in=ids).update(raw=b"", size=0)


def _portal_links(cutoff):
    from sidos.privacy.models import PortalLinkRequest

    return PortalLinkRequest.objects.filter(created_at__lt=cutoff)


def _delete_portal_links(ids: list[int]) -> int:
    from sidos.privacy.models import PortalLinkRequest

    return PortalLinkRequest.objects.filter(pk__in=ids).delete()[0]


def _inactive_customers(cutoff):
    from sidos.customers.models import Customer
    from sidos.privacy.models import ErasureReceipt

    return (
        Customer.objects.filter(updated_at__lt=cutoff)
        .exclude(orders__ordered_at__gte=cutoff)
        .exclude(tickets__updated_at__gte=cutoff)
        .exclude(pk__in=ErasureReceipt.objects.exclude(stub=None).values("stub_id"))
        .distinct()
    )


def _erase_inactive(ids: list[int]) -> int:
    from sidos.customers.models import Customer
    from sidos.privacy.actions import erase_customer

    years = settings.SIDOS_RETAIN_INACTIVE_YEARS
    for customer in Customer.objects.filter(pk__in=ids[:INACTIVE_PER_RUN]):
        erase_customer(customer, reason=f"retention: no activity for {years} years", channel="task")
    return min(len(ids), INACTIVE_PER_RUN)


RULES = [
    Rule("closed_tickets", "servicedesk.tickets", "SIDOS_RETAIN_CLOSED_TICKETS_MONTHS", "months",
         gettext_lazy("closed tickets lose texts, senders and files"), _closed_tickets, _anonymise_tickets),
    Rule("raw_mail", "mail.inbound", "SIDOS_RETAIN_RAW_MAIL_DAYS", "days",
         gettext_lazy("raw bytes of processed mail are dropped"), _raw_mail, _drop_raw),
    Rule("portal_links", "privacy.portal_links", "SIDOS_RETAIN_PORTAL_LINKS_DAYS", "days",
         gettext_lazy("portal login requests are deleted"), _portal_links, _delete_portal_links),
    Rule("inactive_customers", "customers.profile", "SIDOS_RETAIN_INACTIVE_YEARS", "years",
         gettext_lazy("inactive customers are erased"), _inactive_customers, _erase_inactive),
]  # fmt: skip


def rules() -> list[Rule]:
    return RULES


def run_retention(*, dry_run: bool, now: dt.datetime | None = None) -> list[dict]:
    """One line per rule: its period, cutoff and how many rows it would change (dry run) or changed."""
    now = now or timezone.now()
    report = []
    for rule in RULES:
        line = {"rule": rule.name, "kind": rule.kind, "period": rule.period, "unit": rule.unit}
        if not rule.period:
            report.append({**line, "cutoff": None, "count": 0, "off": True})
            continue
        cutoff = rule.cutoff(now)
        line["cutoff"] = cutoff.isoformat()
        if dry_run:
            report.append({**line, "count": rule.candidates(cutoff).count()})
            continue
        with transaction.atomic():
            ids = list(rule.candidates(cutoff).values_list("pk", flat=True))
            count = rule.apply(ids) if ids else 0
            if count:
                audit.record(
                    "retention",
                    AuditAction.DELETE,
                    f"retention.{rule.name}",
                    channel="task",
                    summary=f"retention: {rule.describe()}: {count}",
                    changes={"count": count},
                )
        report.append({**line, "count": count})
    return report
