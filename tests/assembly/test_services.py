"""The conference journey in services: amendments, ballots, consolidation, adoption."""

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.assembly.conftest import amend as _amend
from tests.assembly.conftest import audited as _audited
from undersigned.assembly import services
from undersigned.assembly.models import Amendment, Ballot, Delegate, Vote
from undersigned.assembly.services import ConferenceError


def _version(conference):
    return conference.statement.versions.get()


def test_amendments_are_numbered_in_order(conference, people):
    first = _amend(conference, people["ayse"])
    second = _amend(conference, people["marc"], number="3")
    assert (first.number, second.number) == (1, 2)


def test_no_amendment_after_the_deadline(conference, people):
    conference.amendment_deadline = timezone.now() - timedelta(minutes=1)
    conference.save()
    with pytest.raises(ConferenceError):
        _amend(conference, people["ayse"])


def test_adopting_one_amendment_marks_its_rivals(conference, people):
    first = _amend(conference, people["ayse"])
    rival = _amend(conference, people["marc"], text="Another text for two.")
    marked = services.amendment_decide(amendment=first, status="adopted", by=people["chair"])
    assert [a.pk for a in marked] == [rival.pk]
    rival.refresh_from_db()
    assert rival.status == Amendment.Status.NEEDS_REBASE


def test_deleting_a_block_makes_its_rivals_obsolete(conference, people):
    deletion = _amend(conference, people["ayse"], action="delete", text="")
    rival = _amend(conference, people["marc"])
    services.amendment_decide(amendment=deletion, status="adopted", by=people["chair"])
    rival.refresh_from_db()
    assert rival.status == Amendment.Status.OBSOLETE


def test_only_the_chair_decides(conference, people):
    amendment = _amend(conference, people["ayse"])
    with pytest.raises(ConferenceError):
        services.amendment_decide(amendment=amendment, status="adopted", by=people["marc"])


def test_one_vote_per_delegate_is_a_database_constraint(conference, people):
    ballot = services.ballot_create(conference=conference, by=people["chair"], title="A1")
    services.ballot_open(ballot=ballot, by=people["chair"])
    services.vote_cast(ballot=ballot, delegate=people["ayse"], yes=1, no=0, abstain=0)
    with pytest.raises(ConferenceError):
        services.vote_cast(ballot=ballot, delegate=people["ayse"], yes=0, no=1, abstain=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(ballot=ballot, delegate=people["ayse"], yes=0, no=1, abstain=0)


def test_a_delegation_splits_its_votes(conference, people):
    ballot = services.ballot_create(conference=conference, by=people["chair"], title="A1")
    services.ballot_open(ballot=ballot, by=people["chair"])
    services.vote_cast(ballot=ballot, delegate=people["marc"], yes=2, no=1, abstain=0)
    with pytest.raises(ConferenceError):
        services.vote_cast(ballot=ballot, delegate=people["ayse"], yes=1, no=1, abstain=0)
    ballot.refresh_from_db()
    assert (ballot.yes, ballot.no, ballot.voters) == (2, 1, 1)


def test_observers_and_the_chair_do_not_vote(conference, people):
    observer = services.delegate_add(
        conference=conference, email="o@example.org", name="Obs", role="observer"
    )
    ballot = services.ballot_create(conference=conference, by=people["chair"], title="A1")
    services.ballot_open(ballot=ballot, by=people["chair"])
    for delegate in (observer, people["chair"]):
        with pytest.raises(ConferenceError):
            services.vote_cast(ballot=ballot, delegate=delegate, yes=1, no=0, abstain=0)


def test_a_secret_ballot_keeps_no_link_between_voter_and_choice(conference, people):
    ballot = services.ballot_create(
        conference=conference, by=people["chair"], title="Secret", secret=True
    )
    services.ballot_open(ballot=ballot, by=people["chair"])
    services.vote_cast(ballot=ballot, delegate=people["ayse"], yes=0, no=1, abstain=0)
    services.vote_cast(ballot=ballot, delegate=people["marc"], yes=3, no=0, abstain=0)
    ballot = services.ballot_close(ballot=ballot, by=people["chair"])
    assert (ballot.yes, ballot.no, ballot.adopted) == (3, 1, True)
    rows = list(Vote.objects.filter(ballot=ballot).values_list("yes", "no", "abstain", "cast_at"))
    assert rows == [(None, None, None, None)] * 2


def test_a_closed_secret_ballot_keeps_no_order_of_voting(conference, people):
    ballot = services.ballot_create(
        conference=conference, by=people["chair"], title="Secret", secret=True
    )
    services.ballot_open(ballot=ballot, by=people["chair"])
    # The later delegate votes first: the rows must not tell it after the close.
    first, second = sorted([people["ayse"], people["marc"]], key=lambda d: d.pk, reverse=True)
    services.vote_cast(ballot=ballot, delegate=first, yes=first.weight, no=0, abstain=0)
    services.vote_cast(ballot=ballot, delegate=second, yes=0, no=second.weight, abstain=0)
    services.ballot_close(ballot=ballot, by=people["chair"])
    rows = list(Vote.objects.filter(ballot=ballot).order_by("pk").values_list("delegate_id"))
    assert rows == sorted(rows) and len(rows) == 2


def test_a_recorded_ballot_with_only_a_verdict(conference, people):
    ballot = services.ballot_create(
        conference=conference, by=people["chair"], title="Whole text", mode="recorded"
    )
    ballot = services.ballot_record(
        ballot=ballot,
        by=people["chair"],
        verdict_text="Adopted by an overwhelming majority",
        adopted=True,
    )
    assert ballot.state == Ballot.State.CLOSED and ballot.adopted


def test_consolidation_applies_adopted_amendments_and_keeps_referred_ones(conference, people):
    replace = _amend(conference, people["ayse"])
    insert = _amend(conference, people["marc"], number="3", action="insert", text="3a. New one.")
    delete = _amend(conference, people["ayse"], number="4", action="delete", text="")
    referred = _amend(conference, people["marc"], number="5", text="Five, later.")
    chair = people["chair"]
    services.amendment_decide(amendment=replace, status="adopted", by=chair)
    services.amendment_decide(amendment=insert, status="adopted", by=chair)
    services.amendment_decide(amendment=delete, status="adopted", by=chair)
    services.amendment_decide(
        amendment=referred, status="referred", referred_to="Next conference", by=chair
    )
    version = services.conference_consolidate(conference=conference, by=chair)
    texts = [b.text for b in version.blocks.order_by("position")]
    assert texts == [
        "Section 1 of the draft.",
        "Section two, amended.",
        "Section 3 of the draft.",
        "3a. New one.",
        "Section 5 of the draft.",
    ]
    base_keys = {b.number: b.key for b in _version_number(conference, 1).blocks.all()}
    assert version.blocks.get(text="Section two, amended.").key == base_keys["2"]
    referred.refresh_from_db()
    assert referred.status == Amendment.Status.REFERRED


def _version_number(conference, number):
    return conference.statement.versions.get(number=number)


def test_adoption_publishes_the_consolidated_text(conference, people):
    chair = people["chair"]
    amendment = _amend(conference, people["ayse"])
    services.amendment_decide(amendment=amendment, status="adopted", by=chair)
    version = services.conference_consolidate(conference=conference, by=chair)
    final = services.ballot_create(
        conference=conference, by=chair, title="Whole text", version=version, mode="recorded"
    )
    services.ballot_record(ballot=final, by=chair, yes=40, no=2, abstain=1)
    statement = services.conference_adopt(conference=conference, ballot=final, by=chair)
    assert statement.is_signable
    assert statement.versions.get(number=version.number).published_at is not None


def test_delegates_have_no_password_but_a_link(conference, people):
    delegate = people["ayse"]
    assert not delegate.user.has_usable_password()
    assert services.delegate_for_token(token=delegate.token) == delegate
    assert services.delegate_for_token(token="nope") is None
    assert Delegate.objects.filter(conference=conference).count() == 3


def test_an_amendment_merged_into_another_points_to_it(conference, people):
    first = _amend(conference, people["ayse"])
    second = _amend(conference, people["marc"], text="Section two, merged wording.")
    services.amendment_decide(amendment=first, status="merged", merged_into=2, by=people["chair"])
    first.refresh_from_db()
    assert first.status == Amendment.Status.MERGED and first.merged_into == second
    with pytest.raises(ConferenceError):
        services.amendment_decide(
            amendment=second, status="merged", merged_into=2, by=people["chair"]
        )


def test_an_amendment_to_an_amendment_names_its_parent(conference, people):
    parent = _amend(conference, people["ayse"])
    child = services.amendment_submit(
        delegate=people["marc"],
        version=parent.version,
        block_key=parent.block_key,
        action=parent.action,
        text="Section two, amended otherwise.",
        justification="Better.",
        parent=parent,
    )
    assert list(parent.sub_amendments.all()) == [child]


def test_a_named_vote_is_audited_with_its_choice(conference, people):
    ballot = services.ballot_create(conference=conference, by=people["chair"], title="Named")
    services.ballot_open(ballot=ballot, by=people["chair"])
    services.vote_cast(ballot=ballot, delegate=people["marc"], yes=2, no=1, abstain=0)
    entry = _audited("vote.cast", ballot).get()
    assert entry.actor == people["marc"].user
    assert entry.data == {
        "ballot": ballot.pk,
        "delegate": people["marc"].pk,
        "yes": 2,
        "no": 1,
        "abstain": 0,
    }


def _secret_ballot(conference, people):
    ballot = services.ballot_create(
        conference=conference, by=people["chair"], title="Secret", secret=True
    )
    return services.ballot_open(ballot=ballot, by=people["chair"])


def test_a_secret_vote_writes_no_audit_entry_while_the_ballot_is_open(conference, people):
    from undersigned.core.models import AuditEntry

    ballot = _secret_ballot(conference, people)
    last = AuditEntry.objects.latest("pk").pk
    services.vote_cast(ballot=ballot, delegate=people["ayse"], yes=0, no=1, abstain=0)
    assert not AuditEntry.objects.filter(pk__gt=last).exists()


def test_closing_a_secret_ballot_audits_who_took_part_and_no_choice(conference, people):
    from undersigned.core.models import AuditEntry

    ballot = _secret_ballot(conference, people)
    services.vote_cast(ballot=ballot, delegate=people["marc"], yes=3, no=0, abstain=0)
    services.vote_cast(ballot=ballot, delegate=people["ayse"], yes=0, no=1, abstain=0)
    services.ballot_close(ballot=ballot, by=people["chair"])
    entry = _audited("ballot.close", ballot).get()
    assert entry.data["delegates"] == sorted([people["ayse"].pk, people["marc"].pk])
    assert not _audited("vote.cast", ballot).exists()
    for voter in ("ayse", "marc"):
        by_voter = AuditEntry.objects.filter(actor=people[voter].user)
        assert not any({"yes", "no", "abstain"} & set(e.data) for e in by_voter)


def test_no_audit_entry_of_a_secret_ballot_tells_when_a_delegate_voted(
    conference, people, monkeypatch
):
    from undersigned.core.models import AuditEntry

    ballot = _secret_ballot(conference, people)
    start = timezone.now()
    voted_at = {"ayse": start + timedelta(minutes=5), "marc": start + timedelta(minutes=9)}
    for voter, moment in voted_at.items():
        monkeypatch.setattr(timezone, "now", lambda moment=moment: moment)
        delegate = people[voter]
        services.vote_cast(ballot=ballot, delegate=delegate, yes=delegate.weight, no=0, abstain=0)
    closed_at = start + timedelta(minutes=30)
    monkeypatch.setattr(timezone, "now", lambda: closed_at)
    ballot = services.ballot_close(ballot=ballot, by=people["chair"])
    assert ballot.closed_at == closed_at
    assert _audited("ballot.close", ballot).get().created == closed_at
    assert not AuditEntry.objects.filter(created__in=voted_at.values()).exists()


def test_a_refused_vote_leaves_no_audit_entry(conference, people):
    ballot = services.ballot_create(conference=conference, by=people["chair"], title="A1")
    services.ballot_open(ballot=ballot, by=people["chair"])
    services.vote_cast(ballot=ballot, delegate=people["ayse"], yes=1, no=0, abstain=0)
    with pytest.raises(ConferenceError):
        services.vote_cast(ballot=ballot, delegate=people["ayse"], yes=0, no=1, abstain=0)
    assert _audited("vote.cast", ballot).count() == 1


def test_each_step_of_the_conference_leaves_an_audit_entry(conference, people):
    chair = people["chair"]
    amendment = _amend(conference, people["ayse"])
    services.amendment_decide(amendment=amendment, status="admitted", by=chair)
    on_amendment = services.ballot_create(
        conference=conference, by=chair, title="A1", amendment=amendment
    )
    services.ballot_open(ballot=on_amendment, by=chair)
    services.vote_cast(ballot=on_amendment, delegate=people["marc"], yes=3, no=0, abstain=0)
    services.ballot_close(ballot=on_amendment, by=chair)
    services.amendment_decide(amendment=amendment, status="adopted", by=chair)
    version = services.conference_consolidate(conference=conference, by=chair)
    final = services.ballot_create(
        conference=conference, by=chair, title="Whole text", version=version
    )
    services.ballot_open(ballot=final, by=chair)
    services.vote_cast(ballot=final, delegate=people["marc"], yes=3, no=0, abstain=0)
    services.ballot_close(ballot=final, by=chair)
    services.conference_adopt(conference=conference, ballot=final, by=chair)
    assert _audited("amendment.submit", amendment).count() == 1
    decided = [e.data["to"] for e in _audited("amendment.decide", amendment).order_by("pk")]
    assert decided == ["admitted", "adopted"]
    for ballot in (on_amendment, final):
        assert _audited("ballot.open", ballot).count() == 1
        assert _audited("ballot.close", ballot).count() == 1
    consolidated = _audited("conference.consolidate", conference).get()
    assert consolidated.data == {"version": version.number, "amendments": [amendment.number]}
    adopted = _audited("conference.adopt", conference).get()
    assert adopted.data == {"version": version.number, "ballot": final.pk}
    assert adopted.actor == chair.user


def test_consolidating_twice_keeps_one_version_and_the_text_can_be_adopted(conference, people):
    chair = people["chair"]
    amendment = _amend(conference, people["ayse"])
    services.amendment_decide(amendment=amendment, status="adopted", by=chair)
    first = services.conference_consolidate(conference=conference, by=chair)
    again = services.conference_consolidate(conference=conference, by=chair)
    assert again.pk == first.pk
    assert conference.statement.versions.count() == 2
    assert _audited("conference.consolidate", conference).count() == 1
    final = services.ballot_create(
        conference=conference, by=chair, title="Whole text", version=again, mode="recorded"
    )
    services.ballot_record(ballot=final, by=chair, yes=40, no=2, abstain=1)
    statement = services.conference_adopt(conference=conference, ballot=final, by=chair)
    assert statement.is_signable


def test_consolidating_after_another_adoption_makes_a_new_version(conference, people):
    chair = people["chair"]
    first = _amend(conference, people["ayse"])
    later = _amend(conference, people["marc"], number="3", text="Section three, amended.")
    services.amendment_decide(amendment=first, status="adopted", by=chair)
    consolidated = services.conference_consolidate(conference=conference, by=chair)
    services.amendment_decide(amendment=later, status="adopted", by=chair)
    again = services.conference_consolidate(conference=conference, by=chair)
    assert again.number == consolidated.number + 1
    texts = [b.text for b in again.blocks.order_by("position")]
    assert "Section two, amended." in texts and "Section three, amended." in texts


def test_an_impossible_majority_is_refused_in_the_chairs_language(conference, people):
    from django.utils import translation

    with translation.override("fr"), pytest.raises(ConferenceError) as refused:
        services.ballot_create(
            conference=conference,
            by=people["chair"],
            title="A1",
            quorum=(3, 2),
            quorum_of="present",
        )
    assert str(refused.value) == "Le quorum doit être compris entre 0 et 1."
    assert not Ballot.objects.exists()


def test_a_delegation_co_signs_an_amendment(conference, people):
    amendment = _amend(conference, people["ayse"])
    services.amendment_cosign(amendment=amendment, delegate=people["marc"])
    assert [p.name for p in amendment.cosigners.all()] == ["Eau Vive"]
    entry = _audited("amendment.cosign", amendment).get()
    assert entry.actor == people["marc"].user
    assert entry.data == {"participant": people["marc"].participant_id}


def test_the_proposing_delegation_cannot_co_sign_its_own_amendment(conference, people):
    amendment = _amend(conference, people["ayse"])
    with pytest.raises(ConferenceError):
        services.amendment_cosign(amendment=amendment, delegate=people["ayse"])
    assert not amendment.cosigners.exists()


def test_only_delegations_of_the_same_conference_co_sign(conference, people):
    amendment = _amend(conference, people["ayse"])
    other = services.conference_create(
        title="Other", starts_on=date(2027, 1, 1), ends_on=date(2027, 1, 1), slug="other"
    )
    union = services.participant_add(conference=other, name="Elsewhere", country="FR")
    stranger = services.delegate_add(
        conference=other, email="s@example.org", name="Stranger", participant=union
    )
    for delegate in (people["chair"], stranger):
        with pytest.raises(ConferenceError):
            services.amendment_cosign(amendment=amendment, delegate=delegate)
    assert not amendment.cosigners.exists()


def test_the_secretariat_admits_an_amendment(conference, people):
    amendment = _amend(conference, people["ayse"])
    services.amendment_decide(amendment=amendment, status="admitted", by=people["chair"])
    amendment.refresh_from_db()
    assert amendment.status == Amendment.Status.ADMITTED and amendment.is_open


def test_an_amendment_is_declared_inadmissible_only_with_a_reason(conference, people):
    amendment = _amend(conference, people["ayse"])
    with pytest.raises(ConferenceError):
        services.amendment_decide(
            amendment=amendment, status="inadmissible", reason="  ", by=people["chair"]
        )
    amendment.refresh_from_db()
    assert amendment.status == Amendment.Status.SUBMITTED
    services.amendment_decide(
        amendment=amendment,
        status="inadmissible",
        reason="Outside the scope of the declaration.",
        by=people["chair"],
    )
    amendment.refresh_from_db()
    assert amendment.status == Amendment.Status.INADMISSIBLE
    assert amendment.reason == "Outside the scope of the declaration."
