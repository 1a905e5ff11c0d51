"""Shared fixtures. Every test runs on SQLite; `make test` runs the suite again on PostgreSQL
when UNDERSIGNED_TEST_DATABASE_URL is set."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from undersigned.core.accounts import organizer_create
from undersigned.signatures import writer
from undersigned.statements.selectors import statement_signing_cache_clear
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
    """Run the queued mail tasks through the real database worker, once, and return
    what was sent (django.core.mail.outbox in tests)."""

    def run():
        worker = Worker(
            queue_names=["default"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="tests",
            excluded_queue_names=[],
        )
        # The worker's own loop closes connections, which a test's transaction forbids:
        # claim and run each ready task the way it does.
        while task_result := DBTaskResult.objects.ready().get_locked():
            task_result.claim(worker.worker_id)
            worker.run_task(task_result)
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
