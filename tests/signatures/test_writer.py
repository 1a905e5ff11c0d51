"""Group commit: many submissions, one transaction, nobody acknowledged before the commit."""

import threading

import pytest
from django.db import OperationalError, transaction
from django_tasks_db.models import DBTaskResult

from undersigned.core.models import AuditEntry
from undersigned.signatures import writer
from undersigned.signatures.models import Signature


def _request(statement, email: str, ip: str = "h1", **overrides) -> writer.SignRequest:
    values = {
        "statement_id": statement.pk,
        "kind": "person",
        "name": email.split("@")[0],
        "email": email,
        "email_normalized": email.casefold(),
        "country": "FR",
        "affiliation": "",
        "city": "",
        "show_name": True,
        "language": "en",
        "ip_hash": ip,
        **overrides,
    }
    return writer.SignRequest(**values)


def test_a_batch_writes_signatures_mails_and_audit_entries_together(statement):
    with transaction.atomic():
        outcomes = writer.write_batch([_request(statement, f"p{i}@example.org") for i in range(5)])
    assert [outcome.created for outcome in outcomes] == [True] * 5
    assert Signature.objects.count() == 5
    assert DBTaskResult.objects.count() == 5
    assert AuditEntry.objects.filter(action="signature.submit").count() == 5


def test_the_same_email_twice_in_one_batch_makes_one_signature(statement):
    with transaction.atomic():
        first, second = writer.write_batch(
            [_request(statement, "a@example.org"), _request(statement, "a@example.org")]
        )
    assert (first.created, second.created) == (True, False)
    assert first.signature.pk == second.signature.pk
    assert Signature.objects.count() == 1


def test_rate_limit_counts_submissions_within_the_batch(statement, settings):
    settings.RATE_LIMIT_SIGNS = 2
    with transaction.atomic():
        outcomes = writer.write_batch(
            [_request(statement, f"p{i}@example.org", ip="same") for i in range(3)]
        )
    assert isinstance(outcomes[2], writer.Refused)
    assert outcomes[2].code == "rate_limited"
    assert Signature.objects.count() == 2


def test_a_closed_statement_is_refused_inside_the_batch(statement):
    from undersigned.statements.services import statement_close

    statement_close(statement=statement)
    with transaction.atomic():
        (outcome,) = writer.write_batch([_request(statement, "a@example.org")])
    assert isinstance(outcome, writer.Refused) and outcome.code == "closed"


def submit_at_once(submit, statement, count: int) -> list:
    """`count` submissions of different signers, each from a thread of its own; returns
    what each was answered (a thread is answered once its batch has committed)."""
    outcomes, lock = [], threading.Lock()

    def one(index: int) -> None:
        outcome = submit(_request(statement, f"p{index}@example.org", ip=f"h{index}"))
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_writer_thread_acknowledges_each_submission_after_commit(statement):
    group = writer.GroupCommitWriter(max_batch=64, wait_seconds=30)
    outcomes = submit_at_once(group.submit, statement, 30)
    group.stop()
    assert len(outcomes) == 30
    assert Signature.objects.filter(pk__in=[o.signature.pk for o in outcomes]).count() == 30
    assert DBTaskResult.objects.count() == 30


@pytest.mark.django_db(transaction=True)
def test_a_failed_commit_acknowledges_nobody(statement, monkeypatch):
    def broken(requests):
        raise OperationalError("disk I/O error")

    monkeypatch.setattr(writer, "write_batch", broken)
    group = writer.GroupCommitWriter(max_batch=64, wait_seconds=30)
    with pytest.raises(OperationalError):
        group.submit(_request(statement, "a@example.org"))
    group.stop()
    assert Signature.objects.count() == 0


def test_each_batch_records_its_own_time_in_every_row(statement, monkeypatch):
    from datetime import UTC, datetime

    from undersigned.core.models import AuditEntry

    times = [datetime(2026, 3, 1, 12, 0, tzinfo=UTC), datetime(2026, 3, 2, 8, 30, tzinfo=UTC)]
    for number, moment in enumerate(times):
        monkeypatch.setattr(writer.timezone, "now", lambda moment=moment: moment)
        with transaction.atomic():
            (outcome,) = writer.write_batch([_request(statement, f"p{number}@example.org")])
        signature = Signature.objects.get(pk=outcome.signature_id)
        assert signature.created == moment and signature.last_mail_at == moment
        assert DBTaskResult.objects.order_by("-enqueued_at").first().enqueued_at == moment
        audit = AuditEntry.objects.get(action="signature.submit", object_id=str(signature.pk))
        assert audit.created == moment
