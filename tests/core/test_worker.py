"""The batch worker that sends queued mail."""

import pytest
from django.core import mail
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tests.conftest import sign
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


def test_a_failing_task_is_recorded_and_the_rest_of_the_batch_is_sent(
    client, statement, monkeypatch
):
    for n in range(3):
        sign(client, statement, email=f"p{n}@example.org")
    build = tasks.build_signature_mail

    def build_or_fail(*, signature, mail, token):
        if signature.email == "p1@example.org":
            raise ConnectionError("mail server gone")
        return build(signature=signature, mail=mail, token=token)

    monkeypatch.setattr(tasks, "build_signature_mail", build_or_fail)
    run_batch(worker_id="w1", batch=50)
    assert sorted(message.to[0] for message in mail.outbox) == ["p0@example.org", "p2@example.org"]
    failed = DBTaskResult.objects.get(status=TaskResultStatus.FAILED)
    assert failed.exception_class_path == "builtins.ConnectionError"
    assert "mail server gone" in failed.traceback


def test_a_batch_claimed_by_a_killed_worker_is_queued_again(client, statement, monkeypatch):
    sign(client, statement, email="a@example.org")

    def killed(task_result):
        raise SystemExit("killed mid-batch")

    monkeypatch.setattr("undersigned.core.worker._run", killed)
    with pytest.raises(SystemExit):
        run_batch(worker_id="host:8000", batch=50)
    assert DBTaskResult.objects.get().status == TaskResultStatus.RUNNING

    assert requeue_abandoned(worker_id="host:8000") == 1
    monkeypatch.undo()
    assert run_batch(worker_id="host:8000", batch=50) == 1
    assert [message.to[0] for message in mail.outbox] == ["a@example.org"]
