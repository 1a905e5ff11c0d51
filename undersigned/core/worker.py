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
lost). A task that raises is tried again later, with backoff (see MAX_ATTEMPTS).
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import timedelta
from traceback import format_exception
from typing import Any

from django.db import OperationalError, close_old_connections, transaction
from django.utils import timezone
from django_tasks.base import Task, TaskContext
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

logger = logging.getLogger(__name__)


def _claim(*, worker_id: str, batch: int, queue_names: list[str]) -> list[DBTaskResult]:
    """Mark up to `batch` ready tasks as this worker's. Each task's `worker_ids` lists every
    worker that took it, so its length counts the attempts."""
    with exclusive_transaction():
        ready = DBTaskResult.objects.ready().filter(queue_name__in=queue_names)
        tasks = list(ready.select_for_update(skip_locked=True)[:batch])
        now = timezone.now()
        first = [task.pk for task in tasks if not task.worker_ids]
        DBTaskResult.objects.filter(pk__in=first).update(
            status=TaskResultStatus.RUNNING, started_at=now, worker_ids=[worker_id]
        )
        for task in tasks:
            if task.worker_ids:  # a retry, or requeued after a crash: rare, one by one
                task.worker_ids = [*task.worker_ids, worker_id]
                DBTaskResult.objects.filter(pk=task.pk).update(
                    status=TaskResultStatus.RUNNING, started_at=now, worker_ids=task.worker_ids
                )
            else:
                task.worker_ids = [worker_id]
    return tasks


# A failed task is tried again after 1, 2, 4, 8 and 16 minutes (a mail server that is down
# for half an hour loses no mail), then recorded as failed.
MAX_ATTEMPTS = 6
RETRY_BASE = timedelta(minutes=1)


def _failed(task_result: DBTaskResult, exc: Exception) -> None:
    attempts = len(task_result.worker_ids)
    if attempts >= MAX_ATTEMPTS:
        logger.error("task %s failed for good after %d attempts: %r", task_result.pk, attempts, exc)
        task_result.set_failed(exc)
        return
    delay = RETRY_BASE * 2 ** (attempts - 1)
    logger.warning(
        "task %s failed (attempt %d), retry in %s: %r", task_result.pk, attempts, delay, exc
    )
    DBTaskResult.objects.filter(pk=task_result.pk).update(
        status=TaskResultStatus.READY,
        run_after=timezone.now() + delay,
        exception_class_path=f"{type(exc).__module__}.{type(exc).__qualname__}",
        traceback="".join(format_exception(exc)),
    )


# A task's module path -> a function that runs many of its calls at once.
BatchRunner = Callable[[list[tuple]], Sequence[Any]]
_batch_runners: dict[str, BatchRunner] = {}


def runs_in_batches(task: Task) -> Callable[[BatchRunner], BatchRunner]:
    """Register the decorated function to run the claimed calls of `task` together.

    It gets the positional arguments of each call, in order, and returns one outcome per
    call: the task's return value, or the exception that call raised (that call alone is
    retried later). An exception it raises itself fails the whole group. This lets a
    task share its work across a batch (one query, one mail connection) where running
    it call by call would repeat it. The task itself stays an ordinary task, for other
    workers and backends."""

    def register(function: BatchRunner) -> BatchRunner:
        _batch_runners[task.module_path] = function
        return function

    return register


def _run(task_result: DBTaskResult) -> Any:
    task = task_result.task
    result = task_result.task_result
    if task.takes_context:
        return task.call(TaskContext(task_result=result), *result.args, **result.kwargs)
    return task.call(*result.args, **result.kwargs)


def _outcomes(group: list[DBTaskResult]) -> list[Any]:
    """Run a group of claimed tasks of one task path: together where the task has a batch
    runner and its calls have no keyword arguments, else one by one."""
    try:
        task = group[0].task  # imports the task's module, which registers its runner
    except Exception as exc:  # a task that cannot be loaded fails, as it did run by run
        return [exc] * len(group)
    runner = _batch_runners.get(task.module_path)
    calls = [task_result.task_result for task_result in group]
    if runner is None or task.takes_context or any(call.kwargs for call in calls):
        outcomes = []
        for task_result in group:
            try:
                outcomes.append(_run(task_result))
            except Exception as exc:
                outcomes.append(exc)
        return outcomes
    try:
        outcomes = list(runner([tuple(call.args) for call in calls]))
    except Exception as exc:
        return [exc] * len(group)
    if len(outcomes) != len(group):
        error = RuntimeError(f"{task.module_path}: {len(outcomes)} outcomes for {len(group)}")
        return [error] * len(group)
    return outcomes


def run_batch(*, worker_id: str, batch: int = 200, queue_names: list[str] | None = None) -> int:
    """Claim, run and record up to `batch` ready tasks. Returns how many ran."""
    tasks = _claim(worker_id=worker_id, batch=batch, queue_names=queue_names or ["default"])
    groups: dict[str, list[DBTaskResult]] = defaultdict(list)
    for task_result in tasks:
        groups[task_result.task_path].append(task_result)
    succeeded: dict[Any, list] = defaultdict(list)  # return value -> task ids
    for group in groups.values():
        for task_result, outcome in zip(group, _outcomes(group), strict=True):
            if isinstance(outcome, Exception):
                _failed(task_result, outcome)
            else:
                succeeded[outcome].append(task_result.pk)
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
