"""The batch worker that sends queued mail."""

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tests.conftest import sign
from undersigned.core import worker
from undersigned.core.queue import requeue_abandoned
from undersigned.core.worker import run_batch
from undersigned.signatures import tasks


def test_a_batch_sends_every_queued_mail_and_records_each_result(client, statement):
    for n in range(5):
        sign(client, statement, email=f"p{n}@example.org")
    assert run_batch(worker_id="w1", batch=50) == 5
    assert sorted(message.to[0] for message in mail.outbox) == [
        f"p{n}@example.org" for n in range(5)
    ]
    results = DBTaskResult.objects.values_list("status", "return_value", "finished_at")
    assert {(status, value) for status, value, _ in results} == {("SUCCESSFUL", "sent")}
    assert all(finished for _, _, finished in results)
    assert run_batch(worker_id="w1", batch=50) == 0


def _mail_server_down_for(monkeypatch, address: str) -> None:
    build = tasks.build_signature_mail

    def build_or_fail(*, signature, mail, token, **kwargs):
        if signature.email == address:
            raise ConnectionError("mail server gone")
        return build(signature=signature, mail=mail, token=token, **kwargs)

    monkeypatch.setattr(tasks, "build_signature_mail", build_or_fail)


def test_a_failing_task_waits_for_a_retry_and_the_rest_of_the_batch_is_sent(
    client, statement, monkeypatch
):
    for n in range(3):
        sign(client, statement, email=f"p{n}@example.org")
    _mail_server_down_for(monkeypatch, "p1@example.org")
    run_batch(worker_id="w1", batch=50)
    assert sorted(message.to[0] for message in mail.outbox) == ["p0@example.org", "p2@example.org"]
    waiting = DBTaskResult.objects.get(exception_class_path="builtins.ConnectionError")
    assert waiting.status == TaskResultStatus.READY
    assert waiting.run_after > timezone.now()
    assert "mail server gone" in waiting.traceback
    assert run_batch(worker_id="w1", batch=50) == 0  # not before its time


def test_a_retried_task_is_sent_once_the_mail_server_is_back(client, statement, monkeypatch):
    sign(client, statement, email="a@example.org")
    _mail_server_down_for(monkeypatch, "a@example.org")
    run_batch(worker_id="w1", batch=50)
    monkeypatch.undo()
    DBTaskResult.objects.update(run_after=timezone.now())
    assert run_batch(worker_id="w2", batch=50) == 1
    assert [message.to[0] for message in mail.outbox] == ["a@example.org"]
    task = DBTaskResult.objects.get()
    assert (task.status, task.worker_ids) == (TaskResultStatus.SUCCESSFUL, ["w1", "w2"])


def test_a_task_that_keeps_failing_is_recorded_as_failed(client, statement, monkeypatch):
    sign(client, statement, email="a@example.org")
    _mail_server_down_for(monkeypatch, "a@example.org")
    for _attempt in range(worker.MAX_ATTEMPTS):
        DBTaskResult.objects.update(run_after=timezone.now())
        assert run_batch(worker_id="w1", batch=50) == 1
    task = DBTaskResult.objects.get()
    assert task.status == TaskResultStatus.FAILED
    assert len(task.worker_ids) == worker.MAX_ATTEMPTS
    assert mail.outbox == []


def test_a_batch_claimed_by_a_killed_worker_is_queued_again(client, statement, monkeypatch):
    sign(client, statement, email="a@example.org")

    def killed(group):
        raise SystemExit("killed mid-batch")

    monkeypatch.setattr("undersigned.core.worker._outcomes", killed)
    with pytest.raises(SystemExit):
        run_batch(worker_id="host:8000", batch=50)
    assert DBTaskResult.objects.get().status == TaskResultStatus.RUNNING

    assert requeue_abandoned(worker_id="host:8000") == 1
    monkeypatch.undo()
    assert run_batch(worker_id="host:8000", batch=50) == 1
    assert [message.to[0] for message in mail.outbox] == ["a@example.org"]


def test_a_batch_reads_the_statement_title_once_per_language(
    client, statement, django_assert_max_num_queries
):
    for n in range(6):
        sign(client, statement, email=f"p{n}@example.org")
    DBTaskResult.objects.update(status=TaskResultStatus.READY)
    # Claim (2 queries) + signatures (1) + the title's version and titles (2) + results (1),
    # whatever the number of mails; one by one it was three queries a mail.
    with django_assert_max_num_queries(10):
        assert run_batch(worker_id="w1", batch=50) == 6
    assert len(mail.outbox) == 6


def test_a_task_without_a_batch_runner_still_runs_one_by_one(client, statement, monkeypatch):
    sign(client, statement, email="a@example.org")
    monkeypatch.setattr(worker, "_batch_runners", {})
    assert run_batch(worker_id="w1", batch=50) == 1
    assert [message.to[0] for message in mail.outbox] == ["a@example.org"]


def test_a_task_that_cannot_be_loaded_fails_alone_and_the_rest_is_sent(client, statement):
    sign(client, statement, email="a@example.org")
    missing = DBTaskResult.objects.get()
    missing.pk = None
    missing.task_path = "undersigned.nowhere.gone"
    missing.save()
    assert run_batch(worker_id="w1", batch=50) == 2
    assert [message.to[0] for message in mail.outbox] == ["a@example.org"]
    missing.refresh_from_db()
    assert missing.status == TaskResultStatus.READY
    assert missing.exception_class_path
