"""Staff accounts and API tokens."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.utils import timezone

from sidos.accounts.models import ApiToken, Role, ScheduledRun, hash_token
from sidos.privacy import audit
from sidos.privacy.models import AuditAction


@transaction.atomic
def create_staff_user(username: str, password: str, role: str, *, email: str = "", actor=None):
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r} (one of {', '.join(Role.values)})")
    user = get_user_model().objects.create_user(
        username=username, password=password, email=email, is_staff=True
    )
    user.groups.add(Group.objects.get(name=role))
    audit.record(
        actor, AuditAction.CREATE, "user", user.pk, channel="cli", summary=f"staff user {username} ({role})"
    )
    return user


@transaction.atomic
def create_api_token(
    user, *, name: str = "", valid_days: int | None = None, actor=None
) -> tuple[ApiToken, str]:
    """Return the token row and the raw token, which is shown once and never stored."""
    raw = ApiToken.generate()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        key_hash=hash_token(raw),
        key_hint=raw[:10],
        expires_at=timezone.now() + dt.timedelta(days=valid_days) if valid_days else None,
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        "api_token",
        token.pk,
        channel="cli",
        summary=f"API token {token.key_hint}… for {user.get_username()}",
    )
    return token, raw


@transaction.atomic
def revoke_api_token(token: ApiToken, *, actor=None) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(
            actor,
            AuditAction.DELETE,
            "api_token",
            token.pk,
            channel="cli",
            summary=f"revoked API token {token.key_hint}…",
        )


def user_for_token(raw: str):
    """The active user behind a bearer token, or None. Records when the token was last used."""
    if not raw or not raw.startswith("sid_"):
        return None
    token = ApiToken.objects.active().select_related("user").filter(key_hash=hash_token(raw)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    # Only write once a minute per token: a busy integration must not turn reads into writes.
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


# Bookkeeping rows of the scheduler are kept this long, for "when did the nightly job last run?".
SCHEDULED_RUN_KEEP = dt.timedelta(days=30)


def enqueue_scheduled(job: str, task, slot: dt.datetime, *, worker: str = ""):
    """Enqueue `task` for this slot of `job` unless some worker already did; the new ScheduledRun or None.

    Row and task are written in one transaction (with the database task backend, one database): a crash
    between them leaves neither, and a second worker racing for the slot fails on the unique constraint.
    """
    try:
        with transaction.atomic():
            run = ScheduledRun.objects.create(job=job, slot=slot, worker=worker)
            result = task.enqueue()
            run.task_id = str(result.id)
            run.save(update_fields=["task_id"])
            # Pruning old slots belongs to the same transaction: done after the commit, a locked database
            # would fail the prune and report a slot that was in fact enqueued as not enqueued.
            ScheduledRun.objects.filter(job=job, slot__lt=slot - SCHEDULED_RUN_KEEP).delete()
    except IntegrityError:
        return None
    return run
