"""Mail to signers, sent by the task worker.

The task carries the signature's id and the raw link token, never the address: the
address is read when the mail is sent, so a signature withdrawn before then gets no mail
and leaves no personal data in the task queue.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django_tasks import task

from undersigned.core.worker import runs_in_batches
from undersigned.signatures.models import Signature

MAIL_VERIFY = "verify"
MAIL_ALREADY_SIGNED = "already_signed"


def absolute_url(path: str) -> str:
    return f"{settings.BASE_URL}{path}"


def mail_title(statement, language: str) -> str:
    """The statement's title as readers see it (its published version's), in the mail's
    language where the statement has a title in it."""
    from django.contrib.auth.models import AnonymousUser

    from undersigned.statements.selectors import statement_titles, version_shown

    version = version_shown(statement=statement, user=AnonymousUser())
    if version is None:
        return statement.title
    return statement_titles(statement=statement, version=version).get(language) or version.title


def build_signature_mail(
    *, signature: Signature, mail: str, token: str, titles: dict | None = None
) -> EmailMessage:
    """The mail to a signer, in their language. `titles` may hold the statement titles
    already looked up for other mails of a batch, by (statement id, language)."""
    from undersigned.signatures.services import language_for_mail, withdraw_token_for

    language = language_for_mail(signature.language)
    key = (signature.statement_id, language)
    if titles is None or key not in titles:
        title = mail_title(signature.statement, language)
        if titles is not None:
            titles[key] = title
    else:
        title = titles[key]
    with translation.override(language):
        context = {
            "signature": signature,
            "statement": signature.statement,
            "statement_title": title,
            "confirm_url": absolute_url(reverse("signatures:confirm", args=[token]))
            if token
            else "",
            "withdraw_url": absolute_url(
                reverse("signatures:withdraw", args=[withdraw_token_for(signature)])
            ),
            "statement_url": absolute_url(signature.statement.get_absolute_url()),
            "days": settings.VERIFICATION_TOKEN_DAYS,
        }
        subject = render_to_string(f"signatures/mail/{mail}_subject.txt", context)
        body = render_to_string(f"signatures/mail/{mail}.txt", context)
    message = EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        to=[signature.email],
        headers={"Content-Language": language, "Auto-Submitted": "auto-generated"},
    )
    return message


@task()
def send_signature_mail(signature_id: int, mail: str, token: str) -> str:
    signature = Signature.objects.select_related("statement").filter(pk=signature_id).first()
    if signature is None or not signature.email:
        return "skipped: signature gone or withdrawn"
    build_signature_mail(signature=signature, mail=mail, token=token).send()
    return "sent"


@runs_in_batches(send_signature_mail)
def send_signature_mails(calls: list[tuple]) -> list[str | Exception]:
    """Send a worker's batch of signature mails: the signatures read in one query, each
    statement's title looked up once per language, and every mail sent over one
    connection to the mail server (Django's `send()` opens one per message: with SMTP over
    TLS, a handshake for each signer). A mail that fails is that task's failure alone."""
    signatures = Signature.objects.select_related("statement").in_bulk(
        {signature_id for signature_id, _mail, _token in calls}
    )
    titles: dict = {}
    outcomes: list[str | Exception] = []
    with get_connection() as connection:
        for signature_id, mail, token in calls:
            signature = signatures.get(signature_id)
            if signature is None or not signature.email:
                outcomes.append("skipped: signature gone or withdrawn")
                continue
            try:
                message = build_signature_mail(
                    signature=signature, mail=mail, token=token, titles=titles
                )
                connection.send_messages([message])
            except Exception as exc:
                outcomes.append(exc)
                # Not reused once something went wrong: the next mail opens a new one.
                connection.close()
            else:
                outcomes.append("sent")
    return outcomes
