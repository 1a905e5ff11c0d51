"""A ballot's verdict decides the amendment it is on: adopted or rejected, in the same
transaction, audited, with the collisions that adopting brings; an outcome the
secretariat set by hand is left alone."""

from __future__ import annotations

import pytest

from tests.assembly.conftest import amend, audited
from undersigned.assembly import services
from undersigned.assembly.models import Amendment


def _electronic(conference, people, amendment, **options):
    ballot = services.ballot_create(
        conference=conference,
        by=people["chair"],
        title=f"A{amendment.number}",
        amendment=amendment,
        **options,
    )
    return services.ballot_open(ballot=ballot, by=people["chair"])


def _recorded(conference, people, amendment):
    return services.ballot_create(
        conference=conference,
        by=people["chair"],
        title=f"A{amendment.number}",
        amendment=amendment,
        mode="recorded",
    )


def _status(amendment) -> str:
    amendment.refresh_from_db()
    return amendment.status


def test_closing_a_ballot_that_passes_adopts_its_amendment(conference, people):
    amendment = amend(conference, people["ayse"])
    ballot = _electronic(conference, people, amendment)
    services.vote_cast(ballot=ballot, delegate=people["marc"], yes=3, no=0, abstain=0)
    services.ballot_close(ballot=ballot, by=people["chair"])
    assert _status(amendment) == Amendment.Status.ADOPTED
    assert amendment.adopted_text == "Section two, amended."


def test_closing_a_ballot_that_fails_rejects_its_amendment(conference, people):
    amendment = amend(conference, people["ayse"])
    ballot = _electronic(conference, people, amendment)
    services.vote_cast(ballot=ballot, delegate=people["marc"], yes=0, no=3, abstain=0)
    services.vote_cast(ballot=ballot, delegate=people["ayse"], yes=1, no=0, abstain=0)
    services.ballot_close(ballot=ballot, by=people["chair"])
    assert _status(amendment) == Amendment.Status.REJECTED


def test_a_secret_ballot_decides_its_amendment_too(conference, people):
    amendment = amend(conference, people["ayse"])
    ballot = _electronic(conference, people, amendment, secret=True)
    services.vote_cast(ballot=ballot, delegate=people["marc"], yes=3, no=0, abstain=0)
    services.ballot_close(ballot=ballot, by=people["chair"])
    assert _status(amendment) == Amendment.Status.ADOPTED


def test_an_amendment_adopted_by_ballot_marks_its_rivals_for_a_rebase(conference, people):
    amendment = amend(conference, people["ayse"])
    rival = amend(conference, people["marc"], text="Another text for two.")
    ballot = _electronic(conference, people, amendment)
    services.vote_cast(ballot=ballot, delegate=people["marc"], yes=3, no=0, abstain=0)
    services.ballot_close(ballot=ballot, by=people["chair"])
    assert _status(rival) == Amendment.Status.NEEDS_REBASE


def test_a_deletion_adopted_by_ballot_makes_its_rivals_obsolete(conference, people):
    deletion = amend(conference, people["ayse"], action="delete", text="")
    rival = amend(conference, people["marc"])
    ballot = _recorded(conference, people, deletion)
    services.ballot_record(ballot=ballot, by=people["chair"], yes=30, no=2)
    assert _status(rival) == Amendment.Status.OBSOLETE


def test_recorded_counts_decide_the_amendment(conference, people):
    amendment = amend(conference, people["ayse"])
    ballot = _recorded(conference, people, amendment)
    services.ballot_record(ballot=ballot, by=people["chair"], yes=10, no=20, abstain=3)
    assert _status(amendment) == Amendment.Status.REJECTED


def test_a_verdict_announced_in_the_hall_decides_the_amendment(conference, people):
    amendment = amend(conference, people["ayse"])
    ballot = _recorded(conference, people, amendment)
    services.ballot_record(
        ballot=ballot,
        by=people["chair"],
        verdict_text="Adopted by an overwhelming majority",
        adopted=True,
    )
    assert _status(amendment) == Amendment.Status.ADOPTED


def test_the_outcome_from_a_ballot_is_audited_with_the_ballot(conference, people):
    amendment = amend(conference, people["ayse"])
    rival = amend(conference, people["marc"], text="Another text for two.")
    ballot = _electronic(conference, people, amendment)
    services.vote_cast(ballot=ballot, delegate=people["marc"], yes=3, no=0, abstain=0)
    services.ballot_close(ballot=ballot, by=people["chair"])
    decided = audited("amendment.decide", amendment).get()
    assert decided.actor == people["chair"].user
    assert decided.data["ballot"] == ballot.pk
    assert (decided.data["from"], decided.data["to"]) == ("submitted", "adopted")
    assert decided.data["marked"] == [rival.number]
    closed = audited("ballot.close", ballot).get()
    assert closed.data["amendment"] == {
        "number": amendment.number,
        "status": "adopted",
        "changed": True,
        "marked": [rival.number],
    }


def test_a_ballot_leaves_an_outcome_the_secretariat_set_by_hand(conference, people):
    amendment = amend(conference, people["ayse"])
    ballot = _electronic(conference, people, amendment)
    services.vote_cast(ballot=ballot, delegate=people["marc"], yes=0, no=3, abstain=0)
    services.amendment_decide(
        amendment=amendment,
        status="referred",
        referred_to="The drafting committee",
        by=people["chair"],
    )
    services.ballot_close(ballot=ballot, by=people["chair"])
    assert _status(amendment) == Amendment.Status.REFERRED
    assert audited("amendment.decide", amendment).count() == 1
    closed = audited("ballot.close", ballot).get()
    assert closed.data["amendment"]["changed"] is False


def test_adopting_by_hand_after_the_ballot_adopted_writes_nothing_more(conference, people):
    amendment = amend(conference, people["ayse"])
    ballot = _electronic(conference, people, amendment)
    services.vote_cast(ballot=ballot, delegate=people["marc"], yes=3, no=0, abstain=0)
    services.ballot_close(ballot=ballot, by=people["chair"])
    marked = services.amendment_decide(amendment=amendment, status="adopted", by=people["chair"])
    assert marked == []
    assert audited("amendment.decide", amendment).count() == 1


def test_adopted_with_modification_stays_the_secretariats_decision(conference, people):
    amendment = amend(conference, people["ayse"])
    ballot = _electronic(conference, people, amendment)
    services.vote_cast(ballot=ballot, delegate=people["marc"], yes=3, no=0, abstain=0)
    services.ballot_close(ballot=ballot, by=people["chair"])
    services.amendment_decide(
        amendment=amendment,
        status="adopted_modified",
        adopted_text="Section two, amended in the hall.",
        by=people["chair"],
    )
    amendment.refresh_from_db()
    assert amendment.status == Amendment.Status.ADOPTED_MODIFIED
    assert amendment.adopted_text == "Section two, amended in the hall."
    version = services.conference_consolidate(conference=conference, by=people["chair"])
    assert version.blocks.filter(text="Section two, amended in the hall.").exists()


def test_a_ballot_on_an_amendment_of_another_conference_is_refused(conference, people):
    from datetime import date

    amendment = amend(conference, people["ayse"])
    other = services.conference_create(
        title="Other", slug="other", starts_on=date(2027, 1, 1), ends_on=date(2027, 1, 1)
    )
    chair = services.delegate_add(
        conference=other, email="c2@example.org", name="Chair 2", role="chair"
    )
    with pytest.raises(services.ConferenceError):
        services.ballot_create(conference=other, by=chair, title="A1", amendment=amendment)
