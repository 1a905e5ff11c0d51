"""A conference on a five-section draft, its chair and two delegations (one with three
votes), and helpers to amend it, shared by the conference tests."""

from __future__ import annotations

from datetime import date

import pytest

from undersigned.assembly import services
from undersigned.statements.services import statement_create

DRAFT = "\n\n".join(f"{n}. Section {n} of the draft." for n in range(1, 6))


@pytest.fixture
def conference(db):
    statement = statement_create(title="Declaration", body=DRAFT, language="en", slug="decl")
    return services.conference_create(
        title="Water Conference",
        starts_on=date(2026, 12, 1),
        ends_on=date(2026, 12, 2),
        place="Diyarbakır",
        statement=statement,
    )


@pytest.fixture
def people(conference):
    a = services.participant_add(conference=conference, name="River Union", country="TR")
    b = services.participant_add(conference=conference, name="Eau Vive", country="FR")
    return {
        "chair": services.delegate_add(
            conference=conference, email="chair@example.org", name="Chair", role="chair"
        ),
        "ayse": services.delegate_add(
            conference=conference, email="ayse@example.org", name="Ayşe", participant=a
        ),
        "marc": services.delegate_add(
            conference=conference, email="marc@example.org", name="Marc", participant=b, weight=3
        ),
    }


def first_version(conference):
    return conference.statement.versions.get(number=1)


def block_key(conference, number: str) -> str:
    return first_version(conference).blocks.get(number=number).key


def amend(conference, delegate, number="2", action="replace", text="Section two, amended."):
    return services.amendment_submit(
        delegate=delegate,
        version=first_version(conference),
        block_key=block_key(conference, number),
        action=action,
        text=text,
        justification="Clearer.",
    )


def audited(action, target):
    from undersigned.core.models import AuditEntry

    return AuditEntry.objects.filter(
        action=action, object_type=target._meta.label_lower, object_id=str(target.pk)
    )
