"""Every write to signatures. Each function owns its transaction and writes an audit entry.

State machine of a signature:

    pending --confirm--> verified                  (a person)
    pending --confirm--> awaiting_approval --approve--> verified   (an organization)
                                           --reject---> rejected
    any state --withdraw--> withdrawn (name, email, place and address hash erased)

Counters (SignatureCounter) move in the same transaction as the state they count.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from undersigned.core.audit import audit_record
from undersigned.core.net import ip_hash
from undersigned.core.text import confusable_skeleton, normalize_email
from undersigned.signatures import writer
from undersigned.signatures.models import Signature, SignatureCounter
from undersigned.signatures.tasks import MAIL_ALREADY_SIGNED, MAIL_VERIFY, send_signature_mail
from undersigned.statements.models import Statement


class SigningError(Exception):
    """A submission that cannot be taken; `code` says why, for the view to explain."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class RateLimited(SigningError):
    def __init__(self) -> None:
        super().__init__("rate_limited")


# What a submission became: `signature_id`, `created`, `mailed` (and `signature`, loaded
# on first use).
SubmitResult = writer.Written


def language_for_mail(language: str) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    return language if language in codes else settings.LANGUAGE_CODE


def withdraw_token_for(signature: Signature) -> str:
    """A link token that stays valid across resends: derived, never stored."""
    message = f"withdraw:{signature.pk}:{signature.created.isoformat()}".encode()
    digest = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()
    return f"{signature.pk}-{digest[:40]}"


def _counter_add(*, signature: Signature, verified: int, listed: int) -> None:
    key = {
        "statement_id": signature.statement_id,
        "country": str(signature.country),
        "kind": signature.kind,
    }
    changes = {"verified": F("verified") + verified, "listed": F("listed") + listed}
    if SignatureCounter.objects.filter(**key).update(**changes):
        return
    try:
        with transaction.atomic():
            SignatureCounter.objects.create(**key, verified=verified, listed=listed)
    except IntegrityError:
        # Another transaction created the row first; ours now exists to update.
        SignatureCounter.objects.filter(**key).update(**changes)


def count_verified(signature: Signature, direction: int) -> None:
    _counter_add(
        signature=signature,
        verified=direction,
        listed=direction if signature.show_name else 0,
    )


def _can_mail(signature: Signature, now) -> bool:
    if signature.mails_sent >= settings.VERIFICATION_MAX_MAILS:
        return False
    if signature.last_mail_at is None:
        return True
    return now - signature.last_mail_at >= timedelta(minutes=settings.VERIFICATION_RESEND_MINUTES)


def _queue_mail(signature: Signature, mail: str, now) -> None:
    token = ""
    update = ["mails_sent", "last_mail_at"]
    if mail == MAIL_VERIFY:
        token = secrets.token_urlsafe(32)
        signature.token_hash = writer.hash_token(token)
        signature.token_expires = now + timedelta(days=settings.VERIFICATION_TOKEN_DAYS)
        update += ["token_hash", "token_expires"]
    signature.mails_sent += 1
    signature.last_mail_at = now
    signature.save(update_fields=update)
    # Enqueued in this transaction: the mail is durable exactly when the signature is.
    send_signature_mail.enqueue(signature.pk, mail, token)


_STILL_SIGNED = {
    Signature.Status.PENDING,
    Signature.Status.AWAITING_APPROVAL,
    Signature.Status.VERIFIED,
}


def resubmit(signature: Signature, now) -> bool:
    """Someone submitted an email that has signed already. Its owner gets a new link (still
    pending) or a reminder (already counted), within the resend limits; nothing else
    changes. Returns whether a mail was queued. Runs inside the caller's transaction."""
    mailed = signature.status in _STILL_SIGNED and _can_mail(signature, now)
    if mailed:
        pending = signature.status == Signature.Status.PENDING
        _queue_mail(signature, MAIL_VERIFY if pending else MAIL_ALREADY_SIGNED, now)
    audit_record(
        action="signature.resubmit", target=signature, actor_label="signer", data={"mailed": mailed}
    )
    return mailed


def signature_submit(
    *,
    statement: Statement,
    kind: str,
    name: str,
    email: str,
    country: str,
    affiliation: str = "",
    city: str = "",
    show_name: bool = True,
    language: str = "en",
    client_ip: str = "",
) -> SubmitResult:
    """Take a signature from the public form. Values must already be validated.

    Returns once the signature and its confirmation mail are durably committed (see
    writer.py: concurrent submissions share one transaction). A second submission with
    the same email creates nothing: see `resubmit`. Raises RateLimited or SigningError.
    """
    if not statement.is_signable:
        raise SigningError("closed")
    outcome = writer.submit(
        writer.SignRequest(
            statement_id=statement.pk,
            kind=kind,
            name=name,
            email=email,
            email_normalized=normalize_email(email),
            country=country,
            affiliation=affiliation,
            city=city,
            show_name=show_name,
            language=language,
            ip_hash=ip_hash(client_ip) if client_ip else "",
        )
    )
    if isinstance(outcome, writer.Refused):
        raise RateLimited() if outcome.code == "rate_limited" else SigningError(outcome.code)
    return outcome


def signature_for_confirm_token(*, token: str) -> Signature | None:
    """The pending signature a live confirmation link belongs to, or None. Reads only:
    a GET on the link must neither confirm nor use it up."""
    if not token or len(token) > 100:
        return None
    signature = (
        Signature.objects.select_related("statement")
        .filter(token_hash=writer.hash_token(token), status=Signature.Status.PENDING)
        .first()
    )
    if signature is None or signature.token_expires is None:
        return None
    if signature.token_expires <= timezone.now():
        return None
    return signature


def lookalike_mark(signature: Signature) -> None:
    """Set the skeleton of a confirmed (or imported) signature and point `looks_like` to
    the earliest other signature of the statement whose name looks the same on screen but
    is spelled otherwise. Pending signatures are left out: only counted ones matter to
    moderators, and the signing path stays free of the lookup. Call in the caller's
    transaction; the caller saves."""
    signature.skeleton = confusable_skeleton(signature.name)
    signature.looks_like_id = (
        Signature.objects.filter(statement_id=signature.statement_id, skeleton=signature.skeleton)
        .exclude(name=signature.name)
        .exclude(pk=signature.pk)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )


@transaction.atomic
def signature_confirm(*, token: str) -> Signature | None:
    """Confirm the email of a pending signature. Returns None for a dead link."""
    found = signature_for_confirm_token(token=token)
    if found is None:
        return None
    signature = Signature.objects.select_for_update().get(pk=found.pk)
    if signature.status != Signature.Status.PENDING or signature.token_hash != found.token_hash:
        return None
    now = timezone.now()
    signature.token_hash = None
    signature.token_expires = None
    signature.verified_at = now
    if signature.kind == Signature.Kind.ORGANIZATION and signature.source == Signature.Source.WEB:
        signature.status = Signature.Status.AWAITING_APPROVAL
    else:
        signature.status = Signature.Status.VERIFIED
        count_verified(signature, +1)
    lookalike_mark(signature)
    signature.save(
        update_fields=[
            "token_hash",
            "token_expires",
            "verified_at",
            "status",
            "skeleton",
            "looks_like",
        ]
    )
    audit_record(
        action="signature.confirm",
        target=signature,
        actor_label="signer",
        data={"status": signature.status},
    )
    signature.statement = found.statement
    return signature


def _withdraw_lookup(token: str, queryset) -> Signature | None:
    pk, _sep, _digest = token.partition("-")
    if not pk.isdigit() or len(token) > 100:
        return None
    signature = queryset.filter(pk=int(pk)).first()
    if signature is None or not hmac.compare_digest(withdraw_token_for(signature), token):
        return None
    return signature


def signature_for_withdraw_token(*, token: str) -> Signature | None:
    return _withdraw_lookup(token, Signature.objects.select_related("statement"))


@transaction.atomic
def signature_withdraw(*, token: str) -> Signature | None:
    """Withdraw and erase: no name, email, place or address hash is kept. None for a bad link."""
    signature = _withdraw_lookup(token, Signature.objects.select_for_update())
    if signature is None:
        return None
    if signature.status == Signature.Status.WITHDRAWN:
        return signature
    previous = signature.status
    if previous == Signature.Status.VERIFIED:
        count_verified(signature, -1)
    signature.status = Signature.Status.WITHDRAWN
    signature.name = signature.email = signature.affiliation = signature.city = ""
    signature.search_key = signature.skeleton = ""
    signature.looks_like = None
    signature.email_normalized = None
    signature.ip_hash = ""
    signature.token_hash = None
    signature.token_expires = None
    signature.show_name = False
    signature.withdrawn_at = timezone.now()
    signature.save()
    audit_record(
        action="signature.withdraw",
        target=signature,
        actor_label="signer",
        data={"from": previous},
    )
    return signature


def _decide(*, signature_ids: list[int], approve: bool, actor: AbstractBaseUser | None) -> int:
    decided = 0
    now = timezone.now()
    rows = Signature.objects.select_for_update().filter(
        pk__in=signature_ids, status=Signature.Status.AWAITING_APPROVAL
    )
    for signature in rows.order_by("pk"):
        signature.status = Signature.Status.VERIFIED if approve else Signature.Status.REJECTED
        signature.decided_at = now
        signature.save(update_fields=["status", "decided_at"])
        if approve:
            count_verified(signature, +1)
        audit_record(
            action="signature.approve" if approve else "signature.reject",
            target=signature,
            actor=actor,
        )
        decided += 1
    return decided


@transaction.atomic
def signature_approve(*, signature_ids: list[int], actor: AbstractBaseUser | None) -> int:
    """Approve confirmed organizations; returns how many changed. Others are left alone."""
    return _decide(signature_ids=signature_ids, approve=True, actor=actor)


@transaction.atomic
def signature_reject(*, signature_ids: list[int], actor: AbstractBaseUser | None) -> int:
    return _decide(signature_ids=signature_ids, approve=False, actor=actor)


@transaction.atomic
def counters_recount(*, statement: Statement | None = None, actor_label: str = "cli") -> int:
    """Rebuild the counters from the signatures. Returns the number of counter rows."""
    from django.db.models import Count, Q

    statements = [statement] if statement else list(Statement.objects.all())
    rows = 0
    for item in statements:
        SignatureCounter.objects.filter(statement=item).delete()
        groups = (
            Signature.objects.filter(statement=item, status=Signature.Status.VERIFIED)
            .values("country", "kind")
            .annotate(verified=Count("pk"), listed=Count("pk", filter=Q(show_name=True)))
            .order_by()
        )
        SignatureCounter.objects.bulk_create(
            SignatureCounter(
                statement=item,
                country=group["country"],
                kind=group["kind"],
                verified=group["verified"],
                listed=group["listed"],
            )
            for group in groups
        )
        rows += len(groups)
        audit_record(action="counters.recount", target=item, actor_label=actor_label)
    return rows
