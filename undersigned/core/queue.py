"""Enqueue many task calls with one INSERT, inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django_tasks.base import Task
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.compat import TaskResultStatus, normalize_json
from django_tasks_db.models import DBTaskResult, get_date_max


def enqueue_many(task: Task, calls: Sequence[Sequence[Any]]) -> None:
    """Queue `task(*args)` for each args in `calls`.

    With the database backend the rows are written by one bulk INSERT in the current
    transaction, exactly as `task.enqueue` would write them one by one (the backend's
    pre_save handler, which bulk_create does not run, only fills `run_after`). Any other
    backend gets ordinary enqueue calls."""
    backend = task.get_backend()
    if not isinstance(backend, DatabaseBackend):
        for args in calls:
            task.enqueue(*args)
        return
    run_after = task.run_after or get_date_max()
    DBTaskResult.objects.bulk_create(
        [
            DBTaskResult(
                id=backend._get_id(),
                args_kwargs=normalize_json({"args": list(args), "kwargs": {}}),
                priority=task.priority,
                task_path=task.module_path,
                queue_name=task.queue_name,
                run_after=run_after,
                backend_name=backend.alias,
            )
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
