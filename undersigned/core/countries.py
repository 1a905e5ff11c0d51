"""Country names in the interface language.

django-countries translates its names through gettext catalogs, and ships none for some
of our interface languages (Kurmanji). For those, the names come from the Unicode CLDR as
Babel ships it: offline, like everything else. A test checks every interface language
gets names in its own language.
"""

from __future__ import annotations

from functools import lru_cache

from anyascii import anyascii
from babel import Locale
from django.utils import translation
from django_countries import countries

# Interface languages whose country names django-countries does not translate.
CLDR_LANGUAGES = frozenset({"ku"})


def _language(language: str | None) -> str:
    return (language or translation.get_language() or "en").split("-")[0].lower()


@lru_cache(maxsize=8)
def _cldr_names(language: str) -> dict[str, str]:
    territories = Locale.parse(language).territories
    return {code: territories.get(code) or str(name) for code, name in countries}


def country_name(code: str, language: str | None = None) -> str:
    """The name of the country `code` in `language` (by default, the active language)."""
    return _country_name(code, _language(language))


@lru_cache(maxsize=8192)
def _country_name(code: str, language: str) -> str:
    # Cached: a statement page names every country it counts (a gettext lookup each),
    # on every view.
    if language in CLDR_LANGUAGES:
        return _cldr_names(language).get(code) or code
    with translation.override(language):
        return str(countries.name(code) or code)


def country_choices(language: str | None = None) -> list[tuple[str, str]]:
    """(code, name) of every country, by name in `language`."""
    language = _language(language)
    if language not in CLDR_LANGUAGES:
        with translation.override(language):
            return [(code, str(name)) for code, name in countries]
    names = _cldr_names(language)
    return sorted(names.items(), key=lambda item: (anyascii(item[1]).casefold(), item[1]))
