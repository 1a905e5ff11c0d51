"""The demo: one published statement and one organizer, loaded idempotently."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import translation

from undersigned.core.accounts import organizer_create
from undersigned.statements.models import Statement
from undersigned.statements.services import split_markdown, statement_create, statement_publish

DEMO_SLUG = "keep-our-rivers-free"
DEMO_ORGANIZER = "organizer@example.org"
_DEMO_FILE = Path(__file__).resolve().parent.parent / "demo" / "statement.md"


@dataclass(frozen=True)
class DemoResult:
    statement_path: str
    organizer_email: str
    organizer_password: str


def _demo_password() -> str:
    """Generated once and kept in the data directory, so every run prints the same one."""
    path = Path(settings.DATA_DIR) / "demo-organizer-password"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(12))
        path.chmod(0o600)
    return path.read_text().strip()


def demo_load() -> DemoResult:
    statement = Statement.objects.filter(slug=DEMO_SLUG).first()
    if statement is None:
        title, body = split_markdown(_DEMO_FILE.read_text(encoding="utf-8"))
        statement = statement_create(
            title=title, body=body, language="en", slug=DEMO_SLUG, actor_label="demo"
        )
        statement_publish(statement=statement, actor_label="demo")
    with translation.override(settings.LANGUAGE_CODE):
        path = statement.get_absolute_url()
    password = _demo_password()
    organizer_create(email=DEMO_ORGANIZER, password=password)
    return DemoResult(
        statement_path=path,
        organizer_email=DEMO_ORGANIZER,
        organizer_password=password,
    )
