"""Enqueue many task calls with one INSERT, inside the caller's transaction."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.utils import timezone
from django_tasks.base import Task
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.compat import TaskResultStatus, normalize_json
from django_tasks_db.models import DBTaskResult, get_date_max

from undersigned.core.bulk import RowTemplate


@functools.cache
def _template(task: Task) -> RowTemplate:
    backend = task.get_backend()
    return RowTemplate(
        DBTaskResult,
        varying=["id", "args_kwargs"],
        args_kwargs={},
        priority=task.priority,
        task_path=task.module_path,
        queue_name=task.queue_name,
        run_after=task.run_after or get_date_max(),
        backend_name=backend.alias,
    )


def enqueue_many(
    task: Task, calls: Sequence[Sequence[Any]], *, now: datetime | None = None
) -> None:
    """Queue `task(*args)` for each args in `calls`, in the current transaction, as
    enqueued at `now` (by default, now).

    With the database backend the rows are written by one multi-row INSERT, with the
    values `task.enqueue` would write one by one (the backend's pre_save handler only
    fills `run_after`, set here). Any other backend gets ordinary enqueue calls."""
    backend = task.get_backend()
    if not isinstance(backend, DatabaseBackend):
        for args in calls:
            task.enqueue(*args)
        return
    if not calls:
        return
    template = _template(task).at(now or timezone.now())
    template.insert(
        [
            template.row(backend._get_id(), normalize_json({"args": list(args), "kwargs": {}}))
            for args in calls
        ]
    )


def requeue_abandoned(*, worker_id: str) -> int:
    """Put back tasks that a killed worker had claimed but not finished.

    `undersigned serve` gives its worker a stable id (host and port) and calls this before
    starting it, when no process of that id can still be running: a mail that was being
    sent when the server died is sent again (at least once, never lost)."""
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
    stale = [task.pk for task in running.only("pk", "worker_ids") if worker_id in task.worker_ids]
    if not stale:
        return 0
    return DBTaskResult.objects.filter(pk__in=stale, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.READY, started_at=None
    )
