"""Country names in every interface language."""

import pytest
from django.conf import settings
from django.utils import translation

from undersigned.core.countries import country_choices, country_name


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES if code != "en"])
def test_every_interface_language_names_countries_in_that_language(language):
    with translation.override(language):
        assert country_name("DE") != "Germany"
        assert country_name("GR") != "Greece"


def test_kurmanji_country_names_come_from_cldr():
    assert country_name("DE", "ku") == "Almanya"
    assert dict(country_choices("ku"))["GR"] == "Yûnanistan"


def test_the_country_select_lists_every_country_by_its_name_in_the_language():
    choices = country_choices("ku")
    names = [name for _code, name in choices]
    assert len(choices) == len(country_choices("en")) and "Almanya" in names
    assert names.index("Almanya") < names.index("Yûnanistan")


def test_the_sign_form_offers_kurmanji_country_names(client, statement):
    page = client.get(f"/ku/s/{statement.slug}/").content.decode()
    assert '<option value="DE">Almanya</option>' in page
