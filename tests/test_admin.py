"""The organizers' side in the admin: statements, the moderation queue and its audit trail."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client

from tests.conftest import link_from, sign
from undersigned.core.audit import audit_record
from undersigned.core.models import AuditEntry
from undersigned.signatures.models import Signature, SignatureCounter
from undersigned.statements.models import Statement
from undersigned.statements.services import statement_create

STATEMENTS = "/admin/statements/statement/"
SIGNATURES = "/admin/signatures/signature/"


@pytest.fixture
def organizer_client(organizer) -> Client:
    client = Client()
    client.force_login(organizer)
    return client


@pytest.fixture
def signed(client, statement, deliver_mail):
    """Sign as `email` and confirm by the link in the mail; returns the signature."""

    def run(email: str, **overrides) -> Signature:
        sign(client, statement, email=email, **overrides)
        message = next(m for m in reversed(deliver_mail()) if m.to == [email])
        client.post(link_from(message, "confirm"))
        return Signature.objects.get(email=email)

    return run


@pytest.fixture
def organization(signed) -> Signature:
    signature = signed("net@example.org", kind="organization", name="River Network")
    assert signature.status == Signature.Status.AWAITING_APPROVAL
    return signature


def _run_action(client: Client, url: str, action: str, *objects):
    return client.post(url, {"action": action, "_selected_action": [obj.pk for obj in objects]})


def _verified_count(client: Client, statement: Statement) -> int:
    return client.get(f"/api/v1/statements/{statement.slug}").json()["signatures"]["verified"]


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- Access ------------------------------------------------------------------------------


def test_organizer_sees_the_statement_changelist(organizer_client, statement):
    response = organizer_client.get(STATEMENTS)
    assert response.status_code == 200
    assert statement.title in response.content.decode()


def test_organizer_sees_the_signature_changelist(organizer_client, organization):
    response = organizer_client.get(SIGNATURES)
    assert response.status_code == 200
    assert "River Network" in response.content.decode()


def test_admin_index_links_to_the_moderation_queue(organizer_client):
    page = organizer_client.get("/admin/").content.decode()
    assert f'href="{SIGNATURES}?status=awaiting_approval"' in page


def test_moderation_queue_lists_only_signatures_awaiting_approval(
    organizer_client, organization, signed
):
    signed("ana@example.org", name="Ana Lima")
    page = organizer_client.get(SIGNATURES, {"status": "awaiting_approval"}).content.decode()
    assert "River Network" in page
    assert "Ana Lima" not in page


def test_statement_list_shows_the_verified_count_from_the_counters(organizer_client, statement):
    SignatureCounter.objects.create(statement=statement, country="BR", kind="person", verified=7)
    SignatureCounter.objects.create(statement=statement, country="FR", kind="person", verified=5)
    response = organizer_client.get(STATEMENTS)
    assert response.context["cl"].result_list[0].verified_total == 12


# --- Approving and rejecting -------------------------------------------------------------


def test_approving_verifies_an_organization_and_counts_it(
    organizer_client, client, statement, organization
):
    assert _verified_count(client, statement) == 0
    response = _run_action(organizer_client, SIGNATURES, "approve", organization)
    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.status == Signature.Status.VERIFIED
    assert SignatureCounter.objects.get(statement=statement, kind="organization").verified == 1
    assert _verified_count(client, statement) == 1


def test_approving_records_the_organizer_in_the_audit_log(
    organizer_client, organizer, organization
):
    _run_action(organizer_client, SIGNATURES, "approve", organization)
    entry = AuditEntry.objects.get(action="signature.approve")
    assert entry.actor == organizer
    assert entry.object_id == str(organization.pk)


def test_approving_reports_how_many_changed(organizer_client, organization, signed):
    person = signed("ana@example.org", name="Ana Lima")
    response = _run_action(organizer_client, SIGNATURES, "approve", organization, person)
    text = " ".join(_messages(organizer_client.get(response["Location"])))
    assert "1 organization approved." in text
    assert "1 was left alone" in text


def test_rejecting_sets_rejected_and_leaves_the_count(
    organizer_client, client, statement, organization
):
    _run_action(organizer_client, SIGNATURES, "reject", organization)
    organization.refresh_from_db()
    assert organization.status == Signature.Status.REJECTED
    assert AuditEntry.objects.filter(action="signature.reject").count() == 1
    assert _verified_count(client, statement) == 0


def test_approving_ignores_signatures_not_awaiting_approval(
    organizer_client, client, statement, signed
):
    person = signed("ana@example.org", name="Ana Lima")
    sign(client, statement, email="late@example.org", name="Late Lee")
    pending = Signature.objects.get(email="late@example.org")
    _run_action(organizer_client, SIGNATURES, "approve", person, pending)
    assert Signature.objects.get(pk=person.pk).status == Signature.Status.VERIFIED
    assert Signature.objects.get(pk=pending.pk).status == Signature.Status.PENDING
    assert not AuditEntry.objects.filter(action="signature.approve").exists()
    assert _verified_count(client, statement) == 1


def test_approving_needs_the_change_permission(organization):
    viewer = get_user_model().objects.create_user("viewer", password="x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_signature"))
    client = Client()
    client.force_login(viewer)
    _run_action(client, SIGNATURES, "approve", organization)
    organization.refresh_from_db()
    assert organization.status == Signature.Status.AWAITING_APPROVAL


# --- Finding and reading a signature -----------------------------------------------------


def test_searching_by_email_finds_the_signature(organizer_client, organization, signed):
    signed("ana@example.org", name="Ana Lima")
    page = organizer_client.get(SIGNATURES, {"q": "net@example"}).content.decode()
    assert "River Network" in page
    assert "Ana Lima" not in page


def test_searching_by_country_code_finds_the_signature(organizer_client, signed):
    signed("ana@rivers.org", name="Ana Lima", country="AM")
    signed("bo@rivers.org", name="Bo Li", country="BR")
    page = organizer_client.get(SIGNATURES, {"q": "am"}).content.decode()
    assert "Ana Lima" in page
    assert "Bo Li" not in page


def test_signature_page_shows_its_history(organizer_client, organizer, organization):
    _run_action(organizer_client, SIGNATURES, "approve", organization)
    page = organizer_client.get(f"{SIGNATURES}{organization.pk}/change/").content.decode()
    assert "signature.confirm" in page
    assert "signature.approve" in page
    assert organizer.get_username() in page


def test_signature_history_is_escaped(organizer_client, organization):
    audit_record(action="<b>bold</b>", target=organization, actor_label="<i>x</i>")
    page = organizer_client.get(f"{SIGNATURES}{organization.pk}/change/").content.decode()
    assert "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "<b>bold</b>" not in page
    assert "<i>x</i>" not in page


# --- Signatures change only through the services -----------------------------------------


def test_signatures_cannot_be_added_in_the_admin(organizer_client, admin_client):
    assert organizer_client.get(f"{SIGNATURES}add/").status_code == 403
    assert admin_client.get(f"{SIGNATURES}add/").status_code == 403


def test_signatures_cannot_be_deleted_in_the_admin(admin_client, organization):
    assert admin_client.get(f"{SIGNATURES}{organization.pk}/delete/").status_code == 403
    _run_action(admin_client, SIGNATURES, "delete_selected", organization)
    assert Signature.objects.filter(pk=organization.pk).exists()


def test_signature_page_refuses_edits(admin_client, organization):
    response = admin_client.post(
        f"{SIGNATURES}{organization.pk}/change/", {"name": "Someone Else", "status": "verified"}
    )
    assert response.status_code == 403
    organization.refresh_from_db()
    assert organization.name == "River Network"
    assert organization.status == Signature.Status.AWAITING_APPROVAL


# --- Statements ---------------------------------------------------------------------------


def test_publish_action_publishes_a_draft(organizer_client, organizer, db):
    draft = statement_create(title="Draft", body="Text.", language="en")
    _run_action(organizer_client, STATEMENTS, "publish", draft)
    draft.refresh_from_db()
    assert draft.status == Statement.Status.PUBLISHED
    assert draft.published_at is not None
    assert AuditEntry.objects.get(action="statement.publish").actor == organizer


def test_close_action_closes_a_published_statement(organizer_client, organizer, statement):
    _run_action(organizer_client, STATEMENTS, "close", statement)
    statement.refresh_from_db()
    assert statement.status == Statement.Status.CLOSED
    assert AuditEntry.objects.get(action="statement.close").actor == organizer


def test_creating_a_statement_in_the_add_form_writes_an_audit_entry(
    organizer_client, organizer, db
):
    response = organizer_client.post(
        f"{STATEMENTS}add/",
        {"title": "Rivers Are Shared", "slug": "", "language": "fr", "body": "We **ask**."},
    )
    assert response.status_code == 302
    created = Statement.objects.get(title="Rivers Are Shared")
    assert created.slug == "rivers-are-shared"
    assert created.status == Statement.Status.DRAFT
    [block] = created.versions.get().blocks.all()
    assert block.text == "We **ask**."
    entry = AuditEntry.objects.get(action="statement.create")
    assert entry.actor == organizer
    assert entry.object_id == str(created.pk)


def test_add_form_refuses_a_malformed_language(organizer_client, db):
    response = organizer_client.post(
        f"{STATEMENTS}add/", {"title": "T", "slug": "", "language": "French", "body": "Text."}
    )
    assert response.status_code == 200
    assert "The language must be a code" in response.content.decode()
    assert not Statement.objects.exists()


def test_editing_a_statement_records_the_changed_fields(organizer_client, organizer, statement):
    response = organizer_client.post(
        f"{STATEMENTS}{statement.pk}/change/",
        {"title": "Rivers Know No Borders", "slug": "water", "language": "en", "body": "New."},
    )
    assert response.status_code == 302
    statement.refresh_from_db()
    assert statement.title == "Rivers Know No Borders"
    entry = AuditEntry.objects.get(action="statement.update")
    assert entry.actor == organizer
    assert entry.data["changed"] == ["title", "body"]


def test_statement_status_is_not_editable_in_the_form(organizer_client, statement):
    organizer_client.post(
        f"{STATEMENTS}{statement.pk}/change/",
        {
            "title": statement.title,
            "slug": statement.slug,
            "language": "en",
            "body": statement.body,
            "status": "draft",
        },
    )
    statement.refresh_from_db()
    assert statement.status == Statement.Status.PUBLISHED


def test_statement_page_links_to_the_public_page(organizer_client, statement):
    page = organizer_client.get(f"{STATEMENTS}{statement.pk}/change/").content.decode()
    assert "View on site" in page


# --- Content security policy ----------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/admin/", STATEMENTS, f"{STATEMENTS}add/", SIGNATURES],
)
def test_admin_pages_have_no_inline_script_or_style(organizer_client, statement, path):
    page = organizer_client.get(path).content.decode()
    assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", page)
    assert "<style" not in page
    assert " style=" not in page


def test_signature_page_has_no_inline_script_or_style(organizer_client, organization):
    page = organizer_client.get(f"{SIGNATURES}{organization.pk}/change/").content.decode()
    assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", page)
    assert " style=" not in page


def test_signatures_sorted_by_name_follow_the_organizers_language(organizer_client, statement):
    from django.db import connection

    from undersigned.signatures.models import Signature

    for name in ["Zeynep", "ıslak Iğdır", "İlker", "Can"]:
        Signature.objects.create(
            statement=statement, kind="person", name=name, country="TR", status="verified"
        )
    page = organizer_client.get(
        "/admin/signatures/signature/?o=1", HTTP_ACCEPT_LANGUAGE="tr"
    ).content.decode()
    order = [name for name in ["Can", "ıslak Iğdır", "İlker", "Zeynep"] if name in page]
    positions = sorted(order, key=page.index)
    if connection.vendor == "postgresql":
        # Turkish: c < ı < i (İ) < z.
        assert positions == ["Can", "ıslak Iğdır", "İlker", "Zeynep"]
    else:
        assert positions == sorted(order)  # code points
