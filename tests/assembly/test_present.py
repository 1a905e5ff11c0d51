"""The number present at an electronic ballot: entered by the chair before or after the
close, used by a base of "present" and by a quorum, shown in the arithmetic."""

from __future__ import annotations

import pytest

from tests.assembly.conftest import amend, audited
from undersigned.assembly import services
from undersigned.assembly.models import Amendment, Ballot
from undersigned.assembly.services import ConferenceError

# Ayşe has 1 vote, Marc's delegation 3: 4 are entitled to vote.


def _ballot(conference, people, amendment=None, **options) -> Ballot:
    ballot = services.ballot_create(
        conference=conference, by=people["chair"], title="Q", amendment=amendment, **options
    )
    return services.ballot_open(ballot=ballot, by=people["chair"])


def test_a_base_of_those_present_counts_the_number_the_chair_entered(conference, people):
    ballot = _ballot(conference, people, base="present")
    services.ballot_set_present(ballot=ballot, by=people["chair"], present=4)
    services.vote_cast(ballot=ballot, delegate=people["ayse"], yes=1, no=0, abstain=0)
    ballot = services.ballot_close(ballot=ballot, by=people["chair"])
    # 1 yes of 1 cast would pass; of 4 present it does not.
    assert ballot.adopted is False
    lines = services.ballot_verdict(ballot).lines
    assert "Required: more than 1/2 of present (4) = 2; yes: 1." in lines


def test_a_quorum_of_those_present_applies_to_an_electronic_ballot(conference, people):
    ballot = _ballot(conference, people, quorum=(2, 3), quorum_of="present")
    services.ballot_set_present(ballot=ballot, by=people["chair"], present=4)
    services.vote_cast(ballot=ballot, delegate=people["ayse"], yes=1, no=0, abstain=0)
    ballot = services.ballot_close(ballot=ballot, by=people["chair"])
    assert ballot.adopted is False
    lines = services.ballot_verdict(ballot).lines
    assert "Quorum: votes cast 1, needed 2/3 of present = 2.67: not met." in lines
    assert lines[-1] == "Not adopted: no quorum."


def test_a_quorum_of_those_entitled_counts_those_present(conference, people):
    ballot = _ballot(conference, people, quorum=(3, 4), quorum_of="entitled")
    services.vote_cast(ballot=ballot, delegate=people["ayse"], yes=1, no=0, abstain=0)
    services.ballot_set_present(ballot=ballot, by=people["chair"], present=2)
    ballot = services.ballot_close(ballot=ballot, by=people["chair"])
    assert ballot.adopted is False
    assert "Quorum: present 2, needed 3/4 of entitled to vote = 3: not met." in (
        services.ballot_verdict(ballot).lines
    )


def test_the_verdict_waits_for_the_number_present_when_the_majority_counts_it(conference, people):
    amendment = amend(conference, people["ayse"])
    ballot = _ballot(conference, people, amendment=amendment, base="present")
    services.vote_cast(ballot=ballot, delegate=people["ayse"], yes=1, no=0, abstain=0)
    ballot = services.ballot_close(ballot=ballot, by=people["chair"])
    amendment.refresh_from_db()
    assert ballot.state == Ballot.State.CLOSED and ballot.adopted is None
    assert services.ballot_verdict(ballot) is None
    assert amendment.status == Amendment.Status.SUBMITTED


def test_the_number_present_after_the_close_states_the_verdict_and_decides(conference, people):
    amendment = amend(conference, people["ayse"])
    ballot = _ballot(conference, people, amendment=amendment, base="present")
    services.vote_cast(ballot=ballot, delegate=people["ayse"], yes=1, no=0, abstain=0)
    services.ballot_close(ballot=ballot, by=people["chair"])
    ballot = services.ballot_set_present(ballot=ballot, by=people["chair"], present=1)
    amendment.refresh_from_db()
    assert ballot.adopted is True
    assert amendment.status == Amendment.Status.ADOPTED
    entry = audited("ballot.present", ballot).get()
    assert entry.data["present"] == 1 and entry.data["adopted"] is True
    assert entry.data["amendment"]["status"] == "adopted"


def test_a_stated_verdict_no_longer_changes_with_the_number_present(conference, people):
    ballot = _ballot(conference, people, base="present")
    services.ballot_set_present(ballot=ballot, by=people["chair"], present=4)
    services.vote_cast(ballot=ballot, delegate=people["ayse"], yes=1, no=0, abstain=0)
    services.ballot_close(ballot=ballot, by=people["chair"])
    with pytest.raises(ConferenceError):
        services.ballot_set_present(ballot=ballot, by=people["chair"], present=1)
    ballot.refresh_from_db()
    assert (ballot.present, ballot.adopted) == (4, False)


def test_the_number_present_is_recorded_after_the_close_when_no_rule_counts_it(conference, people):
    ballot = _ballot(conference, people)
    services.vote_cast(ballot=ballot, delegate=people["ayse"], yes=1, no=0, abstain=0)
    services.ballot_close(ballot=ballot, by=people["chair"])
    ballot = services.ballot_set_present(ballot=ballot, by=people["chair"], present=3)
    assert (ballot.present, ballot.adopted) == (3, True)


def test_fewer_present_than_votes_cast_is_refused(conference, people):
    ballot = _ballot(conference, people)
    services.vote_cast(ballot=ballot, delegate=people["marc"], yes=3, no=0, abstain=0)
    with pytest.raises(ConferenceError):
        services.ballot_set_present(ballot=ballot, by=people["chair"], present=2)
    ballot.refresh_from_db()
    assert ballot.present is None


def test_more_present_than_those_entitled_is_refused(conference, people):
    ballot = _ballot(conference, people)
    with pytest.raises(ConferenceError):
        services.ballot_set_present(ballot=ballot, by=people["chair"], present=5)


def test_a_ballot_is_not_closed_with_more_votes_than_present(conference, people):
    ballot = _ballot(conference, people)
    services.ballot_set_present(ballot=ballot, by=people["chair"], present=1)
    services.vote_cast(ballot=ballot, delegate=people["marc"], yes=3, no=0, abstain=0)
    with pytest.raises(ConferenceError):
        services.ballot_close(ballot=ballot, by=people["chair"])
    ballot.refresh_from_db()
    assert ballot.state == Ballot.State.OPEN


def test_only_the_chair_enters_the_number_present(conference, people):
    ballot = _ballot(conference, people)
    with pytest.raises(ConferenceError):
        services.ballot_set_present(ballot=ballot, by=people["ayse"], present=2)


def test_counts_in_the_hall_need_those_present_when_the_majority_counts_them(conference, people):
    ballot = services.ballot_create(
        conference=conference, by=people["chair"], title="Q", mode="recorded", base="present"
    )
    with pytest.raises(ConferenceError):
        services.ballot_record(ballot=ballot, by=people["chair"], yes=10, no=2)
    ballot = services.ballot_record(ballot=ballot, by=people["chair"], yes=10, no=2, present=30)
    assert ballot.adopted is False  # 10 of 30 present is not more than half
