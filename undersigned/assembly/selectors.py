"""Reads of a conference: who the visitor is in it, the draft with its amendments under
each block, ballots and their results."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import Http404
from django.utils import timezone

from undersigned.assembly.models import Amendment, Ballot, Conference, Delegate, Vote
from undersigned.statements import diff
from undersigned.statements.models import Block, StatementVersion


def conference_get(*, slug: str) -> Conference:
    conference = Conference.objects.select_related("statement").filter(slug=slug).first()
    if conference is None:
        raise Http404
    return conference


def delegate_of(
    *, conference: Conference, user: AbstractBaseUser | AnonymousUser
) -> Delegate | None:
    if not user.is_authenticated:
        return None
    return (
        Delegate.objects.select_related("participant", "user")
        .filter(conference=conference, user=user)
        .first()
    )


def conference_to_land_on(*, user: AbstractBaseUser) -> Conference | None:
    """Where a delegate of several conferences lands after signing in: the conference under
    way or the next to come (the earliest that has not ended); when all are over, the
    latest. Ties go to the conference created last."""
    conferences = Conference.objects.filter(delegates__user=user)
    today = timezone.localdate()
    current = conferences.filter(ends_on__gte=today).order_by("starts_on", "-pk").first()
    return current or conferences.order_by("-starts_on", "-pk").first()


def draft_version(*, conference: Conference) -> StatementVersion | None:
    """The version amendments are made against: the oldest version that the conference's
    amendments target, else the latest version of the draft."""
    if conference.statement is None:
        return None
    first = (
        Amendment.objects.filter(conference=conference).order_by("number").select_related("version")
    ).first()
    if first is not None:
        return first.version
    return conference.statement.versions.order_by("-number").first()


def amendment_redline(amendment: Amendment, block: Block | None) -> str:
    """The amendment as a redline against its block: escaped, with <ins> and <del>."""
    old = block.text if block is not None else ""
    if amendment.action == Amendment.Action.DELETE:
        return diff.render_html(diff.diff_block(amendment.block_key, old, None))
    new = amendment.adopted_text or amendment.text
    if amendment.action == Amendment.Action.INSERT:
        return diff.render_html(diff.diff_block(amendment.block_key, None, new))
    return diff.render_html(diff.diff_block(amendment.block_key, old, new))


@dataclass
class BlockWithAmendments:
    block: Block
    amendments: list[tuple[Amendment, str]] = field(default_factory=list)  # with redline


def draft_with_amendments(*, conference: Conference) -> list[BlockWithAmendments]:
    """Each block of the draft with the amendments to it (grouped: they collide), each
    with its redline, under the block's number."""
    version = draft_version(conference=conference)
    if version is None:
        return []
    blocks = [b for b in version.blocks.order_by("position") if b.kind != Block.Kind.LIST]
    by_key: dict[str, list[Amendment]] = {}
    amendments = (
        Amendment.objects.filter(conference=conference, version=version)
        .select_related("proposer")
        .prefetch_related("cosigners")
        .order_by("number")
    )
    for amendment in amendments:
        by_key.setdefault(amendment.block_key, []).append(amendment)
    rows = []
    for block in blocks:
        row = BlockWithAmendments(block=block)
        for amendment in by_key.get(block.key, []):
            row.amendments.append((amendment, amendment_redline(amendment, block)))
        rows.append(row)
    return rows


def amendment_get(*, conference: Conference, number: int) -> Amendment:
    amendment = (
        Amendment.objects.select_related("proposer", "version", "parent")
        .filter(conference=conference, number=number)
        .first()
    )
    if amendment is None:
        raise Http404
    return amendment


def ballots_list(*, conference: Conference) -> list[Ballot]:
    return list(conference.ballots.select_related("amendment").order_by("pk"))


def ballot_get(*, conference: Conference, pk: int) -> Ballot:
    ballot = Ballot.objects.filter(conference=conference, pk=pk).first()
    if ballot is None:
        raise Http404
    return ballot


def vote_of(*, ballot: Ballot, delegate: Delegate | None) -> Vote | None:
    if delegate is None:
        return None
    return Vote.objects.filter(ballot=ballot, delegate=delegate).first()


def roll_call(*, ballot: Ballot) -> list[Vote]:
    """Who voted what, in a named ballot once it is closed: delegations by name."""
    if ballot.secret or ballot.state != Ballot.State.CLOSED:
        return []
    return list(
        Vote.objects.filter(ballot=ballot)
        .select_related("delegate", "delegate__participant")
        .order_by("delegate__participant__name", "delegate__name")
    )


def results_visible(*, ballot: Ballot, delegate: Delegate | None) -> bool:
    """The chair sees results as they come; everyone once the chair publishes them or the
    ballot is closed."""
    return (
        (delegate is not None and delegate.chairs)
        or ballot.results_public
        or (ballot.state == Ballot.State.CLOSED)
    )


def decisions(*, conference: Conference) -> list[Amendment]:
    """Amendments that have an outcome, for the public record."""
    decided = [
        s
        for s in Amendment.Status.values
        if s not in {Amendment.Status.SUBMITTED, Amendment.Status.ADMITTED}
    ]
    return list(
        Amendment.objects.filter(conference=conference, status__in=decided)
        .select_related("proposer")
        .order_by("number")
    )


def documents_visible(*, conference: Conference, delegate: Delegate | None) -> list:
    """Published documents; delegates also see what was submitted and not yet reviewed."""
    documents = conference.documents.select_related("participant").order_by("created")
    if delegate is None:
        documents = documents.filter(status="published")
    elif not delegate.chairs:
        documents = documents.exclude(status="rejected")
    return list(documents)


def document_get(*, conference: Conference, pk: int, delegate: Delegate | None):
    for document in documents_visible(conference=conference, delegate=delegate):
        if document.pk == pk:
            return document
    raise Http404


@dataclass
class Record:
    """The record of decisions: what became of each amendment, each ballot's result and
    the text adopted."""

    conference: Conference
    amendments: list[Amendment]
    ballots: list[tuple[Ballot, list[str]]]  # with the arithmetic of the verdict
    adopted: StatementVersion | None


def conference_record(*, conference: Conference) -> Record:
    from undersigned.assembly.services import ballot_verdict

    closed = [b for b in ballots_list(conference=conference) if b.state == Ballot.State.CLOSED]
    ballots = [(b, ballot_verdict(b).lines if b.yes + b.no else []) for b in closed]
    adopted = None
    statement = conference.statement
    if statement is not None and statement.is_public:
        adopted = statement.versions.filter(published_at__isnull=False).order_by("-number").first()
    amendments = list(
        Amendment.objects.filter(conference=conference)
        .select_related("proposer")
        .order_by("number")
    )
    return Record(conference=conference, amendments=amendments, ballots=ballots, adopted=adopted)
