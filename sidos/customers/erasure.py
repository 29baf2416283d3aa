"""What the customers app holds about a customer (see sidos/privacy/registry.py).

The customer row, its contact points, consents, aliases, timeline, tags and custom attributes go
with the row itself (deleted by privacy.actions.erase_customer after every holder ran; the tag
index is emptied by its database trigger). What is left here is the import history: the rejected-row
reports are files, and a rejected row may be this customer's.
"""

import csv
import io
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from sidos.customers.models import Consent, ContactPoint, CustomerAlias, ImportRun, TimelineEvent
from sidos.privacy.registry import DataKind, Erasure, Holder, LegalBasis, Purpose, register


def _scrub_import_reports(erasure: Erasure) -> int:
    """Rewrite each error report without the rows that name the customer; returns the rows dropped."""
    needles = [value.lower() for value in erasure.distinctive]
    dropped = 0
    for run in ImportRun.objects.exclude(errors_path="").only("errors_path"):
        path = Path(run.errors_path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        lines = list(csv.reader(io.StringIO(text)))
        kept = [line for line in lines if not any(n in ",".join(line).lower() for n in needles)]
        if len(kept) == len(lines):
            continue
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerows(kept)
        # Written now, not on commit: the rows only describe rejected input, so a rolled-back erasure
        # losing them costs the operator a line of a report, while keeping them would keep the data.
        path.write_text(out.getvalue(), encoding="utf-8")
        dropped += len(lines) - len(kept)
    return dropped


def erase(erasure: Erasure) -> dict[str, int]:
    customer = erasure.customer
    return {
        "customer": 1,
        "contact_points": ContactPoint.objects.filter(customer=customer).count(),
        "consents": Consent.objects.filter(customer=customer).count(),
        "aliases": CustomerAlias.objects.filter(customer=customer).count(),
        "timeline_events": TimelineEvent.objects.filter(customer=customer).count(),
        "import_report_rows": _scrub_import_reports(erasure),
    }


register(
    Holder(
        app="customers",
        order=90,
        erase=erase,
        kinds=(
            DataKind(
                "customers.profile",
                _("Profile: names, address, language, birth date, stage, tags, custom attributes"),
                (Purpose.CUSTOMER_RELATIONSHIP,),
                LegalBasis.CONTRACT,
                _("while a customer; inactive customers are erased after SIDOS_RETAIN_INACTIVE_YEARS"),
                _("deleted"),
            ),
            DataKind(
                "customers.contact_points",
                _("E-mail addresses and phone numbers, current and earlier"),
                (Purpose.CUSTOMER_RELATIONSHIP, Purpose.SERVICE),
                LegalBasis.CONTRACT,
                _("as the profile"),
                _("deleted"),
            ),
            DataKind(
                "customers.consents",
                _("Consent ledger per channel and purpose"),
                (Purpose.MARKETING, Purpose.ACCOUNTABILITY),
                LegalBasis.LEGAL_OBLIGATION,
                _("as the profile"),
                _("deleted"),
            ),
            DataKind(
                "customers.timeline",
                _("Timeline of the relationship"),
                (Purpose.CUSTOMER_RELATIONSHIP,),
                LegalBasis.LEGITIMATE_INTEREST,
                _("as the profile"),
                _("deleted"),
            ),
            DataKind(
                "customers.import_reports",
                _("Rejected rows of imports"),
                (Purpose.CUSTOMER_RELATIONSHIP,),
                LegalBasis.LEGITIMATE_INTEREST,
                _("until the operator deletes the import"),
                _("the customer's rows are removed from every report"),
            ),
        ),
    )
)
