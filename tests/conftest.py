"""Shared fixtures. Every test runs on SQLite; `make test` runs the suite again on PostgreSQL
when UNDERSIGNED_TEST_DATABASE_URL is set."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from undersigned.assembly.selectors import voting_cache_clear
from undersigned.core.accounts import organizer_create
from undersigned.core.worker import run_batch
from undersigned.signatures import writer
from undersigned.statements.selectors import (
    statement_reading_cache_clear,
    statement_signing_cache_clear,
)
from undersigned.statements.services import statement_create, statement_publish

SIGN_FIELDS = {
    "kind": "person",
    "name": "Ana Lima",
    "email": "ana@example.org",
    "country": "BR",
    "affiliation": "",
    "city": "",
    "show_name": "on",
    "consent": "on",
}


@pytest.fixture(autouse=True)
def _stop_signature_writer():
    statement_signing_cache_clear()
    statement_reading_cache_clear()
    voting_cache_clear()
    yield
    # A writer thread keeps a connection open; the test database must be free to drop.
    writer.shutdown()


@pytest.fixture(autouse=True)
def _isolated_outbox(settings, tmp_path):
    settings.OUTBOX_DIR = tmp_path / "outbox"
    settings.RATE_LIMIT_SIGNS = 1000
    settings.LANGUAGE_CODE = "en"
    # Inline writes see the test's own transaction; tests of group commit turn it on.
    settings.SIGNATURE_GROUP_COMMIT = False


@pytest.fixture
def statement(db):
    statement = statement_create(
        title="Water Knows No Borders",
        body="We ask the governments to **share** river data.\n\n1. Publish plans.\n2. Consult.",
        language="en",
        slug="water",
    )
    return statement_publish(statement=statement)


@pytest.fixture
def organizer(db):
    user, _password = organizer_create(email="organizer@example.org", password="a-Long-pass-42")
    return user


@pytest.fixture
def deliver_mail():
    """Run the queued mail tasks through the worker `undersigned serve` runs, until the
    queue is empty, and return what was sent (django.core.mail.outbox in tests)."""

    def run():
        while run_batch(worker_id="tests", batch=50):
            pass
        return list(mail.outbox)

    return run


def link_from(message, kind: str) -> str:
    """The path of the confirm or withdraw link in a mail, e.g. /en/confirm/abc."""
    match = re.search(rf"https?://[^/\s]+(/[a-z-]+/{kind}/\S+)", message.body)
    assert match, f"no {kind} link in: {message.body}"
    return match.group(1)


def sign(client, statement, **overrides):
    data = {**SIGN_FIELDS, **overrides}
    data = {key: value for key, value in data.items() if value is not None}
    return client.post(f"/en/s/{statement.slug}/sign", data, REMOTE_ADDR="203.0.113.7")
