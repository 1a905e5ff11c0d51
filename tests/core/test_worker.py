"""The batch worker that sends queued mail."""

import os
import subprocess
import sys
import time
from email import message_from_bytes

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


def _outbox_recipients(directory) -> list[str]:
    return sorted(message_from_bytes(path.read_bytes())["To"] for path in directory.glob("*.eml"))


def _runner_that_records_its_process(monkeypatch, record, *, die_once=None):
    """Wrap the signature-mail runner so that it writes down which process ran it and at
    what scheduling policy; with `die_once` (a file), its first run kills that process."""
    path = tasks.send_signature_mail.module_path
    runner = worker._batch_runners[path]

    def recording(calls):
        if die_once is not None and not die_once.exists():
            die_once.touch()
            os._exit(1)
        policy = os.sched_getscheduler(0) if hasattr(os, "sched_getscheduler") else -1
        record.write_text(f"{os.getpid()} {policy}")
        return runner(calls)

    monkeypatch.setitem(worker._batch_runners, path, recording)


@pytest.mark.django_db(transaction=True)
def test_mail_is_sent_by_a_child_process_that_gives_way_to_every_other(
    client, statement, settings, tmp_path, monkeypatch
):
    settings.EMAIL_BACKEND = "undersigned.core.mail.OutboxBackend"
    settings.OUTBOX_DIR = tmp_path / "outbox"
    for n in range(3):
        sign(client, statement, email=f"p{n}@example.org")
    record = tmp_path / "sender"
    _runner_that_records_its_process(monkeypatch, record)
    sender = worker.IdleSender()
    try:
        assert run_batch(worker_id="w1", batch=50, sender=sender) == 3
    finally:
        sender.close()
    assert _outbox_recipients(tmp_path / "outbox") == [f"p{n}@example.org" for n in range(3)]
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    pid, policy = record.read_text().split()
    assert int(pid) != os.getpid()
    if hasattr(os, "SCHED_IDLE"):
        assert int(policy) == os.SCHED_IDLE


@pytest.mark.django_db(transaction=True)
def test_a_sender_that_dies_fails_its_batch_for_a_retry_and_a_new_one_sends_the_next(
    client, statement, settings, tmp_path, monkeypatch
):
    settings.EMAIL_BACKEND = "undersigned.core.mail.OutboxBackend"
    settings.OUTBOX_DIR = tmp_path / "outbox"
    sign(client, statement, email="first@example.org")
    _runner_that_records_its_process(monkeypatch, tmp_path / "sender", die_once=tmp_path / "died")
    sender = worker.IdleSender()
    try:
        assert run_batch(worker_id="w1", batch=50, sender=sender) == 1
        waiting = DBTaskResult.objects.get()
        assert (waiting.status, len(waiting.worker_ids)) == (TaskResultStatus.READY, 1)
        assert waiting.run_after > timezone.now()
        sign(client, statement, email="second@example.org")
        assert run_batch(worker_id="w1", batch=50, sender=sender) == 1
    finally:
        sender.close()
    assert _outbox_recipients(tmp_path / "outbox") == ["second@example.org"]


def _ended(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as status:
            return any(line.startswith("State:\tZ") for line in status)
    except FileNotFoundError:
        return True


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc")
def test_a_sender_ends_when_its_worker_is_killed(tmp_path):
    # A forked child watching its parent, as the sender does; the parent then dies at once.
    script = (
        "import os, django\n"
        "django.setup()\n"
        "from undersigned.core.worker import _outlive_no_parent\n"
        "parent = os.getpid()\n"
        "child = os.fork()\n"
        "if child == 0:\n"
        "    _outlive_no_parent(parent, every=0.05)\n"
        "print(child, flush=True)\n"
        "os._exit(0)\n"
    )
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "undersigned.settings",
        "UNDERSIGNED_DATA_DIR": str(tmp_path),
    }
    # Output to a file: a pipe would stay open as long as the child lives.
    output = tmp_path / "child"
    with open(output, "w") as handle:
        subprocess.run([sys.executable, "-c", script], env=environment, stdout=handle, check=True)
    child = int(output.read_text().split()[0])
    deadline = time.monotonic() + 10
    while not _ended(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _ended(child)
