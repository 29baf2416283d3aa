"""Writing the audit log. Every staff read of a customer's details and every write goes here."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sidos.privacy.models import AuditAction, AuditEntry

# Inside deferred(): the entries recorded so far, written in one INSERT when the block ends.
_pending: ContextVar[list[AuditEntry] | None] = ContextVar("audit_pending", default=None)


@contextmanager
def deferred() -> Iterator[None]:
    """Collect the entries recorded inside and write them in one statement at the end.

    For bulk work (mail ingest writes three to five entries per message). Use it inside the
    transaction the entries belong to, so they commit or roll back with it: on an exception the
    block's entries are dropped, and a nested block hands its entries to the outer one, so entries
    of a savepoint that rolled back never reach the log. Entries inside have no pk until written.
    """
    outer = _pending.get()
    entries: list[AuditEntry] = []
    token = _pending.set(entries)
    try:
        yield
    finally:
        _pending.reset(token)
    # Reached only without an exception: a failed block's entries are dropped with its data.
    if outer is not None:
        outer.extend(entries)
    elif entries:
        AuditEntry.objects.bulk_create(entries)


def record(
    actor,
    action: AuditAction,
    target_type: str,
    target_id="",
    *,
    customer_id: int | None = None,
    summary: str = "",
    changes: dict | None = None,
    channel: str = "web",
) -> AuditEntry:
    user = actor if getattr(actor, "is_authenticated", False) else None
    entry = AuditEntry(
        actor=user,
        actor_label=user.get_username() if user else (str(actor) if actor else "system"),
        channel=channel,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        customer_id=customer_id,
        summary=summary[:300],
        changes=changes or {},
    )
    pending = _pending.get()
    if pending is None:
        entry.save()
    else:
        pending.append(entry)
    return entry
