"""Votes through the machine's writer process, as under `undersigned serve`: the votes that
arrive together share one commit, and each is answered only after it."""

from __future__ import annotations

import threading

import pytest
from django.db import OperationalError

from tests.signatures.test_writer_process import writer_socket  # noqa: F401 - a fixture
from undersigned.assembly import services
from undersigned.assembly.models import Ballot, Vote
from undersigned.core.models import AuditEntry
from undersigned.signatures import writer_process
from undersigned.signatures.writer import WriterUnavailable

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def through_writer(settings, writer_socket):  # noqa: F811 - the fixture imported above
    settings.SIGNATURE_WRITER_SOCKET = str(writer_socket)
    settings.SIGNATURE_GROUP_COMMIT = True
    return writer_socket


def _open_ballot(conference, chair, **options) -> Ballot:
    ballot = services.ballot_create(conference=conference, by=chair, title="Motion", **options)
    return services.ballot_open(ballot=ballot, by=chair)


def _delegates(conference, count: int) -> list:
    union = services.participant_add(conference=conference, name="Union", country="AM")
    return [
        services.delegate_add(
            conference=conference, email=f"d{n}@example.org", name=f"D{n}", participant=union
        )
        for n in range(count)
    ]


def test_votes_cast_at_once_through_the_writer_are_each_counted_once(
    conference, people, through_writer
):
    ballot = _open_ballot(conference, people["chair"])
    delegates = _delegates(conference, 24)
    errors = []

    def vote(delegate, choice: str) -> None:
        try:
            services.vote_cast(
                ballot=ballot,
                delegate=delegate,
                **{option: int(option == choice) for option in ("yes", "no", "abstain")},
            )
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [
        threading.Thread(target=vote, args=(delegate, "yes" if n % 3 else "no"))
        for n, delegate in enumerate(delegates)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    ballot.refresh_from_db()
    assert (ballot.yes, ballot.no, ballot.abstain, ballot.voters) == (16, 8, 0, 24)
    assert Vote.objects.filter(ballot=ballot).count() == 24
    assert AuditEntry.objects.filter(action="vote.cast").count() == 24


def test_a_second_vote_through_the_writer_is_refused_and_not_counted(
    conference, people, through_writer
):
    ballot = _open_ballot(conference, people["chair"])
    services.vote_cast(ballot=ballot, delegate=people["ayse"], yes=1, no=0, abstain=0)
    with pytest.raises(services.ConferenceError, match="voted already"):
        services.vote_cast(ballot=ballot, delegate=people["ayse"], yes=0, no=1, abstain=0)
    ballot.refresh_from_db()
    assert (ballot.yes, ballot.no, ballot.voters) == (1, 0, 1)


def test_a_vote_in_a_closed_ballot_is_refused_through_the_writer(
    conference, people, through_writer
):
    ballot = _open_ballot(conference, people["chair"])
    services.ballot_close(ballot=ballot, by=people["chair"])
    with pytest.raises(services.ConferenceError, match="not open"):
        services.vote_cast(ballot=ballot, delegate=people["ayse"], yes=1, no=0, abstain=0)
    assert not Vote.objects.exists()


def test_a_secret_vote_through_the_writer_leaves_no_audit_entry(conference, people, through_writer):
    ballot = _open_ballot(conference, people["chair"], secret=True)
    vote = services.vote_cast(ballot=ballot, delegate=people["marc"], yes=2, no=1, abstain=0)
    assert Vote.objects.get(pk=vote.pk).yes == 2
    assert not AuditEntry.objects.filter(action="vote.cast").exists()


def test_a_vote_batch_that_fails_is_not_acknowledged(
    conference, people, through_writer, monkeypatch
):
    ballot = _open_ballot(conference, people["chair"])

    def broken(requests):
        raise OperationalError("database or disk is full")

    monkeypatch.setattr(writer_process, "votes_write", broken)
    with pytest.raises(WriterUnavailable):
        services.vote_cast(ballot=ballot, delegate=people["ayse"], yes=1, no=0, abstain=0)
    assert not Vote.objects.exists()
