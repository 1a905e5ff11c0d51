"""Requested translation languages: the request service, the progress of each language on
the version readers see, and the translations page that lists them."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django_tasks_db.models import DBTaskResult

from tests.statements.forms import form_data
from tests.statements.rivers import (
    ARABIC,
    BODY,
    rivers,
    translate,
    use_echo_provider,
    version_of,
)
from undersigned.core.models import AuditEntry
from undersigned.statements.models import TranslationRequest
from undersigned.statements.selectors import translations_requested
from undersigned.statements.services import (
    statement_publish,
    statement_update,
    translations_request,
)

MACHINE_DRAFT = "undersigned.statements.tasks.translation_machine_draft"


@pytest.fixture
def statement(db):
    return rivers()


@pytest.fixture(autouse=True)
def _no_provider(settings):
    settings.MT_URL = None  # machine translation off, as by default


@pytest.fixture
def organizer_client(organizer, client):
    client.force_login(organizer)
    return client


def _requested(statement):
    return list(
        TranslationRequest.objects.filter(statement=statement)
        .order_by("pk")
        .values_list("language", flat=True)
    )


def _translate(statement, texts, *, state, language="ar"):
    translate(version_of(statement), texts, state=state, language=language)


def _progress(statement, language="ar"):
    (item,) = [
        item
        for item in translations_requested(statement=statement).languages
        if item.language == language
    ]
    return item


# --- the service ------------------------------------------------------------------------------


def test_requesting_languages_stores_them_in_the_order_given(statement):
    new = translations_request(statement=statement, languages=["ar", "tr", "fr"])
    assert new == ["ar", "tr", "fr"]
    assert _requested(statement) == ["ar", "tr", "fr"]


def test_requesting_a_language_again_changes_nothing(statement, organizer):
    translations_request(statement=statement, languages=["ar"], actor=organizer)
    first = TranslationRequest.objects.get()
    again = translations_request(statement=statement, languages=["ar", "ar"])
    assert again == []
    assert list(TranslationRequest.objects.all()) == [first]
    assert TranslationRequest.objects.get().requested_by == organizer
    assert AuditEntry.objects.filter(action="translation.request").count() == 1


def test_the_source_language_is_not_requested(statement):
    assert translations_request(statement=statement, languages=["en", "EN", "ar"]) == ["ar"]
    assert _requested(statement) == ["ar"]


def test_an_invalid_code_refuses_the_whole_request(statement):
    with pytest.raises(ValidationError) as raised:
        translations_request(statement=statement, languages=["ar", "not a language"])
    assert "not a language" in " ".join(raised.value.messages)
    assert _requested(statement) == []


def test_codes_are_stored_in_lower_case(statement):
    assert translations_request(statement=statement, languages=[" pt-BR "]) == ["pt-br"]
    assert translations_request(statement=statement, languages=["pt-br"]) == []


def test_a_request_is_audited_with_the_languages_newly_requested(statement, organizer):
    translations_request(statement=statement, languages=["ar"])
    translations_request(statement=statement, languages=["ar", "tr"], actor=organizer)
    entry = AuditEntry.objects.filter(action="translation.request").order_by("pk").last()
    assert entry.data == {"languages": ["tr"]}
    assert entry.actor == organizer
    assert entry.object_id == str(statement.pk)


def test_without_a_provider_a_request_queues_nothing(statement):
    translations_request(statement=statement, languages=["ar", "tr"])
    assert not DBTaskResult.objects.exists()


def test_with_a_provider_only_a_new_request_queues_a_machine_draft(statement, monkeypatch):
    use_echo_provider(monkeypatch)
    translations_request(statement=statement, languages=["ar"])
    translations_request(statement=statement, languages=["ar", "tr"])
    queued = DBTaskResult.objects.filter(task_path=MACHINE_DRAFT).order_by("enqueued_at")
    version = statement.versions.get()
    assert [task.args_kwargs["args"] for task in queued] == [[version.pk, "ar"], [version.pk, "tr"]]


# --- progress ---------------------------------------------------------------------------------


def test_progress_of_a_language_nobody_translated_yet_is_all_missing(statement):
    translations_request(statement=statement, languages=["ar"])
    item = _progress(statement)
    assert (item.approved, item.needs_review, item.draft, item.outdated) == (0, 0, 0, 0)
    assert (item.missing, item.total) == (3, 3)


def test_progress_counts_blocks_by_the_state_of_their_translation(statement):
    translations_request(statement=statement, languages=["ar"])
    _translate(statement, {"Water is life.": ARABIC["Water is life."]}, state="approved")
    _translate(statement, {"Publish plans.": ARABIC["Publish plans."]}, state="needs_review")
    item = _progress(statement)
    assert (item.approved, item.needs_review, item.draft, item.missing) == (1, 1, 0, 1)
    _translate(statement, {"Consult the people.": ARABIC["Consult the people."]}, state="draft")
    item = _progress(statement)
    assert (item.approved, item.needs_review, item.draft, item.missing) == (1, 1, 1, 0)
    assert not item.complete


def test_progress_counts_outdated_blocks_once_a_new_version_changes_their_source(statement):
    translations_request(statement=statement, languages=["ar"])
    _translate(statement, ARABIC, state="approved")
    assert _progress(statement).complete
    statement_update(
        statement=statement,
        title="Rivers",
        body=BODY.replace("Publish plans.", "Publish all plans."),
        language="en",
        slug="rivers",
    )
    statement_publish(statement=statement)
    item = _progress(statement)
    assert translations_requested(statement=statement).version.number == 2
    assert (item.approved, item.outdated, item.missing, item.total) == (2, 1, 0, 3)


def test_progress_follows_the_version_readers_see_not_a_draft(statement):
    translations_request(statement=statement, languages=["ar"])
    _translate(statement, ARABIC, state="approved")
    statement_update(
        statement=statement,
        title="Rivers",
        body=BODY + "\n\n3. Share the data.",
        language="en",
        slug="rivers",
    )  # a draft version 2, with a new block
    requested = translations_requested(statement=statement)
    assert requested.version.number == 1
    assert requested.languages[0].complete


def test_progress_counts_only_the_requested_language(statement):
    translations_request(statement=statement, languages=["ar"])
    _translate(statement, {"Water is life.": "Η ζωή."}, state="approved", language="el")
    assert _progress(statement).approved == 0


# --- the translations page --------------------------------------------------------------------


def test_the_page_lists_requested_languages_with_their_progress(statement, organizer_client):
    translations_request(statement=statement, languages=["ar", "tr"])
    _translate(statement, {"Water is life.": ARABIC["Water is life."]}, state="approved")
    page = organizer_client.get("/en/s/rivers/translations/").content.decode()
    requested, others = page.split("Other languages", 1)
    assert 'href="/en/s/rivers/translate/ar/?version=1" lang="ar" dir="rtl">العربية</a>' in (
        requested
    )
    assert 'lang="tr" dir="ltr">Türkçe</a>' in requested
    row = requested.split('id="progress-ar"', 1)[1].split("</tr>", 1)[0]
    assert '<td data-state="approved">1</td>' in row
    assert '<td data-state="missing">2</td>' in row
    assert '<td data-state="total">3</td>' in row
    # The picker below offers the other interface languages, not the requested ones.
    assert 'lang="fr" dir="ltr">Français</a>' in others
    assert "translate/ar/" not in others and "translate/en/" not in others


def test_the_page_says_when_no_language_is_requested(statement, organizer_client):
    page = organizer_client.get("/en/s/rivers/translations/").content.decode()
    assert "No language has been requested yet." in page


def test_the_request_form_requests_a_language(statement, organizer):
    browser = Client(enforce_csrf_checks=True)  # the form must carry its CSRF token
    browser.force_login(organizer)
    page = browser.get("/en/s/rivers/translations/")
    data = form_data(page.content, form_class="request-form")
    assert data["csrfmiddlewaretoken"]
    response = browser.post("/en/s/rivers/translations/", {**data, "language": "fa"})
    assert response.status_code == 302 and response["Location"] == "/en/s/rivers/translations/"
    request = TranslationRequest.objects.get(statement=statement)
    assert (request.language, request.requested_by) == ("fa", organizer)
    page = browser.get(response["Location"]).content.decode()
    assert "The translation is requested." in page
    assert 'id="progress-fa"' in page


def test_the_request_form_refuses_an_invalid_code(statement, organizer_client):
    response = organizer_client.post("/en/s/rivers/translations/", {"language": "<b>x</b>"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "The language must be a code such as en, fr or pt-BR." in page
    assert "<b>x</b>" not in page  # shown as text
    assert not TranslationRequest.objects.exists()


def test_requesting_the_source_language_on_the_page_changes_nothing(statement, organizer_client):
    response = organizer_client.post("/en/s/rivers/translations/", {"language": "en"}, follow=True)
    assert "Nothing changed" in response.content.decode()
    assert not TranslationRequest.objects.exists()


def test_the_translations_page_needs_an_organizer(statement, client):
    response = client.post("/en/s/rivers/translations/", {"language": "ar"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not TranslationRequest.objects.exists()
