"""The UI catalogs: complete and free of fuzzy entries in every UI language, and in step
with the code (a string added to the code and not to the catalogs fails here)."""

from __future__ import annotations

import shutil

import pytest
from django.conf import settings
from django.core.management import call_command

from undersigned.core.catalogs import LOCALE_DIR, catalog_report, message_ids

LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]
PACKAGE = LOCALE_DIR.parent


def test_every_ui_language_has_a_catalog():
    assert sorted(p.parent.parent.name for p in LOCALE_DIR.glob("*/LC_MESSAGES/django.po")) == (
        sorted(LANGUAGES)
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_ui_string_is_translated_and_none_is_fuzzy(language):
    report = catalog_report(LOCALE_DIR / language / "LC_MESSAGES" / "django.po")
    assert report.total > 0
    assert report.untranslated == []
    assert report.fuzzy == []


def test_the_catalogs_hold_every_string_of_the_code(tmp_path, settings, monkeypatch):
    if shutil.which("xgettext") is None:
        pytest.skip("GNU gettext (xgettext) is missing: catalogs not compared with the code")
    copy = tmp_path / "undersigned"
    shutil.copytree(
        PACKAGE,
        copy,
        ignore=shutil.ignore_patterns("locale", "__pycache__", "*.mo", "undersigned-data"),
    )
    (copy / "locale").mkdir()
    settings.LOCALE_PATHS = [copy / "locale"]  # makemessages writes to the first one
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["fr"], ignore_patterns=["demo/*"], verbosity=0)

    in_code = message_ids(copy / "locale" / "fr" / "LC_MESSAGES" / "django.po")
    in_catalogs = message_ids(LOCALE_DIR / "fr" / "LC_MESSAGES" / "django.po")
    assert sorted(in_code - in_catalogs) == [], "run `make messages` and translate"
    assert sorted(in_catalogs - in_code) == [], "obsolete entries: run `make messages`"
