"""What each app holds about a customer, why, and how it is erased: one declared registry.

Every app with personal data has an `erasure.py` that calls register() with a Holder (found by
autodiscovery when the privacy app starts, as Django's admin finds admin.py). A Holder names:

- its data kinds (DataKind): what is held, for which purpose, on which legal basis and how long it
  is kept. The record-of-processing page and export list them;
- erase(erasure): anonymise or delete what the app holds about erasure.customer, inside the one
  transaction of privacy.actions.erase_customer, returning row counts for the erasure receipt
  (never personal values). Records the law requires to be kept are re-pointed at erasure.stub;
- identifiers(customer), optionally: extra strings that identify the customer (a social handle), so
  the audit log is cleaned of them too.

Holders run by `order`, lowest first; the customer row itself is deleted after every holder ran, so
a row an app forgot to register either cascades away or, with on_delete=PROTECT, makes the erasure
fail and roll back rather than leave personal data behind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models, transaction
from django.utils.translation import gettext_lazy as _


class Purpose(models.TextChoices):
    CUSTOMER_RELATIONSHIP = "relationship", _("Managing the customer relationship")
    ORDERS = "orders", _("Selling and delivering orders")
    BOOKKEEPING = "bookkeeping", _("Bookkeeping required by law")
    SERVICE = "service", _("Answering the customer's inquiries")
    MARKETING = "marketing", _("Marketing with consent")
    ANALYTICS = "analytics", _("Customer analytics")
    ACCOUNTABILITY = "accountability", _("Showing who processed personal data")
    SECURITY = "security", _("Security and abuse prevention")


class LegalBasis(models.TextChoices):
    CONTRACT = "contract", _("Contract (GDPR 6(1)(b))")
    LEGAL_OBLIGATION = "legal_obligation", _("Legal obligation (GDPR 6(1)(c))")
    CONSENT = "consent", _("Consent (GDPR 6(1)(a))")
    LEGITIMATE_INTEREST = "legitimate_interest", _("Legitimate interest (GDPR 6(1)(f))")


@dataclass(frozen=True)
class DataKind:
    key: str  # "app.kind", e.g. "servicedesk.tickets"
    label: str
    purposes: tuple[str, ...]
    legal_basis: str
    retention: str  # in words; the rule that applies it is in privacy/retention.py where there is one
    on_erasure: str  # what erase_customer does with it, in words


@dataclass
class Erasure:
    """What one erasure hands to every holder."""

    customer: object  # sidos.customers.models.Customer
    stub: object  # the anonymous customer that kept records are re-pointed at
    identifiers: list[str]  # every string that identifies the customer (names, addresses, numbers)
    distinctive: list[str]  # the subset safe to search for in other customers' data (no bare first names)
    now: dt.datetime
    _files: list[tuple[object, str]] = field(default_factory=list)

    def delete_file(self, storage, name: str) -> None:
        """Delete a stored file once the erasure has committed (a rollback must keep the file)."""
        if name:
            self._files.append((storage, name))

    def schedule_file_deletions(self) -> None:
        files = list(self._files)

        def delete() -> None:
            for storage, name in files:
                storage.delete(name)

        transaction.on_commit(delete)


@dataclass(frozen=True)
class Holder:
    app: str
    kinds: tuple[DataKind, ...]
    erase: Callable[[Erasure], dict[str, int]] | None = None
    identifiers: Callable[[object], list[str]] | None = None
    order: int = 50


_holders: dict[str, Holder] = {}


def register(holder: Holder) -> Holder:
    _holders[holder.app] = holder
    return holder


def holders() -> list[Holder]:
    return sorted(_holders.values(), key=lambda holder: (holder.order, holder.app))


def data_kinds() -> list[DataKind]:
    return [kind for holder in holders() for kind in holder.kinds]
