"""An amendment referred to a later conference is carried over with its history: the
follow-up conference's secretariat takes it up, finds its block in the text it amends,
ballots it and decides it there; the original stays "referred" in the first record."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from tests.assembly.conftest import amend, audited, block_key, first_version
from undersigned.assembly import selectors, services
from undersigned.assembly.models import Amendment
from undersigned.assembly.services import ConferenceError
from undersigned.statements.services import statement_create


@pytest.fixture
def later(conference, people):
    """The follow-up conference on the same declaration: River Union is there again, with
    Ayşe (the same account), and a new chair."""
    follow_up = services.conference_create(
        title="Water Conference 2027",
        slug="water-2027",
        starts_on=date(2027, 3, 8),
        ends_on=date(2027, 3, 9),
        statement=conference.statement,
    )
    union = services.participant_add(conference=follow_up, name="River Union", country="TR")
    return {
        "conference": follow_up,
        "chair": services.delegate_add(
            conference=follow_up, email="chair2@example.org", name="Chair 2027", role="chair"
        ),
        "ayse": services.delegate_add(
            conference=follow_up, email="ayse@example.org", name="Ayşe", participant=union
        ),
    }


def _refer(conference, people, later, amendment):
    services.amendment_cosign(amendment=amendment, delegate=people["marc"])
    services.amendment_decide(
        amendment=amendment,
        status="referred",
        reason="Needs a longer debate.",
        referred_conference=later["conference"],
        by=people["chair"],
    )
    amendment.refresh_from_db()
    return amendment


@pytest.fixture
def referred(conference, people, later):
    """Ayşe's amendment to section 3, co-signed by Eau Vive, referred to 2027."""
    return _refer(
        conference, people, later, amend(conference, people["ayse"], "3", text="Three, later.")
    )


def _take_up(later, referred, **kwargs):
    return services.amendment_take_up(amendment=referred, by=later["chair"], **kwargs)


def _adopt_and_consolidate(conference, people, number, text):
    adopted = amend(conference, people["marc"], number, text=text)
    services.amendment_decide(amendment=adopted, status="adopted", by=people["chair"])
    return services.conference_consolidate(conference=conference, by=people["chair"])


def test_a_referred_amendment_waits_at_the_follow_up_conference_with_its_history(
    people, later, referred
):
    [referral] = selectors.referred_pending(conference=later["conference"])
    assert referral.amendment == referred
    [step] = referral.history
    assert step.amendment.submitted_by == people["ayse"]
    assert [p.name for p in step.cosigners] == ["Eau Vive"]
    assert step.referred_by == "Chair" and step.referred_at is not None
    assert step.amendment.reason == "Needs a longer debate."


def test_taking_up_makes_it_an_amendment_of_the_follow_up_conference(
    conference, people, later, referred
):
    carried = _take_up(later, referred)
    assert carried.conference == later["conference"] and carried.number == 1
    assert carried.carried_from == referred
    assert carried.status == Amendment.Status.ADMITTED
    assert (carried.version, carried.block_key) == (referred.version, referred.block_key)
    assert (carried.action, carried.text) == ("replace", "Three, later.")
    assert carried.proposer == later["conference"].participants.get(name="River Union")
    assert carried.submitted_by == people["ayse"]
    referred.refresh_from_db()
    assert referred.status == Amendment.Status.REFERRED
    assert selectors.referred_pending(conference=later["conference"]) == []


def test_taking_up_is_audited(later, referred):
    carried = _take_up(later, referred)
    entry = audited("amendment.take_up", carried).get()
    assert entry.actor == later["chair"].user
    assert entry.data["from_number"] == referred.number
    assert entry.data["status"] == "admitted"


def test_a_referred_amendment_is_taken_up_once(later, referred):
    carried = _take_up(later, referred)
    with pytest.raises(ConferenceError):
        _take_up(later, referred)
    with pytest.raises(IntegrityError), transaction.atomic():
        Amendment.objects.create(
            conference=later["conference"],
            number=99,
            version=carried.version,
            block_key=carried.block_key,
            action="delete",
            justification="Twice.",
            proposer=carried.proposer,
            submitted_by=carried.submitted_by,
            carried_from=referred,
        )


def test_only_the_follow_up_secretariat_takes_it_up(people, later, referred):
    for delegate in (people["chair"], later["ayse"]):
        with pytest.raises(ConferenceError):
            services.amendment_take_up(amendment=referred, by=delegate)
    assert not Amendment.objects.filter(carried_from=referred).exists()


def test_its_block_is_found_by_its_key_in_a_later_version(conference, people, later, referred):
    version = _adopt_and_consolidate(conference, people, "2", "Two, changed.")
    carried = _take_up(later, referred)
    assert carried.version == version and version.number == 2
    assert carried.block_key == referred.block_key
    assert carried.status == Amendment.Status.ADMITTED and carried.base_text == ""


def test_it_needs_a_rebase_when_its_block_changed_since(conference, people, later):
    mine = amend(conference, people["ayse"], "3", text="Three, later.")
    version = _adopt_and_consolidate(conference, people, "3", "Three, changed.")
    mine.refresh_from_db()
    assert mine.status == Amendment.Status.NEEDS_REBASE
    referred = _refer(conference, people, later, mine)
    carried = _take_up(later, referred)
    assert carried.version == version
    assert carried.status == Amendment.Status.NEEDS_REBASE
    # Its redline stays against the text it was written against.
    assert carried.base_text == "Section 3 of the draft."
    block = version.blocks.get(key=carried.block_key)
    assert selectors.amendment_redline(carried, block) == (
        "<del>Section 3 of the draft.</del> <ins>Three, later.</ins>"
    )


def test_its_proposer_rebases_it_at_the_follow_up_conference(conference, people, later):
    mine = amend(conference, people["ayse"], "3", text="Three, later.")
    _adopt_and_consolidate(conference, people, "3", "Three, changed.")
    carried = _take_up(later, _refer(conference, people, later, mine))
    rebased = services.amendment_rebase(
        amendment=carried, by=later["ayse"], text="Three, changed and later."
    )
    assert rebased.status == Amendment.Status.SUBMITTED
    assert rebased.base_text == ""  # now written against the block as in its version


def test_an_amendment_to_another_text_needs_its_block_named(conference, people, later):
    manifesto = statement_create(
        title="Manifesto", body="1. Rivers first.\n\n2. Then the rest.", language="en"
    )
    later["conference"].statement = manifesto
    later["conference"].save()
    referred = _refer(
        conference, people, later, amend(conference, people["ayse"], "3", text="Three, later.")
    )
    with pytest.raises(ConferenceError):
        _take_up(later, referred)
    target = manifesto.versions.get().blocks.get(number="1")
    carried = _take_up(later, referred, block_key=target.key)
    assert (carried.version, carried.block_key) == (target.version, target.key)
    assert carried.status == Amendment.Status.NEEDS_REBASE


def test_a_ballot_at_the_follow_up_conference_decides_it(conference, people, later, referred):
    chair = later["chair"]
    carried = _take_up(later, referred)
    ballot = services.ballot_create(
        conference=later["conference"], by=chair, title="A1", amendment=carried
    )
    services.ballot_open(ballot=ballot, by=chair)
    services.vote_cast(ballot=ballot, delegate=later["ayse"], yes=1, no=0, abstain=0)
    services.ballot_close(ballot=ballot, by=chair)
    carried.refresh_from_db()
    referred.refresh_from_db()
    assert carried.status == Amendment.Status.ADOPTED
    assert referred.status == Amendment.Status.REFERRED
    version = services.conference_consolidate(conference=later["conference"], by=chair)
    assert version.blocks.get(key=block_key(conference, "3")).text == "Three, later."
    assert first_version(conference).blocks.get(number="3").text == "Section 3 of the draft."


def test_once_taken_up_the_original_is_no_longer_decided_at_the_first_conference(
    people, later, referred
):
    _take_up(later, referred)
    with pytest.raises(ConferenceError):
        services.amendment_decide(amendment=referred, status="rejected", by=people["chair"])
    referred.refresh_from_db()
    assert referred.status == Amendment.Status.REFERRED
