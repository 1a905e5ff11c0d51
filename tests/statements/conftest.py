"""Fixtures of the statements tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def french_catalog(monkeypatch):
    """Add an entry to the French catalog that Django has loaded, for this test only: a
    string added to the code is translated by someone else later, and a test can show
    meanwhile that it is looked up in the reader's language when it is shown."""
    from django.utils.translation import trans_real

    catalog = trans_real.translation("fr")._catalog

    def add(msgid: str, msgstr: str) -> None:
        monkeypatch.setitem(catalog._catalogs[0], msgid, msgstr)

    return add
