"""The task worker that `undersigned serve` runs: queued mail, sent in batches.

django-tasks' database backend keeps the queue (`DBTaskResult` rows), and `enqueue`, the
admin and `requeue_abandoned` use it as it is. Its own worker, though, claims one task
per transaction and records each result in another: two durable commits a mail, about 60
mails a second on two busy cores, so a statement taking 1,000 signatures a second would
leave its signers waiting hours for their confirmation mail. This worker claims up to
`batch` tasks in one transaction, runs them, and records the results of the batch in
one more.

A worker killed mid-batch leaves its tasks RUNNING under its id; `serve` gives each
worker a stable id and requeues what its predecessor had claimed (at least once, never
lost).
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from typing import Any

from django.db import OperationalError, close_old_connections, transaction
from django.utils import timezone
from django_tasks.base import TaskContext
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

logger = logging.getLogger(__name__)


def _claim(*, worker_id: str, batch: int, queue_names: list[str]) -> list[DBTaskResult]:
    with exclusive_transaction():
        ready = DBTaskResult.objects.ready().filter(queue_name__in=queue_names)
        tasks = list(ready.select_for_update(skip_locked=True)[:batch])
        if tasks:
            DBTaskResult.objects.filter(pk__in=[task.pk for task in tasks]).update(
                status=TaskResultStatus.RUNNING, started_at=timezone.now(), worker_ids=[worker_id]
            )
    return tasks


def _run(task_result: DBTaskResult) -> Any:
    task = task_result.task
    result = task_result.task_result
    if task.takes_context:
        return task.call(TaskContext(task_result=result), *result.args, **result.kwargs)
    return task.call(*result.args, **result.kwargs)


def run_batch(*, worker_id: str, batch: int = 200, queue_names: list[str] | None = None) -> int:
    """Claim, run and record up to `batch` ready tasks. Returns how many ran."""
    tasks = _claim(worker_id=worker_id, batch=batch, queue_names=queue_names or ["default"])
    succeeded: dict[Any, list] = defaultdict(list)  # return value -> task ids
    for task_result in tasks:
        try:
            succeeded[_run(task_result)].append(task_result.pk)
        except Exception as exc:  # recorded on the task, as django-tasks does
            logger.warning("task %s failed: %r", task_result.pk, exc)
            task_result.set_failed(exc)
    if succeeded:
        now = timezone.now()
        with transaction.atomic():
            for value, ids in succeeded.items():
                DBTaskResult.objects.filter(pk__in=ids).update(
                    status=TaskResultStatus.SUCCESSFUL,
                    finished_at=now,
                    return_value=value,
                    exception_class_path="",
                    traceback="",
                )
    return len(tasks)


def run_forever(
    *, worker_id: str, stop: threading.Event, batch: int = 200, interval: float = 0.5
) -> None:
    """Run batches until `stop` is set; sleep `interval` seconds whenever the queue is
    empty or the database is busy."""
    logger.info("worker %s started", worker_id)
    while not stop.is_set():
        close_old_connections()
        try:
            ran = run_batch(worker_id=worker_id, batch=batch)
        except OperationalError as exc:
            if not is_locked_database_exception(exc):
                raise
            ran = 0
        if not ran:
            stop.wait(interval)
    logger.info("worker %s stopped", worker_id)
