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

Under `undersigned worker` the mail itself is built and sent by a child process at the
lowest scheduling priority there is (see `IdleSender`): when signatures flood in, mail
waits for the CPU they leave, and goes out as soon as they leave some.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import timedelta
from traceback import format_exception
from typing import Any

from django.db import OperationalError, close_old_connections, connections, transaction
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
    workers and backends.

    A batch runner may only read the database: `IdleSender` runs it at idle priority,
    where a write could hold the database's write lock while the CPU is busy elsewhere,
    and make every signature wait for it."""

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


def _portable(outcome: Any) -> Any:
    """An outcome that crosses back from the sender process: an exception that cannot be
    pickled is replaced by one that says what it was."""
    if isinstance(outcome, Exception):
        try:
            pickle.dumps(outcome)
        except Exception:
            return RuntimeError(repr(outcome))
    return outcome


def _run_in_sender(group: list[DBTaskResult]) -> list[Any]:
    return [_portable(outcome) for outcome in _outcomes(group)]


def _outlive_no_parent(parent: int, every: float = 1.0) -> None:
    """End this process once its parent is gone: a worker killed outright closes no pipe
    that the sender could notice (a forked child holds both ends), and the sender would
    stay behind, idle, for good."""
    while os.getppid() == parent:
        time.sleep(every)
    os._exit(0)


def _sender_start(parent: int) -> None:
    """The first thing the sender process does: give way to every other process, and
    watch for its parent's end."""
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):  # not Linux
        os.nice(19)
    threading.Thread(target=_outlive_no_parent, args=(parent,), daemon=True).start()


class IdleSender:
    """Runs batch runners (the signature mails) in a child process at idle priority
    (SCHED_IDLE on Linux): it gets the CPU only when no other process wants it.

    Under a signing flood the worker's mail building took about a sixth of the machine's
    CPU at nice 10: 0.3 ms of each signature's 1.8. With the sender, 911 signatures a
    second against 861 (three 15-s runs each, alternated; `python -m bench sign`'s load,
    2026-12-01): the CPU a signing flood leaves idle is still used for mail.
    Only the child gives way: this process claims tasks and records their results, each a
    short write, at its own priority, so the database's write lock is never held by a
    process that may wait for the CPU behind a crowd of readers. A batch runner only
    reads the database (see `runs_in_batches`), and readers never block the writer.

    A sender that dies (killed, out of memory) fails its group, which is retried later
    like any failed task; the next group starts a new sender."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    def outcomes(self, group: list[DBTaskResult]) -> list[Any]:
        if self._pool is None:
            # The child must open connections of its own, not share this process's.
            connections.close_all()
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("fork"),
                initializer=_sender_start,
                initargs=(os.getpid(),),
            )
        try:
            return self._pool.submit(_run_in_sender, group).result()
        except BrokenProcessPool as exc:
            logger.warning("the mail sender process died: %r", exc)
            self.close()
            return [exc] * len(group)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _group_outcomes(group: list[DBTaskResult], sender: IdleSender | None) -> list[Any]:
    if sender is not None:
        try:
            path = group[0].task.module_path
        except Exception:  # cannot be loaded: _outcomes fails it
            path = ""
        if path in _batch_runners:
            return sender.outcomes(group)
    return _outcomes(group)


def run_batch(
    *,
    worker_id: str,
    batch: int = 200,
    queue_names: list[str] | None = None,
    sender: IdleSender | None = None,
) -> int:
    """Claim, run and record up to `batch` ready tasks; those with a batch runner in
    `sender`'s process when one is given. Returns how many ran."""
    tasks = _claim(worker_id=worker_id, batch=batch, queue_names=queue_names or ["default"])
    groups: dict[str, list[DBTaskResult]] = defaultdict(list)
    for task_result in tasks:
        groups[task_result.task_path].append(task_result)
    succeeded: dict[Any, list] = defaultdict(list)  # return value -> task ids
    for group in groups.values():
        for task_result, outcome in zip(group, _group_outcomes(group, sender), strict=True):
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
    *,
    worker_id: str,
    stop: threading.Event,
    batch: int = 200,
    interval: float = 0.5,
    sender: IdleSender | None = None,
) -> None:
    """Run batches until `stop` is set; sleep `interval` seconds whenever the queue is
    empty or the database is busy."""
    logger.info("worker %s started", worker_id)
    try:
        while not stop.is_set():
            close_old_connections()
            try:
                ran = run_batch(worker_id=worker_id, batch=batch, sender=sender)
            except OperationalError as exc:
                if not is_locked_database_exception(exc):
                    raise
                ran = 0
            if not ran:
                stop.wait(interval)
    finally:
        if sender is not None:
            sender.close()
    logger.info("worker %s stopped", worker_id)
