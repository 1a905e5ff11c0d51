"""One test per bad-input rule: each is refused with a clear message and nothing is stored."""

import pytest

from tests.conftest import sign
from undersigned.signatures.models import Signature


def _refused(response, message: str) -> None:
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Signature.objects.count() == 0


def test_name_with_control_character_is_refused(client, statement):
    _refused(sign(client, statement, name="Ana\x07Lima"), "control characters")


def test_name_with_bidi_override_is_refused(client, statement):
    _refused(sign(client, statement, name="Ana \u202eamiL"), "text-direction")


@pytest.mark.parametrize("char", ["\u2066", "\u2069", "\u202a"])
def test_name_with_bidi_isolate_or_embedding_is_refused(client, statement, char):
    _refused(sign(client, statement, name=f"Ana{char}Lima"), "text-direction")


def test_name_of_only_invisible_characters_is_refused(client, statement):
    _refused(sign(client, statement, name="\u200b\u200d\u3164"), "only invisible")


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@"])
def test_name_starting_a_spreadsheet_formula_is_refused(client, statement, prefix):
    _refused(sign(client, statement, name=f"{prefix}SUM(A1)"), "cannot start with")


def test_name_longer_than_200_characters_is_refused(client, statement):
    _refused(sign(client, statement, name="A" * 201), "at most 200")


def test_name_of_200_characters_after_normalization_is_accepted(client, statement):
    response = sign(client, statement, name="  " + "A" * 200 + "  ")
    assert response.status_code == 302
    assert Signature.objects.get().name == "A" * 200


def test_blank_name_is_refused(client, statement):
    _refused(sign(client, statement, name="   "), "This field is required")


def test_invalid_email_is_refused(client, statement):
    _refused(sign(client, statement, email="not-an-address"), "valid email")


def test_email_with_internationalized_domain_is_accepted(client, statement):
    response = sign(client, statement, email="ana@bücher.example")
    assert response.status_code == 302
    assert Signature.objects.get().email == "ana@bücher.example"


def test_consent_is_required(client, statement):
    _refused(sign(client, statement, consent=None), "agree to the processing")


def test_unknown_country_is_refused(client, statement):
    _refused(sign(client, statement, country="XX"), "Select a valid choice")


def test_unknown_kind_is_refused(client, statement):
    _refused(sign(client, statement, kind="robot"), "Select a valid choice")


def test_oversized_request_body_is_refused_with_400(client, statement, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    response = sign(client, statement, affiliation="x" * 4000)
    assert response.status_code == 400
    assert Signature.objects.count() == 0


def test_public_body_over_the_public_limit_is_refused_with_413(client, statement, settings):
    settings.PUBLIC_MAX_BODY_BYTES = 2048
    response = sign(client, statement, affiliation="x" * 4000)
    assert response.status_code == 413
    assert Signature.objects.count() == 0


def test_an_organizer_may_send_a_long_statement_to_import(client, organizer, settings):
    settings.PUBLIC_MAX_BODY_BYTES = 2048
    client.force_login(organizer)
    text = "Water Is Life\n\n" + "\n\n".join(
        f"{n}. Paragraph {n} of a long text." for n in range(1, 400)
    )
    response = client.post(
        "/admin/statements/statement/import/", {"text": text, "action": "preview"}
    )
    assert response.status_code == 200
    assert len(response.context["parsed"].blocks) == 399


def test_form_without_any_field_gets_400_not_500(client, statement):
    response = client.post(f"/en/s/{statement.slug}/sign", {})
    assert response.status_code == 400


def test_get_on_the_sign_endpoint_is_405(client, statement):
    assert client.get(f"/en/s/{statement.slug}/sign").status_code == 405


def test_garbage_cursor_shows_the_first_page(client, statement):
    response = client.get(f"/en/s/{statement.slug}/?after=%00%ff;DROP&before=x.y.z")
    assert response.status_code == 200


def test_post_without_csrf_token_is_refused(statement):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(
        f"/en/s/{statement.slug}/sign", {"name": "Ana"}
    )
    assert response.status_code == 403
    assert "Your form has expired" in response.content.decode()


def test_markup_in_a_name_is_shown_as_text(client, statement, deliver_mail):
    from tests.conftest import link_from

    sign(client, statement, name="<script>alert(1)</script>")
    client.post(link_from(deliver_mail()[0], "confirm"))
    page = client.get(f"/en/s/{statement.slug}/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_raw_html_in_the_statement_text_is_not_rendered(client, db):
    from undersigned.statements.services import statement_create, statement_publish

    statement = statement_create(
        title="T", body='Hello <img src=x onerror="alert(1)">', language="en", slug="t"
    )
    statement_publish(statement=statement)
    page = client.get("/en/s/t/").content.decode()
    assert "<img src=x" not in page
    assert "&lt;img" in page


def test_honeypot_submission_stores_and_sends_nothing(client, statement, deliver_mail):
    response = sign(client, statement, leave_this_empty="http://spam.example")
    assert response.status_code == 302
    assert Signature.objects.count() == 0
    assert deliver_mail() == []


def test_locked_database_gives_try_again_page_not_acknowledgement(client, statement, monkeypatch):
    from django.db import OperationalError

    from undersigned.signatures import services

    def locked(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(services, "signature_submit", locked)
    response = sign(client, statement)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "try again" in response.content.decode().lower()
    assert Signature.objects.count() == 0


def test_full_disk_gives_try_again_page(client, statement, monkeypatch):
    import errno

    from undersigned.signatures import services

    def full(**kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(services, "signature_submit", full)
    assert sign(client, statement).status_code == 503
