"""The demo, loaded idempotently: an open letter in English with an approved Arabic
translation, a declaration imported as published (titles in eleven languages, numbered
sections with lettered items), and one organizer."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from undersigned.assembly.models import Conference
from undersigned.assembly.services import conference_create, delegate_add, participant_add
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
    conference_path: str = ""
    chair_link: str = ""
    delegate_links: tuple[tuple[str, str], ...] = ()


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
    conference = _demo_conference()
    with translation.override(settings.LANGUAGE_CODE):
        path = statement.get_absolute_url()
        conference_path = conference.get_absolute_url()
        links = {
            delegate.name: reverse("assembly:login_link", args=[delegate.token])
            for delegate in conference.delegates.order_by("pk")
        }
    password = _demo_password()
    organizer_create(email=DEMO_ORGANIZER, password=password)
    chair = links.pop("Chair")
    return DemoResult(
        statement_path=path,
        organizer_email=DEMO_ORGANIZER,
        organizer_password=password,
        conference_path=conference_path,
        chair_link=chair,
        delegate_links=tuple(links.items()),
    )


DEMO_DRAFT = """1. Rivers are shared by everyone who lives along them.

2. Every plan for a dam is published before any decision, in every language concerned.

3. The people of both banks are consulted and given time to answer.

4. River data is measured and shared openly.

5. A minimum flow is kept in every season, written into law."""


def _demo_conference() -> Conference:
    """A conference on a draft declaration: three delegations, a chair and three
    delegates, each with a sign-in link."""
    conference = Conference.objects.filter(slug="rivers-assembly").first()
    if conference is not None:
        return conference
    draft = statement_create(
        title="Draft Declaration on Shared Rivers",
        body=DEMO_DRAFT,
        language="en",
        slug="draft-declaration-shared-rivers",
        actor_label="demo",
    )
    today = date.today()
    conference = conference_create(
        title="Assembly for Shared Rivers",
        slug="rivers-assembly",
        starts_on=today,
        ends_on=today + timedelta(days=1),
        place="Diyarbakır",
        hosts="River Union\nEau Vive",
        languages=["en", "tr", "ar", "fr"],
        statement=draft,
        actor_label="demo",
    )
    delegations = [
        participant_add(conference=conference, name=name, country=country, network=network)
        for name, country, network in [
            ("River Union", "TR", "Mesopotamia Water Forum"),
            ("Eau Vive", "FR", ""),
            ("Agua Libre", "ES", "Rivers Network"),
        ]
    ]
    delegate_add(
        conference=conference,
        email="chair@example.org",
        name="Chair",
        role="chair",
        actor_label="demo",
    )
    for (name, email), delegation in zip(
        [
            ("Ayşe", "ayse@example.org"),
            ("Claire", "claire@example.org"),
            ("Diego", "diego@example.org"),
        ],
        delegations,
        strict=True,
    ):
        delegate_add(
            conference=conference,
            email=email,
            name=name,
            participant=delegation,
            actor_label="demo",
        )
    return conference


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
