"""The organizer's import: paste or upload, preview, correct, save as a draft."""

from pathlib import Path

import pytest

from tests.statements.forms import form_data
from undersigned.signatures.models import Signature
from undersigned.statements.models import Statement

SAMPLES = Path(__file__).parent / "samples"
IMPORT = "/admin/statements/statement/import/"


@pytest.fixture
def organizer_client(client, organizer):
    client.force_login(organizer)
    return client


def test_preview_shows_titles_blocks_signatories_and_saves_nothing(organizer_client):
    text = (SAMPLES / "appeal.md").read_text()
    page = organizer_client.post(IMPORT, {"text": text, "action": "preview"}).content.decode()
    assert "Preview" in page and 'name="title-0-language"' in page
    assert "signatories" in page
    assert not Statement.objects.exists()


def test_preview_names_the_closing_signature_line(organizer_client):
    text = (SAMPLES / "communique.txt").read_text()
    response = organizer_client.post(IMPORT, {"text": text, "action": "preview"})
    assert response.context["parsed"].blocks[-1].kind == "closing"
    page = response.content.decode()
    assert "Closing signature line <strong>—</strong>" in page
    assert "Conference Secretariat, Istanbul, 12 May 2024" in page


def test_saving_the_preview_keeps_the_closing_signature_line(organizer_client):
    text = (SAMPLES / "communique.txt").read_text()
    data = {"text": text, "action": "save", "language": "en"}
    data.update({"title-0-language": "en", "title-0-text": "Final Communiqué"})
    organizer_client.post(IMPORT, data)
    blocks = Statement.objects.get().versions.get().blocks
    closing = blocks.get(kind="closing")
    assert (closing.marker, closing.text) == ("—", "Conference Secretariat, Istanbul, 12 May 2024")
    assert closing.position == blocks.count() - 1


def test_saving_the_preview_creates_a_draft_with_titles_and_nested_blocks(organizer_client):
    text = (SAMPLES / "declaration.txt").read_text()
    preview = organizer_client.post(IMPORT, {"text": text, "action": "preview"})
    titles = preview.context["parsed"].titles
    data = {"text": text, "action": "save", "language": "en"}
    for index, (code, title) in enumerate(titles.items()):
        data[f"title-{index}-language"] = code
        data[f"title-{index}-text"] = title
    response = organizer_client.post(IMPORT, data)
    assert response.status_code == 302
    statement = Statement.objects.get()
    assert statement.status == Statement.Status.DRAFT and statement.language == "en"
    stored = dict(statement.titles.values_list("language", "text"))
    assert set(stored) == set(titles) - {"en"}
    version = statement.versions.get()
    section = version.blocks.get(kind="section", number="3")
    assert list(section.children.values_list("number", flat=True)) == ["a", "b", "c", "d"]


def test_a_corrected_title_language_is_stored(organizer_client):
    text = "Su Hayattır\nWater Is Life\n\nWe ask for clean rivers and open data for everyone."
    data = {
        "text": text,
        "action": "save",
        "language": "en",
        "title-0-language": "tr",
        "title-0-text": "Su Hayattır",
        "title-1-language": "en",
        "title-1-text": "Water Is Life",
    }
    organizer_client.post(IMPORT, data)
    statement = Statement.objects.get()
    assert statement.title == "Water Is Life"
    assert dict(statement.titles.values_list("language", "text")) == {"tr": "Su Hayattır"}


def test_signatories_are_imported_unverified_by_email(organizer_client):
    text = (SAMPLES / "appeal.md").read_text()
    preview = organizer_client.post(IMPORT, {"text": text, "action": "preview"})
    parsed = preview.context["parsed"]
    data = {"text": text, "action": "save", "language": parsed.language, "signatories": "on"}
    for index, (code, title) in enumerate(parsed.titles.items()):
        data[f"title-{index}-language"] = code
        data[f"title-{index}-text"] = title
    organizer_client.post(IMPORT, data)
    with_country = [s for s in parsed.signatories if s.country]
    signatures = Signature.objects.all()
    assert signatures.count() == len(with_country) > 0
    assert {s.source for s in signatures} == {Signature.Source.IMPORT}
    assert all(s.email == "" for s in signatures)


def test_a_docx_upload_is_read(organizer_client, tmp_path):
    from tests.statements.test_parsing import _paragraph, _write_docx

    docx = _write_docx(
        tmp_path / "appeal.docx",
        [_paragraph("Water Is Life"), _paragraph("We ask for open river data for all.")],
    )
    with docx.open("rb") as handle:
        page = organizer_client.post(IMPORT, {"file": handle, "action": "preview"})
    assert page.status_code == 200
    assert [b.text for b in page.context["parsed"].blocks] == [
        "We ask for open river data for all."
    ]


def test_the_import_needs_a_text(organizer_client):
    page = organizer_client.post(IMPORT, {"text": "  ", "action": "preview"}).content.decode()
    assert "Paste a text or choose a file." in page


def _title_rows(data):
    """The (language, title) rows of the preview's form, without the empty ones."""
    rows = []
    for index in range(50):
        code = data.get(f"title-{index}-language", "")
        text = data.get(f"title-{index}-text", "")
        if code or text:
            rows.append((code, text))
    return rows


def _preview(client, data):
    """The import form of the preview that `data` leads to."""
    page = client.post(IMPORT, {**data, "action": "preview"})
    return form_data(page.content, containing="text")


def test_preview_again_keeps_the_corrected_title_languages_and_the_address(organizer_client):
    text = "Su Hayattır\nWater Is Life\n\nWe ask for clean rivers and open data for everyone."
    first = organizer_client.post(IMPORT, {"text": text, "action": "preview"})
    data = form_data(first.content, containing="text")
    assert set(_title_rows(data)) == {("tr", "Su Hayattır"), ("en", "Water Is Life")}
    rows = {title: index for index, (_code, title) in enumerate(_title_rows(data))}
    data[f"title-{rows['Su Hayattır']}-language"] = "ku"
    data[f"title-{rows['Water Is Life']}-language"] = "en-GB"
    data["slug"] = "water-is-life"
    again = _preview(organizer_client, data)
    assert set(_title_rows(again)) == {("ku", "Su Hayattır"), ("en-gb", "Water Is Life")}
    assert again["slug"] == "water-is-life"
    assert not Statement.objects.exists()


def test_preview_again_keeps_the_signatories_box_unticked(organizer_client):
    text = (SAMPLES / "appeal.md").read_text()
    first = organizer_client.post(IMPORT, {"text": text, "action": "preview"})
    data = form_data(first.content, containing="text")
    assert data["signatories"] == "on"
    del data["signatories"]
    again = _preview(organizer_client, data)
    assert "signatories" not in again


def test_a_curly_apostrophe_in_a_title_and_a_paragraph_survives_import(organizer_client):
    text = (
        "Dichiarazione per l’acqua dei fiumi\n\n"
        "Chiediamo che l’acqua dei fiumi resti un bene comune di chi ci vive accanto."
    )
    preview = organizer_client.post(IMPORT, {"text": text, "action": "preview"})
    data = form_data(preview.content, containing="text")
    organizer_client.post(IMPORT, {**data, "action": "save"})
    statement = Statement.objects.get()
    assert (statement.language, statement.title) == ("it", "Dichiarazione per l’acqua dei fiumi")
    blocks = statement.versions.get().blocks.exclude(text="")
    assert list(blocks.values_list("text", flat=True)) == [
        "Chiediamo che l’acqua dei fiumi resti un bene comune di chi ci vive accanto."
    ]


def test_a_french_interface_gives_the_reason_a_line_was_not_added_in_french(organizer_client):
    text = (
        "# Water Is Life\n\nWe ask for open river data for all.\n\n## Signatories\n\n"
        "1. Marco Rossi (Italy)\n2. Jane Doe\n"
    )
    french = {"HTTP_ACCEPT_LANGUAGE": "fr"}
    preview = organizer_client.post(IMPORT, {"text": text, "action": "preview"}, **french)
    parsed = preview.context["parsed"]
    assert [s.country for s in parsed.signatories] == ["IT", None]
    data = {"text": text, "action": "save", "language": "en", "signatories": "on"}
    for index, (code, title) in enumerate(parsed.titles.items()):
        data[f"title-{index}-language"] = code
        data[f"title-{index}-text"] = title
    page = organizer_client.post(IMPORT, data, follow=True, **french).content.decode()
    nbsp = "\N{NO-BREAK SPACE}"
    assert f"ligne 2{nbsp}: refusée «{nbsp}Jane Doe{nbsp}»{nbsp}: pas de pays" in page
