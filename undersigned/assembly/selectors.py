"""Reads of a conference: who the visitor is in it, the draft with its amendments under
each block, ballots and their results."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import Http404
from django.utils import timezone

from undersigned.assembly.models import Amendment, Ballot, Conference, Delegate, Vote
from undersigned.core.models import AuditEntry
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


def amendment_redline(amendment: Amendment, block: Block | None, against: str | None = None) -> str:
    """The amendment as a redline against its block (against the text it was written
    against, when rebased or carried over; or `against`, given): escaped, with <ins>
    and <del>."""
    if against is not None:
        old = against
    else:
        old = amendment.base_text or (block.text if block is not None else "")
    if amendment.action == Amendment.Action.DELETE:
        return diff.render_html(diff.diff_block(amendment.block_key, old, None))
    new = amendment.adopted_text or amendment.text
    if amendment.action == Amendment.Action.INSERT:
        return diff.render_html(diff.diff_block(amendment.block_key, None, new))
    return diff.render_html(diff.diff_block(amendment.block_key, old, new))


def can_rework(*, amendment: Amendment, delegate: Delegate | None) -> bool:
    """The secretariat, the proposing delegation, or the person who submitted it (who
    may sit at the follow-up conference for another delegation row) may rework it."""
    if delegate is None or delegate.conference_id != amendment.conference_id:
        return False
    same_delegation = delegate.participant_id is not None and (
        delegate.participant_id == amendment.proposer_id
    )
    return delegate.chairs or same_delegation or delegate.user_id == amendment.submitted_by.user_id


def replacements_in_order(original: str, replacing: list[Amendment]) -> list[Amendment]:
    """The order in which adopted replacements of one block apply: each next one is the
    one written against the text as it stands (a rebased amendment, written against the
    text another amendment made, comes after that one); when none is, the lowest number
    (two amendments adopted against the same text: the later number wins, as before)."""
    remaining = sorted(replacing, key=lambda a: a.number)
    ordered: list[Amendment] = []
    text = original
    while remaining:
        following = next((a for a in remaining if (a.base_text or original) == text), remaining[0])
        remaining.remove(following)
        ordered.append(following)
        text = following.adopted_text or following.text
    return ordered


def block_text_now(
    *, conference: Conference, version: StatementVersion, block_key: str, exclude: int | None = None
) -> str | None:
    """The block's text as the conference has amended it so far: its text in `version`
    with the adopted replacements applied (as consolidation applies them). None when the
    block is not in the version, or an adopted amendment deletes it."""
    block = version.blocks.filter(key=block_key).exclude(kind=Block.Kind.LIST).first()
    if block is None:
        return None
    adopted = list(
        Amendment.objects.filter(
            conference=conference,
            version=version,
            block_key=block_key,
            status__in=Amendment.ADOPTED_STATES,
        ).exclude(pk=exclude)
    )
    if any(a.action == Amendment.Action.DELETE for a in adopted):
        return None
    text = block.text
    replacing = [a for a in adopted if a.action == Amendment.Action.REPLACE]
    for amendment in replacements_in_order(block.text, replacing):
        text = amendment.adopted_text or amendment.text
    return text


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
        .select_related("proposer", "carried_from__conference")
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
        Amendment.objects.select_related(
            "proposer", "version", "parent", "submitted_by", "carried_from__conference"
        )
        .filter(conference=conference, number=number)
        .first()
    )
    if amendment is None:
        raise Http404
    return amendment


@dataclass
class HistoryStep:
    """An amendment at an earlier conference, as it was carried over from there: who
    submitted and co-signed it, its ballots, and who referred it, when and where to."""

    amendment: Amendment
    cosigners: list
    ballots: list[Ballot]
    referred_at: datetime | None
    referred_by: str


def _step(amendment: Amendment) -> HistoryStep:
    referral = (
        AuditEntry.objects.filter(
            action="amendment.decide",
            object_type=Amendment._meta.label_lower,
            object_id=str(amendment.pk),
            data__to=Amendment.Status.REFERRED,
        )
        .order_by("-pk")
        .first()
    )
    referred_by = ""
    if referral is not None and referral.actor_id is not None:
        by = Delegate.objects.filter(
            conference_id=amendment.conference_id, user_id=referral.actor_id
        ).first()
        referred_by = by.name if by else ""
    return HistoryStep(
        amendment=amendment,
        cosigners=list(amendment.cosigners.order_by("name")),
        ballots=list(amendment.ballots.order_by("pk")),
        referred_at=referral.created if referral else None,
        referred_by=referred_by,
    )


def amendment_history(*, amendment: Amendment, itself: bool = False) -> list[HistoryStep]:
    """Where an amendment carried over comes from, the first conference first (an
    amendment may be referred on again); with `itself`, the amendment's own step last."""
    chain: list[Amendment] = [amendment] if itself else []
    current = amendment
    while current.carried_from_id is not None and len(chain) < 50:
        current = Amendment.objects.select_related(
            "conference", "proposer", "submitted_by__participant", "version"
        ).get(pk=current.carried_from_id)
        chain.append(current)
    return [_step(step) for step in reversed(chain)]


@dataclass
class Referral:
    """An amendment referred to this conference: its redline against the text it was
    written against, its history, and the block of this conference's draft it would
    apply to (the same key), if that block is there."""

    amendment: Amendment
    redline: str
    history: list[HistoryStep]
    block_key: str
    marker: str  # of its block where it was written: "3."


def referred_pending(*, conference: Conference) -> list[Referral]:
    """Amendments referred to this conference that its secretariat has not taken up."""
    referred = (
        Amendment.objects.filter(referred_conference=conference, status=Amendment.Status.REFERRED)
        .exclude(carried_over__conference=conference)
        .select_related("conference", "proposer", "submitted_by__participant", "version")
        .order_by("conference__starts_on", "conference_id", "number")
    )
    version = draft_version(conference=conference)
    keys = set(version.blocks.values_list("key", flat=True)) if version is not None else set()
    pending = []
    for amendment in referred:
        block = amendment.version.blocks.filter(key=amendment.block_key).first()
        same_text = version is not None and version.statement_id == amendment.version.statement_id
        pending.append(
            Referral(
                amendment=amendment,
                redline=amendment_redline(amendment, block),
                history=amendment_history(amendment=amendment, itself=True),
                block_key=amendment.block_key if same_text and amendment.block_key in keys else "",
                marker=block.marker if block is not None else "",
            )
        )
    return pending


def referred_get(*, conference: Conference, pk: str | int | None) -> Amendment:
    """An amendment referred to this conference."""
    if not str(pk or "").isdigit():
        raise Http404
    amendment = Amendment.objects.filter(
        referred_conference=conference, status=Amendment.Status.REFERRED, pk=int(pk)
    ).first()
    if amendment is None:
        raise Http404
    return amendment


def adopted_on_block(*, amendment: Amendment) -> list[Amendment]:
    """The adopted amendments that changed the block this amendment targets."""
    return list(
        Amendment.objects.filter(
            conference_id=amendment.conference_id,
            version_id=amendment.version_id,
            block_key=amendment.block_key,
            status__in=Amendment.ADOPTED_STATES,
        )
        .exclude(pk=amendment.pk)
        .order_by("number")
    )


def ballots_list(*, conference: Conference) -> list[Ballot]:
    return list(conference.ballots.select_related("amendment").order_by("pk"))


def ballot_get(*, conference: Conference, pk: int) -> Ballot:
    ballot = Ballot.objects.filter(conference=conference, pk=pk).first()
    if ballot is None:
        raise Http404
    return ballot


# (conference slug, ballot id) -> (monotonic expiry, the ballot), for votes only.
_voting_cache: dict[tuple[str, int], tuple[float, Ballot]] = {}
VOTING_CACHE_SECONDS = 2.0


def _ballot_for_voting(slug: str, pk: int) -> Ballot:
    """The ballot as a vote needs it, read at most every two seconds per process: what a
    vote reads of it (its conference, its options, whether it is secret) is fixed when it
    is made, and whether it is still open is checked by the vote's own write
    (services.votes_write), never from this copy."""
    now = time.monotonic()
    cached = _voting_cache.get((slug, pk))
    if cached is not None and cached[0] > now:
        return cached[1]
    try:
        ballot = Ballot.objects.get(conference__slug=slug, pk=pk)
    except Ballot.DoesNotExist as exc:
        raise Http404 from exc
    if len(_voting_cache) > 1000:
        _voting_cache.clear()
    _voting_cache[(slug, pk)] = (now + VOTING_CACHE_SECONDS, ballot)
    return ballot


def voting_cache_clear() -> None:
    _voting_cache.clear()


def ballot_for_voting(
    *, slug: str, pk: int, user: AbstractBaseUser | AnonymousUser
) -> tuple[Ballot, Delegate | None]:
    """A ballot of the conference `slug`, and the user's delegate in that conference, or
    None: what a vote needs, in at most two single-row lookups. When 2,000 delegates
    vote within seconds, the conference page's three lookups (conference, delegate with
    their organization and account, ballot) were a third of a vote's cost."""
    ballot = _ballot_for_voting(slug, pk)
    if not user.is_authenticated:
        return ballot, None
    try:
        delegate = Delegate.objects.get(conference_id=ballot.conference_id, user_id=user.pk)
    except Delegate.DoesNotExist:
        return ballot, None
    delegate.user = user  # the same account: not read again
    return ballot, delegate


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
    ballots = []
    for ballot in closed:
        verdict = ballot_verdict(ballot) if ballot.yes + ballot.no else None
        ballots.append((ballot, verdict.lines if verdict is not None else []))
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
