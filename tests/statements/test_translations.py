"""Per-block translations: states, outdated blocks, the reader's language, side by side."""

import pytest
from django.test import Client

from tests.statements.forms import form_data
from tests.statements.rivers import (
    ARABIC,
    BODY,
    rivers,
    translate,
    use_echo_provider,
    version_of,
)
from undersigned.statements.models import BlockTranslation
from undersigned.statements.services import (
    MachineTranslationOff,
    statement_create,
    statement_publish,
    statement_update,
    translation_machine_fill,
    translation_save,
)


@pytest.fixture
def statement(db):
    return rivers()


def _translate(version, texts, state="approved", language="ar", title="الأنهار"):
    return translate(version, texts, state=state, language=language, title=title)


def test_a_language_is_offered_once_every_block_is_approved(statement):
    version = version_of(statement)
    _translate(version, dict(list(ARABIC.items())[:2]))
    version.refresh_from_db()
    assert version.languages == []
    _translate(version, ARABIC)
    version.refresh_from_db()
    assert version.languages == ["ar"]


def test_a_translation_waiting_for_review_is_not_public(statement):
    _translate(version_of(statement), ARABIC, state="needs_review")
    page = Client().get("/ar/s/rivers/").content.decode()
    assert "الماء حياة." not in page


def test_reader_with_arabic_interface_reads_the_approved_arabic_text(statement):
    _translate(version_of(statement), ARABIC)
    page = Client().get("/ar/s/rivers/").content.decode()
    assert 'lang="ar" dir="rtl">الماء حياة.' in page
    assert 'href="?lang=en"' in page  # the note links to the original


def test_accept_language_chooses_the_text_language(statement):
    _translate(version_of(statement), ARABIC)
    page = Client().get("/en/s/rivers/", HTTP_ACCEPT_LANGUAGE="ar,en;q=0.5").content.decode()
    # The interface is English (the address says so); the text follows the browser.
    assert '<html lang="en" dir="ltr">' in page
    assert 'lang="ar" dir="rtl">الماء حياة.' in page
    assert "This is a translation." in page
    assert 'href="?lang=en"' in page  # the note links to the original


def test_a_language_the_browser_refuses_with_q_zero_is_not_chosen(statement):
    _translate(version_of(statement), ARABIC)
    page = Client().get("/en/s/rivers/", HTTP_ACCEPT_LANGUAGE="ar;q=0").content.decode()
    assert 'lang="en" dir="ltr">Water is life.' in page
    assert "This is a translation." not in page


def test_accept_language_is_followed_in_the_order_of_its_q_values(statement):
    _translate(version_of(statement), ARABIC)
    header = "en;q=0.4,ar;q=0.9"
    page = Client().get("/en/s/rivers/", HTTP_ACCEPT_LANGUAGE=header).content.decode()
    assert 'lang="ar" dir="rtl">الماء حياة.' in page


def test_accept_language_skips_languages_the_text_does_not_exist_in(statement):
    _translate(version_of(statement), ARABIC)
    header = "fr,ar;q=0.8,en;q=0.5"
    page = Client().get("/en/s/rivers/", HTTP_ACCEPT_LANGUAGE=header).content.decode()
    assert 'lang="ar" dir="rtl">الماء حياة.' in page


def test_a_regional_accept_language_finds_its_language(statement):
    _translate(version_of(statement), ARABIC)
    page = Client().get("/en/s/rivers/", HTTP_ACCEPT_LANGUAGE="ar-EG").content.decode()
    assert 'lang="ar" dir="rtl">الماء حياة.' in page


def test_a_translation_waiting_for_review_is_not_chosen_by_accept_language(statement):
    _translate(version_of(statement), ARABIC, state="needs_review")
    page = Client().get("/en/s/rivers/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert 'lang="en" dir="ltr">Water is life.' in page
    assert "This is a translation." not in page


def test_explicit_choice_wins_over_accept_language(statement):
    _translate(version_of(statement), ARABIC)
    page = Client().get("/en/s/rivers/?lang=en", HTTP_ACCEPT_LANGUAGE="ar,en;q=0.5")
    assert 'lang="en" dir="ltr">Water is life.' in page.content.decode()
    assert "This is a translation." not in page.content.decode()


def test_accept_language_wins_over_the_interface_language(statement):
    _translate(version_of(statement), ARABIC)
    page = Client().get("/ar/s/rivers/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert 'lang="en" dir="ltr">Water is life.' in page


def test_interface_language_is_used_when_no_accepted_language_has_the_text(statement):
    _translate(version_of(statement), ARABIC)
    page = Client().get("/ar/s/rivers/", HTTP_ACCEPT_LANGUAGE="fr,de;q=0.5").content.decode()
    assert 'lang="ar" dir="rtl">الماء حياة.' in page


def test_the_statement_page_varies_by_accept_language(statement):
    response = Client().get("/en/s/rivers/")
    assert "Accept-Language" in response["Vary"]


def test_explicit_choice_wins_over_the_interface_language(statement):
    _translate(version_of(statement), ARABIC)
    page = Client().get("/ar/s/rivers/?lang=en").content.decode()
    assert 'lang="en" dir="ltr">Water is life.' in page


def test_side_by_side_shows_both_languages_with_their_directions(statement):
    _translate(version_of(statement), ARABIC)
    page = Client().get("/en/s/rivers/?lang=en&with=ar").content.decode()
    assert 'lang="en" dir="ltr">Water is life.' in page
    assert 'lang="ar" dir="rtl">الماء حياة.' in page
    assert 'lang="ar" dir="rtl">الأنهار' in page


def test_switcher_lists_only_approved_languages(statement):
    _translate(version_of(statement), ARABIC)
    _translate(version_of(statement), {"Water is life.": "Η ζωή."}, language="el", title="Ποτάμια")
    page = Client().get("/en/s/rivers/").content.decode()
    assert 'href="?lang=ar"' in page
    assert 'href="?lang=el"' not in page


def test_changing_a_source_block_outdates_exactly_its_translations(statement):
    new = _outdate_the_second_block(statement)
    assert _states(new) == {
        "Water is life.": "approved",
        "Publish all plans.": "outdated",
        "Consult the people.": "approved",
    }
    assert new.languages == []  # one block is outdated: Arabic is not complete
    assert version_of(statement, 1).languages == ["ar"]  # the published version keeps it


def test_translator_screen_shows_the_source_change_of_an_outdated_block(statement, client):
    from undersigned.core.accounts import organizer_create

    _translate(version_of(statement), ARABIC)
    statement_update(
        statement=statement,
        title="Rivers",
        body=BODY.replace("Publish plans.", "Publish all plans."),
        language="en",
        slug="rivers",
    )
    user, _password = organizer_create(email="t@example.org", password="a-Long-pass-42")
    client.force_login(user)
    page = client.get("/en/s/rivers/translate/ar/").content.decode()
    assert "Publish<ins> all</ins> plans." in page
    assert 'dir="rtl"' in page and 'name="t-' in page


def test_translator_screen_saves_and_approves(statement, client):
    from undersigned.core.accounts import organizer_create

    user, _password = organizer_create(email="t@example.org", password="a-Long-pass-42")
    client.force_login(user)
    version = version_of(statement)
    data = {f"t-{b.key}": ARABIC[b.text] for b in version.blocks.exclude(text="")}
    response = client.post(
        "/en/s/rivers/translate/ar/",
        {**data, "title": "الأنهار", "state": "approved", "version": version.number},
    )
    assert response.status_code == 302
    saved = BlockTranslation.objects.filter(language="ar")
    assert {t.state for t in saved} == {"approved"} and saved.count() == 3
    assert {t.translator for t in saved} == {user}
    version.refresh_from_db()
    assert version.languages == ["ar"]


def test_translator_screen_needs_an_organizer(statement):
    response = Client().get("/en/s/rivers/translate/ar/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_machine_translation_is_off_by_default(statement):
    with pytest.raises(MachineTranslationOff):
        translation_machine_fill(version=version_of(statement), language="ar")


def test_machine_output_is_stored_as_machine_needing_review(statement, monkeypatch):
    use_echo_provider(monkeypatch)
    filled = translation_machine_fill(version=version_of(statement), language="ar")
    assert filled == 3
    saved = BlockTranslation.objects.filter(language="ar")
    assert {(t.origin, t.state) for t in saved} == {("machine", "needs_review")}
    assert version_of(statement).languages == []


class _Unreachable:
    name = "unreachable"

    def translate(self, text, *, source, target):
        from undersigned.statements.translation import TranslationError

        raise TranslationError(
            "unreachable is unreachable: [Errno 111] Connection refused",
            reason=TranslationError.UNREACHABLE,
            detail="[Errno 111] Connection refused",
        )


def test_a_machine_translation_failure_is_told_in_the_interface_language(
    statement, translator, monkeypatch, french_catalog
):
    from undersigned.statements import translation

    monkeypatch.setattr(translation, "translation_provider", lambda: _Unreachable())
    french_catalog(
        "The machine translation service could not be reached. Try again later.",
        "Le service de traduction automatique est injoignable. Réessayez plus tard.",
    )
    response = translator.post("/fr/s/rivers/translate/ar/", {"action": "machine", "version": 1})
    assert response.status_code == 400
    page = response.content.decode()
    assert (
        "Le service de traduction automatique est injoignable. Réessayez plus tard. "
        '<span class="error-detail" lang="en" dir="auto">([Errno 111] Connection refused)</span>'
    ) in page
    assert "could not be reached" not in page
    assert not BlockTranslation.objects.exists()


def test_a_machine_translation_failure_logs_the_providers_words(
    statement, translator, monkeypatch, caplog
):
    from undersigned.statements import translation

    monkeypatch.setattr(translation, "translation_provider", lambda: _Unreachable())
    with caplog.at_level("WARNING", logger="undersigned.statements.views"):
        translator.post("/en/s/rivers/translate/ar/", {"action": "machine", "version": 1})
    assert "rivers into ar failed: unreachable is unreachable: [Errno 111]" in caplog.text


def test_api_gives_titles_and_approved_languages(statement):
    _translate(version_of(statement), ARABIC)
    data = Client().get("/api/v1/statements/rivers").json()
    assert data["titles"] == {"en": "Rivers", "ar": "الأنهار"}
    assert data["languages"] == ["ar"]


# --- the translator's screen: a state goes to the blocks the translator touched ---------------


@pytest.fixture
def translator(statement, client):
    from undersigned.core.accounts import organizer_create

    user, _password = organizer_create(email="t@example.org", password="a-Long-pass-42")
    client.force_login(user)
    return client


def _machine_drafts(statement, monkeypatch):
    use_echo_provider(monkeypatch)
    translation_machine_fill(version=version_of(statement), language="ar")


def _screen(client, version):
    """The translator's form as the screen shows it, ready to post back."""
    page = client.get(f"/en/s/rivers/translate/ar/?version={version.number}")
    return form_data(page.content, form_class="translate-form")


def _states(version):
    return {
        t.block.text: t.state
        for t in BlockTranslation.objects.filter(
            block__version=version, language="ar"
        ).select_related("block")
    }


def _outdate_the_second_block(statement):
    _translate(version_of(statement), ARABIC)
    statement_update(
        statement=statement,
        title="Rivers",
        body=BODY.replace("Publish plans.", "Publish all plans."),
        language="en",
        slug="rivers",
    )
    return version_of(statement, 2)


def test_saving_one_edited_block_as_approved_leaves_an_untouched_machine_draft_to_review(
    statement, translator, monkeypatch
):
    _machine_drafts(statement, monkeypatch)
    version = version_of(statement)
    data = _screen(translator, version)
    first = version.blocks.get(text="Water is life.")
    data[f"t-{first.key}"] = ARABIC["Water is life."]
    response = translator.post(
        f"/en/s/rivers/translate/ar/?version={version.number}", {**data, "state": "approved"}
    )
    assert response.status_code == 302
    assert _states(version) == {
        "Water is life.": "approved",
        "Publish plans.": "needs_review",
        "Consult the people.": "needs_review",
    }
    untouched = BlockTranslation.objects.get(block__text="Publish plans.", language="ar")
    assert (untouched.origin, untouched.text) == ("machine", "[ar] Publish plans.")


def test_saving_another_block_leaves_an_untouched_outdated_block_outdated(statement, translator):
    version = _outdate_the_second_block(statement)
    outdated = BlockTranslation.objects.get(block__version=version, state="outdated")
    data = _screen(translator, version)
    first = version.blocks.get(text="Water is life.")
    data[f"t-{first.key}"] = "الماء هو الحياة."
    translator.post(
        f"/en/s/rivers/translate/ar/?version={version.number}", {**data, "state": "approved"}
    )
    assert _states(version) == {
        "Water is life.": "approved",
        "Publish all plans.": "outdated",
        "Consult the people.": "approved",
    }
    assert BlockTranslation.objects.get(pk=outdated.pk).source_hash == outdated.source_hash


def test_a_state_chosen_for_an_unedited_block_applies_to_that_block_only(
    statement, translator, monkeypatch
):
    _machine_drafts(statement, monkeypatch)
    version = version_of(statement)
    data = _screen(translator, version)
    second = version.blocks.get(text="Publish plans.")
    assert data[f"s-{second.key}"] == "needs_review"  # the screen shows the block's state
    data[f"s-{second.key}"] = "approved"
    translator.post(
        f"/en/s/rivers/translate/ar/?version={version.number}", {**data, "state": "draft"}
    )
    assert _states(version) == {
        "Water is life.": "needs_review",
        "Publish plans.": "approved",
        "Consult the people.": "needs_review",
    }


def test_approving_an_unedited_outdated_block_confirms_it_against_the_new_source(
    statement, translator
):
    version = _outdate_the_second_block(statement)
    data = _screen(translator, version)
    second = version.blocks.get(text="Publish all plans.")
    assert data[f"s-{second.key}"] == "outdated"
    data[f"s-{second.key}"] = "approved"
    translator.post(
        f"/en/s/rivers/translate/ar/?version={version.number}", {**data, "state": "draft"}
    )
    confirmed = BlockTranslation.objects.get(block=second, language="ar")
    assert (confirmed.state, confirmed.source_hash) == ("approved", second.source_hash)
    version.refresh_from_db()
    assert version.languages == ["ar"]


def test_a_text_posted_back_with_browser_line_breaks_is_not_an_edit(statement):
    version = version_of(statement)
    first = version.blocks.get(text="Water is life.")
    translation_save(
        version=version, language="ar", texts={first.key: "الماء\nحياة."}, state="needs_review"
    )
    translation_save(
        version=version, language="ar", texts={first.key: "الماء\r\nحياة."}, state="approved"
    )
    assert BlockTranslation.objects.get(block=first, language="ar").state == "needs_review"


def test_the_closing_signature_line_is_translated_like_any_block(db):
    statement = statement_create(
        title="Rivers",
        body="Water is life.\n\nSigned by the participating organizations",
        language="en",
        slug="signed",
    )
    version = version_of(statement_publish(statement=statement))
    _translate(
        version,
        {
            "Water is life.": "الماء حياة.",
            "Signed by the participating organizations": "وقّعته المنظمات المشاركة",
        },
    )
    version.refresh_from_db()
    assert version.languages == ["ar"]
    page = Client().get("/en/s/signed/?lang=ar").content.decode()
    assert 'class="block-closing"' in page
    assert 'lang="ar" dir="rtl">وقّعته المنظمات المشاركة</p>' in page


def test_side_by_side_pairs_the_closing_line_with_its_translation(db):
    statement = statement_create(
        title="Rivers",
        body="Water is life.\n\n— Conference Secretariat",
        language="en",
        slug="signed",
    )
    version = version_of(statement_publish(statement=statement))
    _translate(
        version, {"Water is life.": "الماء حياة.", "Conference Secretariat": "أمانة المؤتمر"}
    )
    page = Client().get("/en/s/signed/?lang=en&with=ar").content.decode()
    assert '<div class="pair pair-closing"' in page
    assert 'lang="ar" dir="rtl"><span class="marker">—</span> أمانة المؤتمر</p>' in page


def test_translator_screen_offers_the_closing_line_to_translate(translator):
    statement = statement_create(
        title="Letter",
        body="Water is life.\n\nOn behalf of the coalition",
        language="en",
        slug="letter",
    )
    closing = version_of(statement).blocks.get(kind="closing")
    page = translator.get("/en/s/letter/translate/ar/").content.decode()
    assert f'name="t-{closing.key}"' in page
    assert "On behalf of the coalition" in page
