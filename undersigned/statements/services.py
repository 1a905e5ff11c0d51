"""Every write to statements. Each function owns its transaction and writes an audit entry."""

from __future__ import annotations

import re

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from markdown_it import MarkdownIt

from undersigned.core.audit import audit_record
from undersigned.statements.models import Statement

# CommonMark with raw HTML switched off: any HTML in the text is shown as text.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")


def render_body(body: str) -> str:
    return _markdown.render(body)


def split_markdown(text: str) -> tuple[str, str]:
    """The first heading becomes the title, the rest the body."""
    lines = text.replace("\r\n", "\n").split("\n")
    for index, line in enumerate(lines):
        match = _HEADING.match(line)
        if match and match.group(1).strip():
            body = "\n".join(lines[:index] + lines[index + 1 :]).strip()
            return match.group(1).strip(), body
        if line.strip():
            break
    raise ValidationError(_("The file must start with a heading, which becomes the title."))


def _unique_slug(title: str) -> str:
    base = slugify(title)[:60].strip("-") or "statement"
    slug, number = base, 2
    while Statement.objects.filter(slug=slug).exists():
        slug, number = f"{base}-{number}", number + 1
    return slug


def statement_validate(*, title: str, body: str, language: str) -> None:
    if not title.strip():
        raise ValidationError(_("A statement needs a title."))
    if not body.strip():
        raise ValidationError(_("A statement needs a text."))
    if not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*", language):
        raise ValidationError(_("The language must be a code such as en, fr or pt-BR."))


@transaction.atomic
def statement_create(
    *,
    title: str,
    body: str,
    language: str,
    slug: str = "",
    actor: AbstractBaseUser | None = None,
    actor_label: str = "",
) -> Statement:
    statement_validate(title=title, body=body, language=language)
    statement = Statement.objects.create(
        slug=slug or _unique_slug(title),
        title=title.strip(),
        body=body,
        body_html=render_body(body),
        language=language,
    )
    audit_record(
        action="statement.create",
        target=statement,
        actor=actor,
        actor_label=actor_label,
        data={"title": statement.title, "slug": statement.slug},
    )
    return statement


@transaction.atomic
def statement_update(
    *,
    statement: Statement,
    title: str,
    body: str,
    language: str,
    slug: str,
    actor: AbstractBaseUser | None = None,
) -> Statement:
    statement_validate(title=title, body=body, language=language)
    title = title.strip()
    changed = [
        field
        for field, value in (
            ("title", title),
            ("body", body),
            ("language", language),
            ("slug", slug),
        )
        if getattr(statement, field) != value
    ]
    statement.title, statement.body, statement.language, statement.slug = (
        title,
        body,
        language,
        slug,
    )
    statement.body_html = render_body(body)
    statement.save()
    audit_record(
        action="statement.update", target=statement, actor=actor, data={"changed": changed}
    )
    return statement


@transaction.atomic
def statement_publish(
    *, statement: Statement, actor: AbstractBaseUser | None = None, actor_label: str = ""
) -> Statement:
    statement = Statement.objects.select_for_update().get(pk=statement.pk)
    if statement.status != Statement.Status.PUBLISHED:
        previous = statement.status
        statement.status = Statement.Status.PUBLISHED
        statement.published_at = statement.published_at or timezone.now()
        statement.closed_at = None
        statement.save(update_fields=["status", "published_at", "closed_at", "updated"])
        audit_record(
            action="statement.publish",
            target=statement,
            actor=actor,
            actor_label=actor_label,
            data={"from": previous},
        )
    return statement


@transaction.atomic
def statement_close(*, statement: Statement, actor: AbstractBaseUser | None = None) -> Statement:
    statement = Statement.objects.select_for_update().get(pk=statement.pk)
    if statement.status == Statement.Status.PUBLISHED:
        statement.status = Statement.Status.CLOSED
        statement.closed_at = timezone.now()
        statement.save(update_fields=["status", "closed_at", "updated"])
        audit_record(action="statement.close", target=statement, actor=actor)
    return statement
