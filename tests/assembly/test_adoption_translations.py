"""Adoption starts the translation workflow: the conference's languages are requested for
the published declaration, machine drafts are queued when a provider is configured, and
the secretariat follows the progress from the conference page."""

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult

from tests.assembly.conftest import amend, audited
from undersigned.assembly import services
from undersigned.assembly.services import ConferenceError
from undersigned.statements import translation
from undersigned.statements.models import BlockTranslation, TranslationRequest

MACHINE_DRAFT = "undersigned.statements.tasks.translation_machine_draft"


class FakeProvider:
    """Translates by tagging the text, and remembers when it was asked."""

    name = "fake"

    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []

    def translate(self, text, *, source, target):
        self.asked.append((target, text))
        return f"[{target}] {text}"


@pytest.fixture
def provider(monkeypatch):
    fake = FakeProvider()
    monkeypatch.setattr(translation, "translation_provider", lambda: fake)
    return fake


@pytest.fixture
def no_provider(settings):
    settings.MT_URL = None


def _with_languages(conference, languages):
    conference.languages = languages
    conference.save(update_fields=["languages"])
    return conference


def _final_ballot(conference, people, yes=40, no=2):
    chair = people["chair"]
    amendment = amend(conference, people["ayse"])
    services.amendment_decide(amendment=amendment, status="adopted", by=chair)
    version = services.conference_consolidate(conference=conference, by=chair)
    final = services.ballot_create(
        conference=conference, by=chair, title="Whole text", version=version, mode="recorded"
    )
    services.ballot_record(ballot=final, by=chair, yes=yes, no=no, abstain=0)
    return final


def _adopt(conference, people):
    final = _final_ballot(conference, people)
    return services.conference_adopt(conference=conference, ballot=final, by=people["chair"])


def _requested(statement):
    return list(
        TranslationRequest.objects.filter(statement=statement)
        .order_by("pk")
        .values_list("language", flat=True)
    )


def test_adoption_requests_the_conference_languages_except_the_source(
    conference, people, no_provider
):
    _with_languages(conference, ["en", "tr", "ar", "fr"])
    statement = _adopt(conference, people)
    assert statement.is_signable
    assert _requested(statement) == ["tr", "ar", "fr"]
    assert {r.requested_by for r in statement.translation_requests.all()} == {people["chair"].user}


def test_adoption_audits_the_languages_it_requests(conference, people, no_provider):
    _with_languages(conference, ["en", "tr", "ar"])
    statement = _adopt(conference, people)
    entry = audited("translation.request", statement).get()
    assert entry.data == {"languages": ["tr", "ar"]}
    assert entry.actor == people["chair"].user


def test_a_refused_adoption_requests_no_translation(conference, people, no_provider):
    _with_languages(conference, ["tr", "ar"])
    final = _final_ballot(conference, people, yes=2, no=40)  # the text was not adopted
    with pytest.raises(ConferenceError):
        services.conference_adopt(conference=conference, ballot=final, by=people["chair"])
    assert not TranslationRequest.objects.exists()


def test_a_conference_language_that_is_no_code_does_not_stop_the_adoption(
    conference, people, no_provider
):
    _with_languages(conference, ["tr", "not a code"])
    statement = _adopt(conference, people)
    assert statement.is_signable
    assert _requested(statement) == ["tr"]


def test_without_a_provider_adoption_queues_no_machine_draft(conference, people, no_provider):
    _with_languages(conference, ["tr", "ar"])
    _adopt(conference, people)
    assert not DBTaskResult.objects.filter(task_path=MACHINE_DRAFT).exists()


def test_with_a_provider_adoption_queues_machine_drafts_and_asks_it_nothing(
    conference, people, provider
):
    _with_languages(conference, ["en", "tr", "ar"])
    _adopt(conference, people)
    queued = DBTaskResult.objects.filter(task_path=MACHINE_DRAFT)
    assert sorted(task.args_kwargs["args"][1] for task in queued) == ["ar", "tr"]
    assert provider.asked == []  # the provider is the worker's business, not the adoption's


def test_the_queued_machine_drafts_are_stored_as_machine_needing_review(
    conference, people, provider, deliver_mail
):
    _with_languages(conference, ["tr", "ar"])
    statement = _adopt(conference, people)
    deliver_mail()  # runs the queue, as the worker of `undersigned serve` does
    adopted = statement.versions.get(published_at__isnull=False, number=2)
    blocks = adopted.blocks.exclude(text="").count()
    drafts = BlockTranslation.objects.filter(block__version=adopted)
    assert {(t.language, t.origin, t.state) for t in drafts} == {
        ("tr", "machine", "needs_review"),
        ("ar", "machine", "needs_review"),
    }
    assert drafts.filter(language="tr").count() == blocks
    assert drafts.get(language="ar", block__text="Section two, amended.").text == (
        "[ar] Section two, amended."
    )
    adopted.refresh_from_db()
    assert adopted.languages == []  # nothing is published before a person approves it


# --- the conference page ----------------------------------------------------------------------


def _page(conference, user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.get(conference.get_absolute_url()).content.decode()


def test_after_adoption_the_secretariat_sees_the_translations_line(conference, people, no_provider):
    _with_languages(conference, ["tr", "ar"])
    _adopt(conference, people)
    page = _page(conference, people["chair"].user)
    line = page.split('class="conference-translations"', 1)[1].split("</p>", 1)[0]
    assert '<span lang="tr" dir="ltr">Türkçe</span> (0/5 approved)' in line
    assert '<span lang="ar" dir="rtl">العربية</span> (0/5 approved)' in line
    assert 'href="/en/s/decl/translations/"' in line


def test_delegates_and_the_public_do_not_see_the_translations_line(conference, people, no_provider):
    _with_languages(conference, ["tr"])
    _adopt(conference, people)
    assert "conference-translations" not in _page(conference, people["ayse"].user)
    assert "conference-translations" not in _page(conference)


def test_before_adoption_there_is_no_translations_line(conference, people):
    _with_languages(conference, ["tr"])
    assert "conference-translations" not in _page(conference, people["chair"].user)
