"""The demo, loaded idempotently: an open letter in English with an approved Arabic
translation, a declaration imported as published (titles in eleven languages, numbered
sections with lettered items), and one organizer."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import translation

from undersigned.core.accounts import organizer_create
from undersigned.statements.models import Statement
from undersigned.statements.parsing import parse_statement
from undersigned.statements.services import (
    split_markdown,
    statement_create,
    statement_import,
    statement_publish,
    translation_save,
)

DEMO_SLUG = "keep-our-rivers-free"
DECLARATION_SLUG = "joint-declaration-peace-water"
DEMO_ORGANIZER = "organizer@example.org"
_DEMO_DIR = Path(__file__).resolve().parent.parent / "demo"
_DEMO_FILE = _DEMO_DIR / "statement.md"


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
        _translate(statement, "ar", _DEMO_DIR / "statement.ar.json")
    if not Statement.objects.filter(slug=DECLARATION_SLUG).exists():
        parsed = parse_statement((_DEMO_DIR / "declaration.txt").read_text(encoding="utf-8"))
        declaration, _report = statement_import(
            parsed=parsed,
            language=parsed.language or "en",
            titles=parsed.titles,
            slug=DECLARATION_SLUG,
            actor_label="demo",
        )
        statement_publish(statement=declaration, actor_label="demo")
    with translation.override(settings.LANGUAGE_CODE):
        path = statement.get_absolute_url()
    password = _demo_password()
    organizer_create(email=DEMO_ORGANIZER, password=password)
    return DemoResult(
        statement_path=path,
        organizer_email=DEMO_ORGANIZER,
        organizer_password=password,
    )


def _translate(statement: Statement, language: str, path: Path) -> None:
    """An approved translation from a file of source text -> translated text."""
    data = json.loads(path.read_text(encoding="utf-8"))
    version = statement.versions.get()
    texts = {
        block.key: data["blocks"][block.text]
        for block in version.blocks.exclude(text="")
        if block.text in data["blocks"]
    }
    translation_save(
        version=version, language=language, texts=texts, title=data["title"], state="approved"
    )
