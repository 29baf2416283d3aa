"""What the privacy app holds about a customer: portal login requests and the audit log.

The audit log keeps that processing happened: when, by whom (staff account or "customer #ID
(portal)"), through which channel, which action on which kind of record and its id, and the former
customer id, because showing who processed personal data is itself a legal duty (GDPR 5(2), 30) and
an erasure must not hide earlier reads. It drops the personal values: an entry about the customer
keeps only the names of the fields in its changes, and its summary loses every identifier of the
customer; an entry about someone else that quotes this customer (a merge, a mail) loses just those
strings. This is the one place where audit rows are rewritten.
"""

import json
import re

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sidos.privacy.models import AuditEntry, PortalLinkRequest
from sidos.privacy.portal_auth import address_hash
from sidos.privacy.registry import DataKind, Erasure, Holder, LegalBasis, Purpose, register

REDACTED = "[erased]"


def _pattern(values: list[str]) -> re.Pattern | None:
    values = sorted({value for value in values if value}, key=len, reverse=True)
    if not values:
        return None
    return re.compile("|".join(re.escape(value) for value in values), re.IGNORECASE)


def _redact(value, pattern: re.Pattern):
    if isinstance(value, str):
        return pattern.sub(REDACTED, value)
    if isinstance(value, list):
        return [_redact(item, pattern) for item in value]
    if isinstance(value, dict):
        return {_redact(key, pattern): _redact(item, pattern) for key, item in value.items()}
    return value


def _scrub_audit(erasure: Erasure) -> int:
    customer_id = erasure.customer.pk
    own_pattern = _pattern(erasure.identifiers)
    others_pattern = _pattern(erasure.distinctive)
    quoting = Q(pk__in=[])
    for value in erasure.distinctive:
        # JSON is stored with non-ASCII escaped on some databases: look for both spellings.
        escaped = json.dumps(value)[1:-1]
        quoting |= Q(summary__icontains=value) | Q(changes__icontains=value) | Q(changes__icontains=escaped)
    changed = []
    for entry in AuditEntry.objects.filter(Q(customer_id=customer_id) | quoting).iterator(2000):
        if entry.customer_id == customer_id:
            summary = own_pattern.sub(REDACTED, entry.summary) if own_pattern else entry.summary
            changes = {"erased_fields": sorted(str(key) for key in entry.changes)} if entry.changes else {}
        else:
            summary = _redact(entry.summary, others_pattern)
            changes = _redact(entry.changes, others_pattern)
        if (summary, changes) != (entry.summary, entry.changes):
            entry.summary, entry.changes = summary, changes
            changed.append(entry)
    AuditEntry.objects.bulk_update(changed, ["summary", "changes"], batch_size=500)
    return len(changed)


def erase(erasure: Erasure) -> dict[str, int]:
    hashes = [address_hash(value) for value in erasure.identifiers if "@" in value]
    links, _by_model = PortalLinkRequest.objects.filter(
        Q(customer=erasure.customer) | Q(address_hash__in=hashes)
    ).delete()
    return {"portal_link_requests": links, "audit_entries_redacted": _scrub_audit(erasure)}


register(
    Holder(
        app="privacy",
        order=95,
        erase=erase,
        kinds=(
            DataKind(
                "privacy.portal_links",
                _("Portal login requests (unknown addresses only as a keyed hash)"),
                (Purpose.SECURITY,),
                LegalBasis.LEGITIMATE_INTEREST,
                _("deleted after SIDOS_RETAIN_PORTAL_LINKS_DAYS"),
                _("deleted"),
            ),
            DataKind(
                "privacy.audit",
                _("Audit log of every read and write of personal data"),
                (Purpose.ACCOUNTABILITY,),
                LegalBasis.LEGAL_OBLIGATION,
                _("kept"),
                _("kept without personal values: who, when, what kind of record, which action"),
            ),
            DataKind(
                "privacy.requests",
                _("Data-subject requests and erasure receipts (no personal values)"),
                (Purpose.ACCOUNTABILITY,),
                LegalBasis.LEGAL_OBLIGATION,
                _("kept"),
                _("kept; the link to the customer is removed"),
            ),
        ),
    )
)
