"""Rebasing an amendment that needs it: rewritten against the block's text as the
adopted amendment made it, by its proposer or the secretariat, and applied after it."""

from __future__ import annotations

import pytest

from tests.assembly.conftest import amend, audited
from undersigned.assembly import selectors, services
from undersigned.assembly.models import Amendment
from undersigned.assembly.services import ConferenceError


@pytest.fixture
def rivals(conference, people):
    """Ayşe's A1 is adopted; Marc's A2, to the same block, needs a rebase."""
    first = amend(conference, people["ayse"])
    rival = amend(conference, people["marc"], text="Section two, said otherwise.")
    services.amendment_decide(amendment=first, status="adopted", by=people["chair"])
    rival.refresh_from_db()
    assert rival.status == Amendment.Status.NEEDS_REBASE
    return first, rival


def test_the_proposer_rebases_onto_the_adopted_text(conference, people, rivals):
    _first, rival = rivals
    rebased = services.amendment_rebase(
        amendment=rival, by=people["marc"], text="Section two, amended, and said otherwise."
    )
    assert rebased.text == "Section two, amended, and said otherwise."
    assert rebased.base_text == "Section two, amended."
    assert rebased.status == Amendment.Status.SUBMITTED


def test_a_rebase_by_the_secretariat_admits_the_amendment(conference, people, rivals):
    _first, rival = rivals
    rebased = services.amendment_rebase(
        amendment=rival, by=people["chair"], text="Section two, amended, and said otherwise."
    )
    assert rebased.status == Amendment.Status.ADMITTED


def test_a_rebase_is_audited_with_the_text_it_replaces(conference, people, rivals):
    _first, rival = rivals
    services.amendment_rebase(amendment=rival, by=people["marc"], text="Section two, again.")
    entry = audited("amendment.rebase", rival).get()
    assert entry.actor == people["marc"].user
    assert entry.data["previous_text"] == "Section two, said otherwise."
    assert entry.data["base"] == "Section two, amended."
    assert entry.data["to"] == "submitted"


def test_the_redline_of_a_rebased_amendment_is_against_the_adopted_text(conference, people, rivals):
    _first, rival = rivals
    rebased = services.amendment_rebase(
        amendment=rival, by=people["marc"], text="Section two, amended, and more."
    )
    block = rebased.version.blocks.get(key=rebased.block_key)
    assert (
        selectors.amendment_redline(rebased, block) == "Section two, amended<ins>, and more</ins>."
    )


def test_only_the_proposer_or_the_secretariat_rebases(conference, people, rivals):
    _first, rival = rivals
    with pytest.raises(ConferenceError):
        services.amendment_rebase(amendment=rival, by=people["ayse"], text="Mine now.")
    rival.refresh_from_db()
    assert rival.text == "Section two, said otherwise."


def test_an_amendment_that_needs_no_rebase_is_not_rebased(conference, people):
    amendment = amend(conference, people["ayse"])
    with pytest.raises(ConferenceError):
        services.amendment_rebase(amendment=amendment, by=people["ayse"], text="Other.")


def test_a_rebase_to_the_current_text_itself_is_refused(conference, people, rivals):
    _first, rival = rivals
    with pytest.raises(ConferenceError):
        services.amendment_rebase(amendment=rival, by=people["marc"], text="Section two, amended.")


def test_consolidation_applies_a_rebased_amendment_after_the_one_it_rests_on(conference, people):
    # The lower number is rebased onto the higher one: number order would lose it.
    first = amend(conference, people["ayse"])
    later = amend(conference, people["marc"], text="Section two, said otherwise.")
    services.amendment_decide(amendment=later, status="adopted", by=people["chair"])
    services.amendment_rebase(
        amendment=first, by=people["ayse"], text="Section two, said otherwise, and clearly."
    )
    services.amendment_decide(amendment=first, status="adopted", by=people["chair"])
    version = services.conference_consolidate(conference=conference, by=people["chair"])
    texts = [b.text for b in version.blocks.order_by("position")]
    assert texts[1] == "Section two, said otherwise, and clearly."
    assert "Section two, said otherwise." not in texts


def test_a_rebased_deletion_deletes_the_amended_block(conference, people):
    first = amend(conference, people["ayse"])
    deletion = amend(conference, people["marc"], action="delete", text="")
    services.amendment_decide(amendment=first, status="adopted", by=people["chair"])
    deletion.refresh_from_db()
    assert deletion.status == Amendment.Status.NEEDS_REBASE
    rebased = services.amendment_rebase(amendment=deletion, by=people["marc"])
    assert rebased.base_text == "Section two, amended." and rebased.text == ""
    services.amendment_decide(amendment=rebased, status="adopted", by=people["chair"])
    version = services.conference_consolidate(conference=conference, by=people["chair"])
    assert not version.blocks.filter(text__startswith="Section two").exists()
