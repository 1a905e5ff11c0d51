"""Every write of a conference. Each function owns its transaction and writes an audit
entry; who may do what is checked here too (ConferenceError says why not)."""

from __future__ import annotations

import functools
import logging
import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from undersigned.assembly.majority import Count, Verdict, decide
from undersigned.assembly.models import (
    Amendment,
    Ballot,
    Conference,
    Delegate,
    Document,
    Participant,
    Vote,
)
from undersigned.assembly.selectors import (
    block_text_now,
    can_rework,
    draft_version,
    replacements_in_order,
)
from undersigned.core.audit import audit_record
from undersigned.core.bulk import RowTemplate
from undersigned.core.text import clean_email, clean_line
from undersigned.signatures.writer import writer_client
from undersigned.statements import parsing
from undersigned.statements.models import Block, Statement, StatementVersion
from undersigned.statements.services import (
    language_code,
    statement_publish,
    translations_request,
    version_create,
)

logger = logging.getLogger(__name__)


class ConferenceError(Exception):
    """What was asked cannot be done; the message says why, for the person who asked."""


def _require_chair(delegate: Delegate) -> None:
    if not delegate.chairs:
        raise ConferenceError(_("Only the chair or the secretariat can do this."))


# --- the conference and its people ------------------------------------------------------------


@transaction.atomic
def conference_create(
    *,
    title: str,
    starts_on: date,
    ends_on: date,
    place: str = "",
    description: str = "",
    hosts: str = "",
    languages: list[str] | None = None,
    statement: Statement | None = None,
    slug: str = "",
    actor_label: str = "",
) -> Conference:
    if ends_on < starts_on:
        raise ValidationError(_("The conference cannot end before it starts."))
    conference = Conference.objects.create(
        slug=slug or slugify(title)[:60] or "conference",
        title=clean_line(title, max_length=300),
        starts_on=starts_on,
        ends_on=ends_on,
        place=place.strip(),
        description=description.strip(),
        hosts=hosts.strip(),
        languages=languages or [],
        statement=statement,
    )
    audit_record(action="conference.create", target=conference, actor_label=actor_label, data={})
    return conference


@transaction.atomic
def participant_add(
    *, conference: Conference, name: str, country: str, network: str = "", actor_label: str = ""
) -> Participant:
    participant = Participant.objects.create(
        conference=conference,
        name=clean_line(name, max_length=200),
        country=country,
        network=clean_line(network, max_length=200, required=False),
    )
    audit_record(
        action="participant.add",
        target=participant,
        actor_label=actor_label,
        data={"conference": conference.pk, "name": participant.name},
    )
    return participant


@transaction.atomic
def delegate_add(
    *,
    conference: Conference,
    email: str,
    name: str,
    participant: Participant | None = None,
    role: str = Delegate.Role.DELEGATE,
    weight: int = 1,
    language: str = "en",
    actor_label: str = "",
) -> Delegate:
    """Invite a person: an account for their email (no password: they sign in with the
    link of their invitation) and their place in the conference. Returns the delegate;
    the link is `reverse("assembly:login_link", args=[delegate.token])`, mailed by
    tasks.send_invitation once the transaction commits."""
    email = clean_email(email)
    User = get_user_model()
    user, created = User.objects.get_or_create(username=email.casefold(), defaults={"email": email})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    delegate = Delegate.objects.create(
        conference=conference,
        participant=participant,
        user=user,
        name=clean_line(name, max_length=200),
        role=role,
        weight=weight,
        language=language,
        token=secrets.token_urlsafe(32),
    )
    from undersigned.assembly.tasks import send_invitation

    # Queued in this transaction: the invitation goes out exactly when the delegate exists.
    send_invitation.enqueue(delegate.pk)
    audit_record(
        action="delegate.add",
        target=delegate,
        actor_label=actor_label,
        data={"conference": conference.pk, "role": role, "weight": weight},
    )
    return delegate


def delegate_for_token(*, token: str) -> Delegate | None:
    if not token or len(token) > 100:
        return None
    return Delegate.objects.select_related("conference", "user").filter(token=token).first()


# --- amendments -------------------------------------------------------------------------------


def _block(version: StatementVersion, key: str) -> Block:
    block = version.blocks.filter(key=key).exclude(kind=Block.Kind.LIST).first()
    if block is None:
        raise ConferenceError(_("There is no such block in this version."))
    return block


@transaction.atomic
def amendment_submit(
    *,
    delegate: Delegate,
    version: StatementVersion,
    block_key: str,
    action: str,
    text: str,
    justification: str,
    parent: Amendment | None = None,
) -> Amendment:
    conference = delegate.conference
    if delegate.role == Delegate.Role.OBSERVER or delegate.participant is None:
        raise ConferenceError(_("Only delegations can submit amendments."))
    deadline = conference.amendment_deadline
    if deadline is not None and timezone.now() > deadline:
        raise ConferenceError(_("The deadline for amendments has passed."))
    if conference.statement_id != version.statement_id:
        raise ConferenceError(_("This text is not the conference's draft."))
    _block(version, block_key)
    if action not in Amendment.Action.values:
        raise ConferenceError(_("Unknown kind of change."))
    text = text.strip()
    if action != Amendment.Action.DELETE and not text:
        raise ConferenceError(_("Write the new text."))
    if not justification.strip():
        raise ConferenceError(_("Give a justification."))
    if parent is not None and (parent.conference_id != conference.pk or not parent.is_open):
        raise ConferenceError(_("That amendment cannot be amended any more."))
    last = (
        Amendment.objects.select_for_update()
        .filter(conference=conference)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    amendment = Amendment.objects.create(
        conference=conference,
        number=(last or 0) + 1,
        version=version,
        block_key=block_key,
        action=action,
        text="" if action == Amendment.Action.DELETE else text,
        justification=justification.strip(),
        proposer=delegate.participant,
        submitted_by=delegate,
        parent=parent,
    )
    audit_record(
        action="amendment.submit",
        target=amendment,
        actor=delegate.user,
        data={"number": amendment.number, "block": block_key, "change": action},
    )
    return amendment


@transaction.atomic
def amendment_cosign(*, amendment: Amendment, delegate: Delegate) -> None:
    if delegate.participant is None or delegate.conference_id != amendment.conference_id:
        raise ConferenceError(_("Only delegations can co-sign."))
    if delegate.participant_id == amendment.proposer_id:
        raise ConferenceError(_("Your delegation proposed this amendment."))
    amendment.cosigners.add(delegate.participant)
    audit_record(
        action="amendment.cosign",
        target=amendment,
        actor=delegate.user,
        data={"participant": delegate.participant_id},
    )


_DECISIONS = {
    Amendment.Status.ADMITTED,
    Amendment.Status.INADMISSIBLE,
    Amendment.Status.ADOPTED,
    Amendment.Status.ADOPTED_MODIFIED,
    Amendment.Status.REJECTED,
    Amendment.Status.WITHDRAWN,
    Amendment.Status.REFERRED,
    Amendment.Status.OBSOLETE,
    Amendment.Status.MERGED,
}


@transaction.atomic
def amendment_decide(
    *,
    amendment: Amendment,
    status: str,
    by: Delegate,
    reason: str = "",
    adopted_text: str = "",
    referred_to: str = "",
    merged_into: int | None = None,
    referred_conference: Conference | None = None,
) -> list[Amendment]:
    """Record what became of an amendment. The secretariat admits it or declares it
    inadmissible (with a reason); after the vote it is adopted (perhaps with a modified
    text), rejected or referred (to a later conference or a committee); its proposer may
    withdraw it. Adopting one marks the other open amendments to the same block: those
    that would change a deleted block become obsolete, the others need a rebase.
    Returns the amendments so marked.

    Deciding again what is already decided (the same outcome, reason and text, as when
    a ballot has adopted the amendment and the secretariat then records "adopted") writes
    nothing."""
    amendment = Amendment.objects.select_for_update().get(pk=amendment.pk)
    if status not in _DECISIONS:
        raise ConferenceError(_("Unknown decision."))
    if by.conference_id != amendment.conference_id:
        raise ConferenceError(_("This amendment belongs to another conference."))
    if amendment.carried_over.exists():
        raise ConferenceError(
            _("A later conference has taken this amendment up: it is decided there.")
        )
    if status == Amendment.Status.WITHDRAWN:
        if by.participant_id != amendment.proposer_id and not by.chairs:
            raise ConferenceError(_("Only its proposer can withdraw an amendment."))
    else:
        _require_chair(by)
    if status == Amendment.Status.INADMISSIBLE and not reason.strip():
        raise ConferenceError(_("Say why the amendment is inadmissible."))
    modified_without_text = (
        status == Amendment.Status.ADOPTED_MODIFIED
        and not adopted_text.strip()
        and amendment.action != Amendment.Action.DELETE
    )
    if modified_without_text:
        raise ConferenceError(_("Give the text as adopted."))
    if referred_conference is not None:
        if status != Amendment.Status.REFERRED or referred_conference == amendment.conference:
            raise ConferenceError(_("Only a referred amendment goes to another conference."))
        referred_to = referred_to.strip() or referred_conference.title
    if status == Amendment.Status.REFERRED and not referred_to.strip():
        raise ConferenceError(_("Say where the amendment is referred to."))
    target = None
    if status == Amendment.Status.MERGED:
        # Merged editorially into another amendment, which carries both from now on.
        target = Amendment.objects.filter(
            conference=amendment.conference, number=merged_into or 0
        ).first()
        if target is None or target.pk == amendment.pk or not target.is_open:
            raise ConferenceError(_("Give the number of an open amendment to merge into."))
    return _decide(
        amendment,
        status=status,
        actor=by,
        reason=reason,
        adopted_text=adopted_text,
        referred_to=referred_to,
        merged_into=target,
        referred_conference=referred_conference,
    )


def _decide(
    amendment: Amendment,
    *,
    status: str,
    actor: Delegate,
    reason: str = "",
    adopted_text: str = "",
    referred_to: str = "",
    merged_into: Amendment | None = None,
    referred_conference: Conference | None = None,
    ballot: Ballot | None = None,
) -> list[Amendment]:
    """Write a decision on a locked amendment, mark its rivals when it is adopted, and
    audit it (with the ballot, when the decision is a ballot's verdict)."""
    previous = amendment.status
    before = _decision_fields(amendment)
    amendment.status = status
    amendment.reason = reason.strip()
    amendment.referred_to = referred_to.strip()
    amendment.merged_into = merged_into
    amendment.referred_conference = referred_conference
    if status in Amendment.ADOPTED_STATES:
        amendment.adopted_text = (
            (adopted_text.strip() or amendment.text)
            if (amendment.action != Amendment.Action.DELETE)
            else ""
        )
    if _decision_fields(amendment) == before:
        return []
    amendment.save()
    marked: list[Amendment] = []
    if status in Amendment.ADOPTED_STATES:
        others = (
            Amendment.objects.select_for_update()
            .filter(
                conference=amendment.conference,
                version=amendment.version,
                block_key=amendment.block_key,
                status__in=Amendment.OPEN,
            )
            .exclude(pk=amendment.pk)
        )
        for other in others:
            if other.action == Amendment.Action.INSERT and amendment.action != "delete":
                continue  # a block inserted after this one still fits
            other.status = (
                Amendment.Status.OBSOLETE
                if amendment.action == Amendment.Action.DELETE
                else Amendment.Status.NEEDS_REBASE
            )
            other.save(update_fields=["status"])
            marked.append(other)
    data = {
        "from": previous,
        "to": status,
        "reason": amendment.reason,
        "referred_to": amendment.referred_to,
        "merged_into": merged_into.number if merged_into else None,
        "referred_conference": referred_conference.pk if referred_conference else None,
        "marked": [other.number for other in marked],
    }
    if ballot is not None:
        data["ballot"] = ballot.pk
    audit_record(action="amendment.decide", target=amendment, actor=actor.user, data=data)
    return marked


def _decision_fields(amendment: Amendment) -> tuple:
    return (
        amendment.status,
        amendment.reason,
        amendment.referred_to,
        amendment.merged_into_id,
        amendment.referred_conference_id,
        amendment.adopted_text,
    )


def _decide_by_ballot(ballot: Ballot, by: Delegate) -> dict | None:
    """A ballot on an amendment has its verdict: the amendment is adopted or rejected
    accordingly, in the ballot's transaction. An amendment the secretariat has decided
    already (by hand: adopted, with modification, referred, withdrawn ...) is left as it
    is; "adopted with modification" stays the secretariat's decision, taken after the
    vote. Returns what happened, for the ballot's audit entry."""
    if ballot.amendment_id is None or ballot.adopted is None:
        return None
    amendment = Amendment.objects.select_for_update().get(pk=ballot.amendment_id)
    if not amendment.is_open:
        return {"number": amendment.number, "status": amendment.status, "changed": False}
    status = Amendment.Status.ADOPTED if ballot.adopted else Amendment.Status.REJECTED
    marked = _decide(amendment, status=status, actor=by, ballot=ballot)
    return {
        "number": amendment.number,
        "status": status,
        "changed": True,
        "marked": [other.number for other in marked],
    }


@transaction.atomic
def amendment_rebase(
    *, amendment: Amendment, by: Delegate, text: str = "", justification: str = ""
) -> Amendment:
    """Rewrite an amendment that needs a rebase against the block's current text (the
    text as the adopted amendment made it). It stays attached to the version the
    conference amends, so that consolidation still starts from one version, and records
    the text it is now written against (`base_text`); consolidation applies it after the
    amendment whose text that is. Back to "submitted" for the secretariat to admit, or
    "admitted" when the secretariat rebases it itself."""
    amendment = (
        Amendment.objects.select_for_update()
        .select_related("submitted_by", "version")
        .get(pk=amendment.pk)
    )
    if not can_rework(amendment=amendment, delegate=by):
        raise ConferenceError(_("Only its proposer or the secretariat can rebase an amendment."))
    if amendment.status != Amendment.Status.NEEDS_REBASE:
        raise ConferenceError(_("This amendment does not need a rebase."))
    current = block_text_now(
        conference=amendment.conference,
        version=amendment.version,
        block_key=amendment.block_key,
        exclude=amendment.pk,
    )
    if current is None:
        raise ConferenceError(_("The block has been deleted: this amendment is obsolete."))
    text = text.strip()
    if amendment.action == Amendment.Action.DELETE:
        text = ""
    elif not text:
        raise ConferenceError(_("Write the new text."))
    elif amendment.action == Amendment.Action.REPLACE and text == current:
        raise ConferenceError(_("The new text is the same as the current text."))
    block_text = _block(amendment.version, amendment.block_key).text
    previous_text, previous_base = amendment.text, amendment.base_text
    amendment.text = text
    amendment.base_text = "" if current == block_text else current
    if justification.strip():
        amendment.justification = justification.strip()
    amendment.status = Amendment.Status.ADMITTED if by.chairs else Amendment.Status.SUBMITTED
    amendment.save(update_fields=["text", "base_text", "justification", "status"])
    audit_record(
        action="amendment.rebase",
        target=amendment,
        actor=by.user,
        data={
            "number": amendment.number,
            "to": amendment.status,
            "previous_text": previous_text,
            "previous_base": previous_base,
            "base": amendment.base_text,
        },
    )
    return amendment


@transaction.atomic
def amendment_take_up(*, amendment: Amendment, by: Delegate, block_key: str = "") -> Amendment:
    """The follow-up conference's secretariat takes up an amendment referred to it: a
    new amendment of this conference, numbered here, that carries the original over
    (`carried_from`: who submitted it, its co-signers, its ballots and the referral
    decision stay on the original, as its history). It is then balloted and decided
    here; the original stays "referred" in the record of the first conference.

    Its target: the block with the same key in the version this conference amends (a
    block keeps its key from version to version of a statement). When that block's
    text is still the one the amendment was written against, it is admitted; when the
    block has changed since, it needs a rebase, and its redline stays against the text
    it was written against until its proposer or the secretariat rebases it. When the
    block is gone, or this conference amends another statement, the secretariat names
    the block it applies to (`block_key`), and the same rule applies. An insertion
    still fits after a changed block, as it does when an amendment is adopted."""
    _require_chair(by)
    conference = by.conference
    original = (
        Amendment.objects.select_for_update()
        .select_related("version", "proposer", "submitted_by")
        .get(pk=amendment.pk)
    )
    if (
        original.status != Amendment.Status.REFERRED
        or original.referred_conference_id != conference.pk
    ):
        raise ConferenceError(_("This amendment is not referred to this conference."))
    taken = Amendment.objects.filter(conference=conference, carried_from=original).first()
    if taken is not None:
        raise ConferenceError(
            _("This amendment is taken up already, as amendment %(number)d.")
            % {"number": taken.number}
        )
    version = draft_version(conference=conference)
    if version is None:
        raise ConferenceError(_("This conference has no draft to amend yet."))
    key = block_key or original.block_key
    same_text = version.statement_id == original.version.statement_id
    if not block_key and not same_text:
        raise ConferenceError(
            _("The amendment was made to another text: choose the block it applies to.")
        )
    block = version.blocks.filter(key=key).exclude(kind=Block.Kind.LIST).first()
    if block is None:
        raise ConferenceError(
            _("Its block is not in this conference's draft: choose the block it applies to.")
        )
    written_against = original.base_text or _block(original.version, original.block_key).text
    current = block_text_now(conference=conference, version=version, block_key=key)
    if current is None:
        status = Amendment.Status.OBSOLETE
    elif original.action == Amendment.Action.INSERT or current == written_against:
        status = Amendment.Status.ADMITTED
    else:
        status = Amendment.Status.NEEDS_REBASE
    participant = (
        conference.participants.filter(name__iexact=original.proposer.name).first()
        or original.proposer
    )
    last = (
        Amendment.objects.select_for_update()
        .filter(conference=conference)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    try:
        with transaction.atomic():
            carried = Amendment.objects.create(
                conference=conference,
                number=(last or 0) + 1,
                version=version,
                block_key=key,
                action=original.action,
                text=original.text,
                justification=original.justification,
                proposer=participant,
                submitted_by=original.submitted_by,
                status=status,
                carried_from=original,
                base_text="" if written_against == block.text else written_against,
            )
    except IntegrityError as exc:
        raise ConferenceError(_("This amendment is taken up already.")) from exc
    audit_record(
        action="amendment.take_up",
        target=carried,
        actor=by.user,
        data={
            "number": carried.number,
            "from_conference": original.conference_id,
            "from_number": original.number,
            "version": version.number,
            "block": key,
            "status": status,
        },
    )
    return carried


# --- ballots ----------------------------------------------------------------------------------


@transaction.atomic
def ballot_create(
    *,
    conference: Conference,
    by: Delegate,
    title: str,
    amendment: Amendment | None = None,
    version: StatementVersion | None = None,
    mode: str = Ballot.Mode.ELECTRONIC,
    secret: bool = False,
    abstain_allowed: bool = True,
    fraction: tuple[int, int] = (1, 2),
    strict: bool = True,
    base: str = Ballot.Base.CAST,
    quorum: tuple[int, int] | None = None,
    quorum_of: str = "",
) -> Ballot:
    _require_chair(by)
    if amendment is not None and amendment.conference_id != conference.pk:
        raise ConferenceError(_("This amendment belongs to another conference."))
    numerator, denominator = fraction
    if not 0 < numerator <= denominator:
        raise ConferenceError(_("The required fraction must lie between 0 and 1."))
    ballot = Ballot(
        conference=conference,
        title=clean_line(title, max_length=300),
        amendment=amendment,
        version=version,
        mode=mode,
        secret=secret,
        abstain_allowed=abstain_allowed,
        fraction_numerator=numerator,
        fraction_denominator=denominator,
        strict=strict,
        base=base,
        quorum_numerator=quorum[0] if quorum else None,
        quorum_denominator=quorum[1] if quorum else None,
        quorum_of=quorum_of if quorum else "",
    )
    try:
        ballot.policy  # noqa: B018 - validates the policy
    except ValueError as exc:
        raise ConferenceError(str(exc)) from exc
    ballot.save()
    audit_record(action="ballot.create", target=ballot, actor=by.user, data={"title": title})
    return ballot


def entitled_weight(conference: Conference) -> int:
    return sum(
        Delegate.objects.filter(conference=conference, role=Delegate.Role.DELEGATE).values_list(
            "weight", flat=True
        )
    )


@transaction.atomic
def ballot_open(*, ballot: Ballot, by: Delegate, present: int | None = None) -> Ballot:
    _require_chair(by)
    ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
    if ballot.state != Ballot.State.DRAFT or ballot.mode != Ballot.Mode.ELECTRONIC:
        raise ConferenceError(_("Only an electronic ballot that is not open yet can be opened."))
    if present is not None:
        _check_present(ballot, present)
    ballot.state = Ballot.State.OPEN
    ballot.opened_at = timezone.now()
    ballot.present = present if present is not None else ballot.present
    ballot.save(update_fields=["state", "opened_at", "present"])
    audit_record(
        action="ballot.open", target=ballot, actor=by.user, data={"present": ballot.present}
    )
    return ballot


def _check_present(ballot: Ballot, present: int) -> None:
    """Those present (in votes, as the counts are: a delegation with 3 votes counts 3)
    are at least the votes cast so far and, electronically, where every vote is a
    delegate's, at most those entitled."""
    cast = ballot.yes + ballot.no + ballot.abstain
    if present < 0:
        raise ConferenceError(_("The number present cannot be negative."))
    if ballot.mode == Ballot.Mode.ELECTRONIC:
        entitled = entitled_weight(ballot.conference)
        if present > entitled:
            raise ConferenceError(
                _("The number present cannot exceed those entitled to vote (%(entitled)d).")
                % {"entitled": entitled}
            )
    if present < cast:
        raise ConferenceError(
            _("More votes were cast (%(cast)d) than that number present.") % {"cast": cast}
        )


@transaction.atomic
def ballot_set_present(*, ballot: Ballot, by: Delegate, present: int) -> Ballot:
    """The number present at an electronic ballot, counted in the hall or by roll call,
    before or after the close: a base of "present" and a quorum use it. A ballot closed
    without it, whose majority needs it, has its verdict now (and its amendment its
    outcome). Once a verdict that depends on it is stated, it no longer changes."""
    _require_chair(by)
    ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
    if ballot.conference_id != by.conference_id:
        raise ConferenceError(_("This ballot belongs to another conference."))
    if ballot.mode != Ballot.Mode.ELECTRONIC:
        raise ConferenceError(_("For a ballot in the hall, enter those present with the counts."))
    closed = ballot.state == Ballot.State.CLOSED
    if closed and ballot.adopted is not None and ballot.needs_present:
        raise ConferenceError(
            _("The verdict is stated: the number present can no longer change it.")
        )
    _check_present(ballot, present)
    ballot.present = present
    data: dict = {"present": present}
    if closed and ballot.adopted is None:
        ballot.adopted = ballot_verdict(ballot).adopted
        data["adopted"] = ballot.adopted
    ballot.save(update_fields=["present", "adopted"])
    outcome = _decide_by_ballot(ballot, by) if "adopted" in data else None
    if outcome is not None:
        data["amendment"] = outcome
    audit_record(action="ballot.present", target=ballot, actor=by.user, data=data)
    return ballot


@functools.cache
def _vote_row() -> RowTemplate:
    """Votes are written by a prepared INSERT (core/bulk.py): the ORM's save was a fifth
    of a vote's cost, with 2,000 delegates voting at once."""
    return RowTemplate(Vote, varying=["ballot", "delegate", "yes", "no", "abstain"])


BALLOT_TOTALS = ("yes", "no", "abstain", "voters")


@functools.cache
def _count_vote_sql() -> str:
    """Adds one vote to an open ballot's totals; prepared once, not compiled for each of
    2,000 votes while the write lock is held."""
    ops = connection.ops
    meta = Ballot._meta
    column = {name: ops.quote_name(meta.get_field(name).column) for name in BALLOT_TOTALS}
    sets = ", ".join(f"{column[name]} = {column[name]} + %s" for name in BALLOT_TOTALS)
    return (
        f"UPDATE {ops.quote_name(meta.db_table)} SET {sets} "  # noqa: S608 - names only
        f"WHERE {ops.quote_name(meta.pk.column)} = %s "
        f"AND {ops.quote_name(meta.get_field('state').column)} = %s"
    )


@dataclass(frozen=True)
class VoteRequest:
    """A vote that vote_cast has checked, ready to be written (here or by the writer
    process, which gets it as JSON: plain values only)."""

    ballot_id: int
    delegate_id: int
    actor_id: int | None
    yes: int
    no: int
    abstain: int
    secret: bool


# What votes_write says of a vote it did not write.
VOTE_CLOSED = "closed"
VOTE_REPEATED = "voted"


def votes_write(requests: list[VoteRequest]) -> list[int | str]:
    """Write votes in one transaction (a savepoint, inside a caller's): for each, its new
    id, or VOTE_CLOSED or VOTE_REPEATED when it was not written (nothing of it stays).

    Each vote adds to its ballot's totals only while the ballot is open, and the one-vote
    constraint refuses a second vote of a delegate. The machine's writer process runs
    this for the votes that arrive together (group commit: one durable commit for all);
    vote_cast runs it for one vote when there is no writer process."""
    now = timezone.now()
    rows = _vote_row().at(now, cast_at=now)
    sql = _count_vote_sql()
    outcomes: list[int | str] = []
    with transaction.atomic(), connection.cursor() as cursor:
        for request in requests:
            try:
                with transaction.atomic():
                    cursor.execute(
                        sql,
                        [
                            request.yes,
                            request.no,
                            request.abstain,
                            1,
                            request.ballot_id,
                            Ballot.State.OPEN,
                        ],
                    )
                    if cursor.rowcount != 1:
                        outcomes.append(VOTE_CLOSED)
                        continue
                    (key,) = rows.insert(
                        [
                            rows.row(
                                request.ballot_id,
                                request.delegate_id,
                                request.yes,
                                request.no,
                                request.abstain,
                            )
                        ]
                    )
                    if not request.secret:
                        audit_record(
                            action="vote.cast",
                            target=Ballot(pk=request.ballot_id),
                            actor=get_user_model()(pk=request.actor_id)
                            if request.actor_id
                            else None,
                            data={
                                "ballot": request.ballot_id,
                                "delegate": request.delegate_id,
                                "yes": request.yes,
                                "no": request.no,
                                "abstain": request.abstain,
                            },
                        )
            except IntegrityError:
                outcomes.append(VOTE_REPEATED)
            else:
                outcomes.append(key)
    return outcomes


def vote_cast(*, ballot: Ballot, delegate: Delegate, yes: int, no: int, abstain: int) -> Vote:
    """One vote: the delegate's weight split between yes, no and abstain (all of it on one
    answer when the weight is 1). A second vote is refused by the database itself.

    Under `undersigned serve` the machine's writer process writes it, together with the
    other votes (and signatures) that arrive meanwhile, and this returns once they have
    committed; else it is written here (votes_write).

    A vote in a named ballot is audited, with its choice. A vote in a secret ballot
    writes no entry: its time, next to the live totals, could tell the choice. ballot_close
    writes who took part instead, all at once, stamped with the close."""
    if delegate.conference_id != ballot.conference_id or not delegate.can_vote:
        raise ConferenceError(_("You have no vote in this ballot."))
    if min(yes, no, abstain) < 0 or yes + no + abstain != delegate.weight:
        raise ConferenceError(
            _("Your votes must add up to %(weight)d.") % {"weight": delegate.weight}
        )
    if abstain and not ballot.abstain_allowed:
        raise ConferenceError(_("Abstention is not an option in this ballot."))
    request = VoteRequest(
        ballot_id=ballot.pk,
        delegate_id=delegate.pk,
        actor_id=delegate.user_id,
        yes=yes,
        no=no,
        abstain=abstain,
        secret=ballot.secret,
    )
    client = writer_client()
    outcome = client.vote(request) if client is not None else votes_write([request])[0]
    if outcome == VOTE_CLOSED:
        raise ConferenceError(_("This ballot is not open."))
    if outcome == VOTE_REPEATED:
        raise ConferenceError(_("You have voted already."))
    return Vote(
        pk=outcome,
        ballot=ballot,
        delegate=delegate,
        yes=yes,
        no=no,
        abstain=abstain,
        cast_at=timezone.now(),
    )


@transaction.atomic
def ballot_close(*, ballot: Ballot, by: Delegate) -> Ballot:
    """Close an electronic ballot: the totals are counted again from the votes, the
    verdict stated, and the amendment voted on adopted or rejected accordingly. When the
    majority counts those present and their number is not entered yet, the verdict waits
    for it (ballot_set_present).

    In a secret ballot each vote's choice and time are erased, and the close's audit
    entry names the delegates who took part (by id, not in the order they voted): the
    only record of their participation, with no choice and no time of its own."""
    _require_chair(by)
    ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
    if ballot.state != Ballot.State.OPEN:
        raise ConferenceError(_("This ballot is not open."))
    votes = Vote.objects.filter(ballot=ballot)
    totals = {"yes": 0, "no": 0, "abstain": 0}
    voters = 0
    participants: list[int] = []
    rows = votes.values_list("delegate_id", "yes", "no", "abstain").order_by("delegate_id")
    for delegate_id, yes, no, abstain in rows.iterator():
        totals["yes"] += yes or 0
        totals["no"] += no or 0
        totals["abstain"] += abstain or 0
        voters += 1
        participants.append(delegate_id)
    ballot.yes, ballot.no, ballot.abstain, ballot.voters = (
        totals["yes"],
        totals["no"],
        totals["abstain"],
        voters,
    )
    cast = sum(totals.values())
    if ballot.present is not None and ballot.present < cast:
        raise ConferenceError(
            _(
                "More votes were cast (%(cast)d) than the number present (%(present)d):"
                " correct the number present."
            )
            % {"cast": cast, "present": ballot.present}
        )
    ballot.state = Ballot.State.CLOSED
    ballot.closed_at = timezone.now()
    verdict = ballot_verdict(ballot)
    ballot.adopted = verdict.adopted if verdict is not None else None
    ballot.save()
    data = {**totals, "voters": voters, "adopted": ballot.adopted, "present": ballot.present}
    outcome = _decide_by_ballot(ballot, by)
    if outcome is not None:
        data["amendment"] = outcome
    if ballot.secret:
        # No link between voter and choice survives: only that each delegate voted. The
        # rows are written again in the order of the delegates, since their ids, given
        # as the votes came in, told the order of voting.
        with erasing():
            votes.delete()
            Vote.objects.bulk_create(
                [Vote(ballot=ballot, delegate_id=delegate_id) for delegate_id in participants]
            )
        data["delegates"] = participants
    audit_record(action="ballot.close", target=ballot, actor=by.user, data=data)
    return ballot


@contextmanager
def erasing():
    """Deletes in this block leave nothing of the deleted rows on disk, on SQLite.

    SQLite frees a deleted row's bytes without overwriting them, unless secure_delete is
    on (Debian builds it on by default, others do not), so it is set on this connection
    for the block. And the old pages stay in the write-ahead log until a checkpoint
    copies the new ones over them: once the transaction commits, a TRUNCATE checkpoint
    does that and empties the -wal file. PostgreSQL keeps dead rows until VACUUM; this
    does nothing there."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA secure_delete")
        previous = cursor.fetchone()[0]
        cursor.execute("PRAGMA secure_delete=ON")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA secure_delete={int(previous)}")
    if not connection.is_in_memory_db():
        transaction.on_commit(_checkpoint)


def _checkpoint() -> None:
    checkpoint = getattr(connection, "checkpoint_wal", None)
    busy = checkpoint() if checkpoint else True
    if busy:
        logger.warning(
            "the write-ahead log could not be emptied after a secret ballot closed:"
            " a reader held it; the next checkpoint will"
        )


@transaction.atomic
def ballot_record(
    *,
    ballot: Ballot,
    by: Delegate,
    yes: int | None = None,
    no: int | None = None,
    abstain: int | None = None,
    present: int | None = None,
    verdict_text: str = "",
    adopted: bool | None = None,
) -> Ballot:
    """The result of a vote in the hall: the counts, or only the verdict as announced
    when hands were not counted (then `adopted` says which way it went). The amendment
    voted on is adopted or rejected accordingly."""
    _require_chair(by)
    ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
    if ballot.mode != Ballot.Mode.RECORDED or ballot.state == Ballot.State.CLOSED:
        raise ConferenceError(_("Only a recorded ballot that is not closed can be recorded."))
    counted = yes is not None and no is not None
    if not counted and (adopted is None or not verdict_text.strip()):
        raise ConferenceError(_("Enter the counts, or the verdict as announced."))
    if counted:
        if present is None and ballot.needs_present:
            raise ConferenceError(_("This majority counts those present: enter their number."))
        ballot.yes, ballot.no, ballot.abstain = yes, no, abstain or 0
        if present is not None:
            _check_present(ballot, present)
        ballot.present = present
    ballot.verdict_text = verdict_text.strip()
    ballot.state = Ballot.State.CLOSED
    ballot.closed_at = timezone.now()
    ballot.adopted = ballot_verdict(ballot).adopted if counted else adopted
    ballot.save()
    data = {
        "yes": yes,
        "no": no,
        "abstain": abstain,
        "present": ballot.present,
        "verdict": ballot.verdict_text,
    }
    outcome = _decide_by_ballot(ballot, by)
    if outcome is not None:
        data["amendment"] = outcome
    audit_record(action="ballot.record", target=ballot, actor=by.user, data=data)
    return ballot


def ballot_verdict(ballot: Ballot) -> Verdict | None:
    """The verdict with its arithmetic, from the ballot's current totals; None while it
    cannot be stated: the majority counts those present, and their number is unknown."""
    if ballot.needs_present and ballot.present is None:
        return None
    entitled = entitled_weight(ballot.conference)
    count = Count(
        yes=ballot.yes,
        no=ballot.no,
        abstain=ballot.abstain,
        present=ballot.present,
        entitled=entitled,
    )
    return decide(ballot.policy, count)


@transaction.atomic
def ballot_publish_results(*, ballot: Ballot, by: Delegate) -> None:
    _require_chair(by)
    Ballot.objects.filter(pk=ballot.pk).update(results_public=True)
    audit_record(action="ballot.publish_results", target=ballot, actor=by.user, data={})


# --- consolidation and adoption ---------------------------------------------------------------


def _tree(version: StatementVersion) -> list[parsing.Block]:
    """The version's blocks as a parser tree that remembers each block's key."""
    nodes: dict[int, parsing.Block] = {}
    roots: list[parsing.Block] = []
    for block in version.blocks.order_by("position"):
        node = parsing.Block(
            kind=block.kind,
            text=block.text,
            number=block.number or None,
            marker=block.marker or None,
            key=block.key,
        )
        nodes[block.pk] = node
        (nodes[block.parent_id].children if block.parent_id else roots).append(node)
    return roots


def _new_block(text: str, like: parsing.Block) -> parsing.Block:
    """An inserted block: read like the import reads text ("4. …" is a section), else a
    block of the kind it follows."""
    read = parsing.parse_body(text)
    if len(read) == 1 and not read[0].children and read[0].kind != "list":
        return read[0]
    return parsing.Block(kind=like.kind if like.kind != "list" else "paragraph", text=text)


def _apply(nodes: list[parsing.Block], amendments: dict[str, list[Amendment]]) -> list:
    result: list[parsing.Block] = []
    for node in nodes:
        changes = amendments.get(node.key or "", [])
        deleted = any(a.action == Amendment.Action.DELETE for a in changes)
        replacing = [a for a in changes if a.action == Amendment.Action.REPLACE]
        for change in replacements_in_order(node.text, replacing):
            node.text = change.adopted_text or change.text
        node.children = _apply(node.children, amendments)
        if not deleted:
            result.append(node)
        for change in changes:
            if change.action == Amendment.Action.INSERT:
                result.append(_new_block(change.adopted_text or change.text, node))
    return result


def _same_text(one: list[parsing.Block], other: list[parsing.Block]) -> bool:
    """The same blocks with the same texts (keys left aside: inserted blocks get new ones)."""
    return [block.as_dict() for block in one] == [block.as_dict() for block in other]


@transaction.atomic
def conference_consolidate(*, conference: Conference, by: Delegate) -> StatementVersion:
    """Apply the adopted amendments to the draft they were made against: the next version
    of the text. Referred amendments stay as they are, for the follow-up conference.

    Safe to repeat: when the latest version already is this text (consolidated before,
    with the same adopted amendments), that version is returned and nothing is written;
    a second copy would leave the final vote on a version that is no longer the latest."""
    _require_chair(by)
    # Locked first, so that two requests at once cannot both find nothing to reuse.
    Statement.objects.select_for_update().filter(pk=conference.statement_id).first()
    adopted = list(
        Amendment.objects.filter(
            conference=conference, status__in=Amendment.ADOPTED_STATES
        ).select_related("version")
    )
    if not adopted:
        raise ConferenceError(_("No amendment has been adopted."))
    bases = {amendment.version_id for amendment in adopted}
    if len(bases) != 1:
        raise ConferenceError(_("The adopted amendments were made against different versions."))
    base = adopted[0].version
    by_block: dict[str, list[Amendment]] = {}
    for amendment in sorted(adopted, key=lambda a: a.number):
        by_block.setdefault(amendment.block_key, []).append(amendment)
    tree = _apply(_tree(base), by_block)
    latest = conference.statement.versions.order_by("-number").first()
    if latest.number > base.number and _same_text(_tree(latest), tree):
        return latest
    version = version_create(
        statement=conference.statement,
        tree=tree,
        base=base,
        actor=by.user,
        note=", ".join(f"A{a.number}" for a in adopted),
    )
    audit_record(
        action="conference.consolidate",
        target=conference,
        actor=by.user,
        data={"version": version.number, "amendments": [a.number for a in adopted]},
    )
    return version


@transaction.atomic
def conference_adopt(*, conference: Conference, ballot: Ballot, by: Delegate) -> Statement:
    """After the final vote on the whole text: publish it, which opens it for signatures,
    and request its translation into the conference's languages (with machine drafts
    queued when a provider is configured), in this one transaction."""
    _require_chair(by)
    if ballot.conference_id != conference.pk or ballot.version_id is None:
        raise ConferenceError(_("This is not a vote on the whole text."))
    ballot = Ballot.objects.get(pk=ballot.pk)
    if ballot.state != Ballot.State.CLOSED or not ballot.adopted:
        raise ConferenceError(_("The text has not been adopted."))
    latest = conference.statement.versions.order_by("-number").first()
    if latest is None or latest.pk != ballot.version_id:
        raise ConferenceError(_("The vote was on another version than the latest one."))
    statement = statement_publish(statement=conference.statement, actor=by.user)
    # A code that is not one (the list was set without the admin's check) is left out:
    # it must not stop the publication of an adopted text.
    languages = [str(code) for code in conference.languages or [] if language_code(str(code))]
    translations_request(statement=statement, languages=languages, actor=by.user)
    audit_record(
        action="conference.adopt",
        target=conference,
        actor=by.user,
        data={"version": latest.number, "ballot": ballot.pk},
    )
    return statement


# --- documents --------------------------------------------------------------------------------

_DOCUMENT_TYPES = {".pdf": "application/pdf", ".txt": "text/plain", ".md": "text/markdown"}


@transaction.atomic
def document_submit(*, delegate: Delegate, title: str, upload) -> Document:
    """A participant's document (PDF, text or Markdown), public once reviewed."""
    from django.conf import settings

    if delegate.participant is None and not delegate.chairs:
        raise ConferenceError(_("Only delegations and the secretariat can submit documents."))
    name = (upload.name or "").rsplit("/", 1)[-1][:200]
    extension = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    content_type = _DOCUMENT_TYPES.get(extension)
    if content_type is None:
        raise ConferenceError(_("Send a PDF, a text or a Markdown file."))
    if upload.size > settings.DOCUMENT_MAX_BYTES:
        raise ConferenceError(_("The file is too large."))
    head = upload.read(2048)
    upload.seek(0)
    if extension == ".pdf" and not head.startswith(b"%PDF-"):
        raise ConferenceError(_("This is not a PDF file."))
    if extension != ".pdf":
        try:
            upload.read().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ConferenceError(_("A text file must be in UTF-8.")) from exc
        upload.seek(0)
    document = Document(
        conference=delegate.conference,
        participant=delegate.participant,
        title=clean_line(title, max_length=300),
        filename=name,
        content_type=content_type,
    )
    document.file.save(name, upload, save=False)
    document.save()
    audit_record(
        action="document.submit", target=document, actor=delegate.user, data={"title": title}
    )
    return document


@transaction.atomic
def document_review(*, document: Document, by: Delegate, publish: bool) -> Document:
    _require_chair(by)
    document.status = Document.Status.PUBLISHED if publish else Document.Status.REJECTED
    document.save(update_fields=["status"])
    audit_record(
        action="document.review", target=document, actor=by.user, data={"status": document.status}
    )
    return document
