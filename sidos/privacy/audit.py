"""Writing the audit log. Every staff read of a customer's details and every write goes here."""

from sidos.privacy.models import AuditAction, AuditEntry


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
    return AuditEntry.objects.create(
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
