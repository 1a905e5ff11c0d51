"""Writing to the audit log. Every service calls `audit_record` inside its transaction."""

from __future__ import annotations

import functools
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import models
from django.utils import timezone

from undersigned.core.bulk import RowTemplate
from undersigned.core.models import AuditEntry


@functools.cache
def _entry() -> RowTemplate:
    return RowTemplate(
        AuditEntry,
        varying=["actor", "actor_label", "action", "object_type", "object_id", "data"],
    )


def audit_record(
    *,
    action: str,
    target: models.Model,
    actor: AbstractBaseUser | None = None,
    actor_label: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    """One entry, written by a prepared INSERT (core/bulk.py): the log takes a row for
    each vote of a named ballot, where the ORM's save cost as much as the vote."""
    if actor is not None and not actor.is_authenticated:
        actor = None
    entry = _entry().at(timezone.now())
    row = entry.row(
        actor.pk if actor is not None else None,
        actor_label or ("organizer" if actor else "system"),
        action,
        target._meta.label_lower,
        str(target.pk),
        data or {},
    )
    entry.insert([row])


def audit_history(target: models.Model):
    return AuditEntry.objects.filter(
        object_type=target._meta.label_lower, object_id=str(target.pk)
    ).select_related("actor")
