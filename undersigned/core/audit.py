"""Writing to the audit log. Every service calls `audit_record` inside its transaction."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import models

from undersigned.core.models import AuditEntry


def audit_record(
    *,
    action: str,
    target: models.Model,
    actor: AbstractBaseUser | None = None,
    actor_label: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    if actor is not None and not actor.is_authenticated:
        actor = None
    return AuditEntry.objects.create(
        actor=actor,
        actor_label=actor_label or ("organizer" if actor else "system"),
        action=action,
        object_type=target._meta.label_lower,
        object_id=str(target.pk),
        data=data or {},
    )


def audit_history(target: models.Model):
    return AuditEntry.objects.filter(
        object_type=target._meta.label_lower, object_id=str(target.pk)
    ).select_related("actor")
