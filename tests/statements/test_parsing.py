"""The import parser: a published statement (text, Markdown, DOCX) read into titles per
language, nested sections, lists and signatories, with every unread line kept."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from undersigned.cli import main
from undersigned.statements.docx import DocxError, docx_paragraphs
from undersigned.statements.models import Statement
from undersigned.statements.parsing import (
    body_text,
    detect_language,
    guess_kind,
    normalize_text,
    parse_body,
    parse_signatory,
    parse_statement,
    read_statement_file,
    resolve_country,
)

SAMPLES = Path(__file__).parent / "samples"
DECLARATION = SAMPLES / "declaration.txt"
APPEAL = SAMPLES / "appeal.md"
COMMUNIQUE = SAMPLES / "communique.txt"

EXPECTED_TITLES = {
    "tr": "Ortak Bildirge: Barış, Su ve Topraklarımızda Yaşama Hakkı İçin",
    "en": "Joint Declaration: For Peace, Water and the Right to Live on Our Land",
    "ar": "إعلان مشترك: من أجل السلام والمياه والحق في العيش على أرضنا",
    "fa": "بیانیهٔ مشترک: برای صلح، آب و حق زندگی در سرزمین‌مان",
    "it": "Dichiarazione congiunta: per la pace, l’acqua e il diritto di vivere sulla nostra terra",
    "el": "Κοινή Διακήρυξη: Για την ειρήνη, το νερό και το δικαίωμα να ζούμε στη γη μας",
    "ku": "Daxuyaniya Hevbeş: Ji bo Aştî, Av û Mafê Jiyanê li ser Axa Me",
    "hy": "Համատեղ հռչակագիր. հանուն խաղաղության, ջրի և մեր հողում ապրելու իրավունքի",
    "es": "Declaración conjunta: por la paz, el agua y el derecho a vivir en nuestra tierra",
    "fr": "Déclaration commune : pour la paix, l’eau et le droit de vivre sur notre terre",
    "pt": "Declaração conjunta: pela paz, pela água e pelo direito de viver na nossa terra",
}


@pytest.fixture(scope="module")
def declaration() -> dict:
    return parse_statement(DECLARATION.read_text(encoding="utf-8")).as_dict()


@pytest.fixture(scope="module")
def appeal() -> dict:
    return parse_statement(APPEAL.read_text(encoding="utf-8")).as_dict()


def by_name(parsed: dict, name: str) -> dict:
    return next(signatory for signatory in parsed["signatories"] if signatory["name"] == name)


# --- titles and languages ---------------------------------------------------------------------


@pytest.mark.parametrize(("language", "title"), EXPECTED_TITLES.items())
def test_title_block_gives_each_language_its_title(declaration, language, title):
    assert declaration["titles"][language] == title


def test_title_block_has_exactly_the_eleven_languages_in_order(declaration):
    assert list(declaration["titles"]) == list(EXPECTED_TITLES)


def test_title_lines_do_not_reach_the_body(declaration):
    assert declaration["blocks"][0]["text"].startswith("We, the movements")


def test_titles_set_apart_by_blank_lines_form_one_block():
    text = "Joint Appeal\n\nOrtak Çağrı\n\nAppel commun\n\nWe ask the governments to act now.\n"
    parsed = parse_statement(text)
    assert parsed.titles == {"en": "Joint Appeal", "tr": "Ortak Çağrı", "fr": "Appel commun"}
    assert [block.text for block in parsed.blocks] == ["We ask the governments to act now."]


def test_single_markdown_title_is_keyed_by_the_body_language(appeal):
    assert appeal["titles"] == {"en": "Stop the Deportations: An Appeal from Four Countries"}


def test_a_title_broken_over_two_lines_is_joined():
    text = "Joint Declaration\nfor the Rivers of Mesopotamia\n\nThe rivers belong to all of us.\n"
    assert parse_statement(text).titles == {"en": "Joint Declaration for the Rivers of Mesopotamia"}


def test_a_statement_opening_with_prose_has_no_title():
    text = "We, the undersigned, ask the governments of the basin to share their data.\n"
    parsed = parse_statement(text)
    assert parsed.titles == {}
    assert parsed.blocks[0].kind == "paragraph"


def test_body_language_is_not_swayed_by_a_kurdish_slogan(declaration):
    assert declaration["language"] == "en"


def test_given_language_overrides_the_detected_one():
    parsed = parse_statement(DECLARATION.read_text(encoding="utf-8"), language="tr")
    assert parsed.language == "tr"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Daxuyaniya Hevbeş ji bo Aştî û Azadiyê", "ku"),
        ("Em jî li vir in", "ku"),
        ("Barış ve özgürlük için ortak bildirge", "tr"),
        ("Siyasî Tutsaklar için Barış Çağrısı", "tr"),
        ("Une fête sûre pour la paix et la liberté", "fr"),
        ("Você também pode assinar este apelo", "pt"),
        ("Համատեղ կոչ խաղաղության համար", "hy"),
        ("Κοινή έκκληση για την ειρήνη", "el"),
        ("نداء مشترك من أجل السلام", "ar"),
        ("فراخوان مشترک برای صلح", "fa"),
        ("Совместное обращение за мир", "ru"),
        ("Спільне звернення за мир і свободу", "uk"),
        ("Joint appeal for peace", "en"),
        ("2025", None),
    ],
)
def test_detect_language_by_script_rules_and_lingua(text, language):
    assert detect_language(text) == language


# --- body structure ---------------------------------------------------------------------------


def test_numbered_sections_keep_their_numbers_and_markers(declaration):
    sections = [block for block in declaration["blocks"] if block["kind"] == "section"]
    assert [section["number"] for section in sections] == ["1", "2", "3", "4", "5", "6"]
    assert [section["marker"] for section in sections[:3]] == ["1.", "2)", "3-"]


def test_lettered_items_nest_in_their_section(declaration):
    third = next(block for block in declaration["blocks"] if block["number"] == "3")
    assert third["text"] == "We demand from all governments of the basin:"
    assert [(child["kind"], child["number"]) for child in third["children"]] == [
        ("item", "a"),
        ("item", "b"),
        ("item", "c"),
        ("item", "d"),
    ]
    assert [child["marker"] for child in third["children"]] == ["a-", "b-", "c)", "d."]


def test_sections_without_sub_items_have_no_children(declaration):
    sections = [block for block in declaration["blocks"] if block["kind"] == "section"]
    assert [len(section["children"]) for section in sections] == [0, 0, 4, 0, 0, 0]


def test_wrapped_lines_continue_their_section_and_item(declaration):
    first = next(block for block in declaration["blocks"] if block["number"] == "1")
    assert first["text"].endswith(
        "ancient sites and the graves of our ancestors. "
        "The water of a river belongs to everyone who lives along it."
    )
    third = next(block for block in declaration["blocks"] if block["number"] == "3")
    assert third["children"][1]["text"] == (
        "that they stop building new dams until the people affected have been consulted, "
        "in their own language;"
    )


def test_closing_exclamations_become_one_list(declaration):
    closing = declaration["blocks"][-1]
    assert closing["kind"] == "list"
    assert [item["text"] for item in closing["children"]] == [
        "Water is life!",
        "Long live the solidarity of peoples!",
        "Bijî aştî!",
        "Peace on the rivers!",
    ]


def test_exclamations_set_apart_by_blank_lines_also_become_one_list():
    parsed = parse_statement("Title Here\n\nSome text to start.\n\nNo war!\n\nNo dams!\n")
    assert parsed.blocks[-1].kind == "list"
    assert [item.text for item in parsed.blocks[-1].children] == ["No war!", "No dams!"]


def test_bulleted_lines_become_a_list_of_items(appeal):
    bullets = next(block for block in appeal["blocks"] if block["kind"] == "list")
    assert [item["text"] for item in bullets["children"]] == [
        "stop deportations to countries at war;",
        "grant residence to everyone who has lived here for five years;",
        "close the detention centres.",
    ]
    assert {item["kind"] for item in bullets["children"]} == {"item"}


def test_markdown_heading_in_the_body_becomes_a_heading():
    parsed = parse_statement("# Title\n\nIntro text here.\n\n## Our demands\n\n1. Stop it.\n")
    assert [(block.kind, block.text) for block in parsed.blocks] == [
        ("paragraph", "Intro text here."),
        ("heading", "Our demands"),
        ("section", "Stop it."),
    ]


def test_short_title_like_line_becomes_a_heading():
    text = "Title\n\nIntro text, which is a sentence.\n\nOur Common Demands\n\n1. Stop it.\n"
    kinds = [(block.kind, block.text) for block in parse_statement(text).blocks]
    assert ("heading", "Our Common Demands") in kinds


def test_numbers_and_letters_inside_words_start_no_section_or_item():
    text = (
        "Title\n\nIntro.\n\n1.5 million people live in the valley.\n\n"
        "3-4 villages are flooded every year.\n\ne-mail us to sign.\n"
    )
    assert {block.kind for block in parse_statement(text).blocks} == {"paragraph"}


def test_parenthesised_numbers_and_letters_are_markers_too():
    parsed = parse_statement("Title\n\nIntro.\n\n(1) First demand:\n(a) first point\n")
    section = parsed.blocks[-1]
    assert (section.number, section.marker) == ("1", "(1)")
    assert [(item.number, item.marker) for item in section.children] == [("a", "(a)")]


def test_indented_bullets_nest_in_their_section():
    parsed = parse_statement("Title\n\nIntro.\n\n1. We demand:\n   - peace\n   - water\n")
    section = parsed.blocks[-1]
    assert section.children[0].kind == "list"
    assert [item.text for item in section.children[0].children] == ["peace", "water"]


def test_a_paragraph_after_the_items_closes_the_section():
    text = "Title\n\nIntro.\n\n1. We demand:\na) peace\n\nThat is all we ask for.\n\nb) water\n"
    blocks = parse_statement(text).blocks
    assert [block.kind for block in blocks] == ["paragraph", "section", "paragraph", "item"]


# --- the closing signature line ---------------------------------------------------------------


def _kinds(parsed) -> list[tuple[str, str]]:
    return [(block.kind, block.text) for block in parsed.blocks]


def test_a_last_line_signed_by_becomes_the_closing_signature_line():
    parsed = parse_statement(
        "Title\n\nWe ask for peace.\n\nSigned by the participating organizations\n"
    )
    assert _kinds(parsed) == [
        ("paragraph", "We ask for peace."),
        ("closing", "Signed by the participating organizations"),
    ]


def test_a_dashed_attribution_at_the_end_is_the_closing_line_with_its_dash():
    parsed = parse_statement(COMMUNIQUE.read_text(encoding="utf-8"))
    closing = parsed.blocks[-1]
    assert (closing.kind, closing.marker, closing.text) == (
        "closing",
        "—",
        "Conference Secretariat, Istanbul, 12 May 2024",
    )
    assert [block.kind for block in parsed.blocks[:-1]] == [
        "paragraph",
        "section",
        "section",
        "paragraph",
    ]


def test_an_attribution_above_the_signatory_list_stays_in_the_text_as_its_closing_line():
    text = (
        "Title\n\nWe ask for peace.\n\nThe undersigned organizations:\n\n"
        "Ayşe Demir (Türkiye)\nKESK (Türkiye)\n"
    )
    parsed = parse_statement(text)
    assert parsed.blocks[-1].kind == "closing"
    assert parsed.blocks[-1].text == "The undersigned organizations:"
    assert [signatory.name for signatory in parsed.signatories] == ["Ayşe Demir", "KESK"]


def test_a_closing_line_just_before_an_unheaded_signatory_list_is_kept():
    text = (
        "Title\n\nWe ask for peace.\n\nOn behalf of the coalition\n\n"
        "Ayşe Demir (Türkiye)\nMarco Rossi (Italia)\nAnna Schmidt (Deutschland)\n"
    )
    parsed = parse_statement(text)
    assert _kinds(parsed)[-1] == ("closing", "On behalf of the coalition")
    assert len(parsed.signatories) == 3


@pytest.mark.parametrize(
    "line",
    [
        "Au nom du secrétariat de la conférence",
        "Konferans Sekreterliği adına",
        "Les organisations signataires",
        "От имени оргкомитета",
        "Firmado por las organizaciones participantes",
        "– Secretaría de la Conferencia, Estambul",
    ],
)
def test_closing_lines_are_recognised_in_other_languages(line):
    parsed = parse_statement(f"Title\n\nSome text of the statement.\n\n{line}\n")
    assert parsed.blocks[-1].kind == "closing"


@pytest.mark.parametrize(
    "line",
    [
        "The undersigned organizations call on all governments to stop the war.",
        "We invite every organisation and every person who agrees to sign this appeal.",
        "On behalf of the people of the valley, we demand justice.",
        "Signed by the participating organizations.",
        "— The conference ended with a minute of silence.",
    ],
)
def test_an_ordinary_closing_paragraph_is_no_signature_line(line):
    parsed = parse_statement(f"Title\n\nSome text of the statement.\n\n{line}\n")
    assert "closing" not in {block.kind for block in parsed.blocks}


def test_an_attribution_before_more_text_is_no_signature_line():
    text = "Title\n\nIntro.\n\nSigned by the participating organizations\n\nMore text here.\n"
    assert "closing" not in {block.kind for block in parse_statement(text).blocks}


def test_a_lone_hyphen_bullet_at_the_end_stays_a_list():
    text = "Title\n\nWe ask the governments to act.\n\n- Conference Secretariat\n"
    parsed = parse_statement(text)
    assert [block.kind for block in parsed.blocks] == ["paragraph", "list"]


def test_a_text_that_is_only_an_attribution_has_no_signature_line():
    assert parse_body("Signed by the participating organizations")[0].kind != "closing"


def test_the_closing_line_reads_back_from_the_text_written_for_the_organizer():
    blocks = parse_statement(COMMUNIQUE.read_text(encoding="utf-8")).blocks
    again = parse_body(body_text(blocks))
    assert [(b.kind, b.marker, b.text) for b in again] == [
        (b.kind, b.marker, b.text) for b in blocks
    ]


# --- text normalization -----------------------------------------------------------------------


def test_typographic_quotes_are_kept_and_lose_inner_spaces(declaration):
    fifth = next(block for block in declaration["blocks"] if block["number"] == "5")
    assert fifth["text"] == (
        "We call on “all people of conscience” to stand with the villages of the valley."
    )


def test_stray_spaces_are_folded_and_removed_before_punctuation(declaration):
    assert declaration["blocks"][0]["text"] == (
        "We, the movements, unions and associations gathered in Diyarbakır on 8 and 9 March, "
        "declare the following to the peoples of the region and to the world."
    )


def test_space_before_a_semicolon_goes_outside_french(declaration):
    third = next(block for block in declaration["blocks"] if block["number"] == "3")
    assert third["children"][0]["text"].endswith("of every dam;")


def test_french_keeps_its_space_before_a_colon(declaration):
    assert declaration["titles"]["fr"].startswith("Déclaration commune : pour")


def test_normalize_text_keeps_guillemets_and_the_persian_zero_width_non_joiner():
    assert normalize_text("«\u00a0Paix\u00a0»") == "« Paix »"
    assert normalize_text("سرزمین\u200cهای") == "سرزمین\u200cهای"


def test_normalize_text_drops_zero_width_spaces_and_soft_hyphens():
    assert normalize_text("Wa\u200bter\u00ad  is\tlife") == "Water is life"


# --- signatories ------------------------------------------------------------------------------


def test_signatories_heading_starts_the_list(appeal):
    assert len(appeal["signatories"]) == 19
    assert appeal["signatories"][0]["name"] == "Refugee Solidarity Network"
    assert all(block["text"] != "Signatories" for block in appeal["blocks"])


def test_name_and_country(appeal):
    assert by_name(appeal, "Marco Rossi") == {
        "name": "Marco Rossi",
        "kind": "person",
        "country": "IT",
        "affiliation": None,
        "city": None,
    }


def test_group_before_a_colon_is_the_affiliation(appeal):
    signatory = by_name(appeal, "Leyla Şahin")
    assert (signatory["kind"], signatory["country"], signatory["affiliation"]) == (
        "person",
        "DE",
        "Berlin Migrant Assembly",
    )


def test_typographic_apostrophe_in_a_group_is_straightened(appeal):
    assert by_name(appeal, "Ayşe Demir")["affiliation"] == "Women's Assembly of Istanbul"


@pytest.mark.parametrize(
    ("name", "affiliation"),
    [
        ("Refugee Solidarity Network", "Welcome United"),  # en dash
        ("Mouvement Solidarité Migrants", "Réseau Europe"),  # em dash
        ("Sendika Dayanışma Platformu", "DİSK"),  # spaced hyphen
        ("Associazione Porti Aperti", "Rete Antirazzista"),
    ],
)
def test_network_after_the_dash_is_the_affiliation(appeal, name, affiliation):
    signatory = by_name(appeal, name)
    assert (signatory["kind"], signatory["affiliation"]) == ("organization", affiliation)


def test_city_before_the_country_is_kept_as_city(appeal):
    signatory = by_name(appeal, "Giulia Bianchi")
    assert (signatory["country"], signatory["city"]) == ("IT", "Bologna")


def test_kurdistan_is_read_without_a_country_code(appeal):
    signatory = by_name(appeal, "Komeleya Ciwanên Azad")
    assert (signatory["kind"], signatory["country"]) == ("organization", None)


@pytest.mark.parametrize(
    ("name", "country"),
    [
        ("Jean-Pierre Moreau", "DE"),  # Allemagne
        ("Anna Schmidt", "DE"),  # Германия
        ("Σύλλογος Μεταναστών Αθήνας", "DE"),  # Γερμανία
        ("Արամ Պետրոսյան", "DE"),  # Գերմանիա
        ("Ahmad Karimi", "DE"),  # آلمان
        ("Youssef Haddad", "DE"),  # ألمانيا
        ("Kadın Dayanışma Derneği", "TR"),  # Türkiye
        ("Союз мигрантов Марселя", "FR"),  # Франция
    ],
)
def test_countries_named_in_other_languages_are_resolved(appeal, name, country):
    assert by_name(appeal, name)["country"] == country


def test_unreadable_lines_are_kept_as_unparsed(appeal):
    assert appeal["unparsed"] == ["- Maria Santos (Portgal", '- =HYPERLINK("http://example.org")']


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("Türkiye", "TR"),
        ("Turkey", "TR"),
        ("Almanya", "DE"),
        ("Allemagne", "DE"),
        ("Германия", "DE"),
        ("Німеччина", "DE"),
        ("Γερμανία", "DE"),
        ("Գերմանիա", "DE"),
        ("ألمانيا", "DE"),
        ("آلمان", "DE"),
        ("Germania", "DE"),
        ("Alemanha", "DE"),
        ("Deutschland", "DE"),
        ("USA", "US"),
        ("UK", "GB"),
        ("the Netherlands", "NL"),
        ("Sûriye", "SY"),
        ("DE", "DE"),
        ("Kurdistan", None),
        ("Narnia", None),
    ],
)
def test_resolve_country_in_any_interface_language(value, code):
    assert resolve_country(value) == code


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Kadın Dayanışma Derneği", "organization"),
        ("Eğitim Sendikası", "organization"),
        ("Barış İnisiyatifi", "organization"),
        ("Syndicat des travailleurs", "organization"),
        ("Asociación de Vecinos", "organization"),
        ("Ассоциация мигрантов", "organization"),
        ("Ομοσπονδία Εργατών", "organization"),
        ("Κίνημα Ειρήνης", "organization"),
        ("جمعية التضامن", "organization"),
        ("انجمن صنفی معلمان", "organization"),
        ("KESK", "organization"),
        ("Kadın Dernekleri Platformu", "organization"),
        ("Chamber of Engineers", "organization"),
        ("Neville Chamberlain", "person"),
        ("Robert Redford", "person"),
        ("Ayşe Demir", "person"),
        ("Maria da Silva Santos", "person"),
        ("Dr. Hans Müller", "person"),
        ("محمد احمدی", "person"),
        ("Արամ Պետրոսյան", "person"),
    ],
)
def test_guess_kind_from_the_name(name, kind):
    assert guess_kind(name) == kind


@pytest.mark.parametrize(
    "line",
    [
        "=cmd|' /C calc'!A0 (Germany)",
        "Ali\u202eVeli (Türkiye)",
        "Maria Santos (Portgal)",
        "(Germany)",
        "and 120 more people who signed by post (Germany)",
    ],
)
def test_lines_failing_the_name_rules_are_not_signatories(line):
    assert parse_signatory(line) is None


@pytest.mark.parametrize(
    "heading", ["Signatories:", "## İmzacılar", "**Signataires**", "Firmantes", "Подписанты"]
)
def test_signatories_heading_in_several_languages(heading):
    parsed = parse_statement(f"Title\n\nSome text.\n\n{heading}\n\nAyşe Demir (Türkiye)\n")
    assert [signatory.name for signatory in parsed.signatories] == ["Ayşe Demir"]
    assert parsed.blocks[-1].text == "Some text."


def test_signatory_list_without_heading_is_found_at_the_end():
    text = (
        "Title\n\nWe ask for peace.\n\nAyşe Demir (Türkiye)\nMarco Rossi (Italia)\n"
        "Broken Line (Nowhere\nAnna Schmidt (Deutschland)\n"
    )
    parsed = parse_statement(text)
    assert [signatory.name for signatory in parsed.signatories] == [
        "Ayşe Demir",
        "Marco Rossi",
        "Anna Schmidt",
    ]
    assert parsed.unparsed == ["Broken Line (Nowhere"]
    assert [block.text for block in parsed.blocks] == ["We ask for peace."]


def test_names_under_a_heading_need_no_country():
    parsed = parse_statement("Title\n\nText.\n\nSignatories\n\nAyşe Demir\nKESK\n")
    assert [(s.name, s.kind, s.country) for s in parsed.signatories] == [
        ("Ayşe Demir", "person", None),
        ("KESK", "organization", None),
    ]


def test_a_sentence_under_the_heading_is_unparsed():
    parsed = parse_statement("Title\n\nText.\n\nSignatories:\n\nAyşe Demir\nand many others\n")
    assert parsed.unparsed == ["and many others"]


def test_group_headings_in_the_list_set_kind_and_country():
    text = (
        "Title\n\nText.\n\nSignatories\n\nOrganizations:\nNo Border Camp\n\n"
        "Individuals:\nGermany:\nAnna Weber\nPierre Dubois (France)\n"
    )
    parsed = parse_statement(text)
    assert [(s.name, s.kind, s.country) for s in parsed.signatories] == [
        ("No Border Camp", "organization", None),
        ("Anna Weber", "person", "DE"),
        ("Pierre Dubois", "person", "FR"),
    ]


def test_a_body_heading_about_signatures_does_not_start_the_list():
    text = "Title\n\nIntro.\n\nWhy We Collect Signatures\n\nBecause numbers count.\n"
    parsed = parse_statement(text)
    assert parsed.signatories == []
    assert [block.kind for block in parsed.blocks] == ["paragraph", "heading", "paragraph"]


# --- files ------------------------------------------------------------------------------------

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _paragraph(text: str, num_id: int | None = None, level: int = 0) -> str:
    numbering = (
        f'<w:pPr><w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/></w:numPr></w:pPr>'
        if num_id
        else ""
    )
    return f"<w:p>{numbering}<w:r><w:t xml:space='preserve'>{text}</w:t></w:r></w:p>"


def _write_docx(path: Path, paragraphs: list[str]) -> Path:
    document = f'<w:document xmlns:w="{_W}"><w:body>{"".join(paragraphs)}</w:body></w:document>'
    numbering = (
        f'<w:numbering xmlns:w="{_W}"><w:abstractNum w:abstractNumId="0">'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
        '<w:lvlText w:val="%1."/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="lowerLetter"/>'
        '<w:lvlText w:val="%2)"/></w:lvl></w:abstractNum>'
        '<w:abstractNum w:abstractNumId="1"><w:lvl w:ilvl="0"><w:numFmt w:val="bullet"/>'
        '<w:lvlText w:val="\uf0b7"/></w:lvl></w:abstractNum>'
        '<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>'
        '<w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num></w:numbering>'
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", document)
        archive.writestr("word/numbering.xml", numbering)
    return path


def test_docx_paragraphs_write_out_word_list_numbers(tmp_path):
    path = _write_docx(
        tmp_path / "s.docx",
        [
            _paragraph("First"),
            _paragraph("Peace", 1),
            _paragraph("We demand:", 1),
            _paragraph("water", 1, 1),
            _paragraph("land", 1, 1),
            _paragraph("Bread", 2),
        ],
    )
    assert docx_paragraphs(path) == [
        "First",
        "1. Peace",
        "2. We demand:",
        "a) water",
        "b) land",
        "- Bread",
    ]


def test_docx_statement_is_read_like_text(tmp_path):
    path = _write_docx(
        tmp_path / "s.docx",
        [
            _paragraph("Joint Appeal"),
            _paragraph("Ortak Çağrı"),
            _paragraph("We ask the governments to act."),
            _paragraph("We demand:", 1),
            _paragraph("peace", 1, 1),
            _paragraph("Signatories"),
            _paragraph("Ayşe Demir (Türkiye)"),
        ],
    )
    parsed = parse_statement(read_statement_file(path))
    assert parsed.titles == {"en": "Joint Appeal", "tr": "Ortak Çağrı"}
    assert [child.text for child in parsed.blocks[-1].children] == ["peace"]
    assert [signatory.country for signatory in parsed.signatories] == ["TR"]


def test_a_file_that_is_not_docx_is_refused(tmp_path):
    path = tmp_path / "fake.docx"
    path.write_text("not a zip")
    with pytest.raises(DocxError):
        docx_paragraphs(path)


# --- the command ------------------------------------------------------------------------------


def test_cli_dry_run_json_prints_one_object_and_saves_nothing(db, capsys):
    assert main(["statement", "add", str(APPEAL), "--dry-run", "--json"]) == 0
    output = json.loads(capsys.readouterr().out)
    assert set(output) == {"language", "titles", "blocks", "signatories", "unparsed"}
    assert output["language"] == "en"
    assert len(output["signatories"]) == 19
    assert Statement.objects.count() == 0


def test_cli_dry_run_blocks_and_signatories_have_the_documented_keys(db, capsys):
    main(["statement", "add", str(APPEAL), "--dry-run", "--json"])
    output = json.loads(capsys.readouterr().out)
    assert output["blocks"] and output["signatories"]
    for block in output["blocks"]:
        assert {"kind", "number", "text", "children"} <= set(block)
    for signatory in output["signatories"]:
        assert {"name", "kind", "country", "affiliation"} <= set(signatory)


def test_cli_dry_run_json_gives_every_title_in_order(db, capsys):
    main(["statement", "add", str(DECLARATION), "--dry-run", "--json"])
    output = json.loads(capsys.readouterr().out)
    assert list(output["titles"]) == list(EXPECTED_TITLES)


def test_cli_dry_run_json_gives_the_closing_signature_line_its_own_kind(db, capsys):
    main(["statement", "add", str(COMMUNIQUE), "--dry-run", "--json"])
    output = json.loads(capsys.readouterr().out)
    assert output["blocks"][-1] == {
        "kind": "closing",
        "number": None,
        "marker": "—",
        "text": "Conference Secretariat, Istanbul, 12 May 2024",
        "children": [],
    }


def test_cli_dry_run_without_json_prints_a_readable_report(db, capsys):
    assert main(["statement", "add", str(APPEAL), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "title [en]: Stop the Deportations" in out
    assert "Leyla Şahin (person, DE, Berlin Migrant Assembly)" in out
    assert "? - Maria Santos (Portgal" in out
    assert Statement.objects.count() == 0


def test_cli_json_without_dry_run_is_refused(db, capsys):
    assert main(["statement", "add", str(APPEAL), "--language", "en", "--json"]) == 2
    assert Statement.objects.count() == 0


def test_cli_add_detects_the_language_and_keeps_every_title(db, capsys):
    assert main(["statement", "add", str(DECLARATION)]) == 0
    statement = Statement.objects.get()
    parsed = parse_statement(DECLARATION.read_text())
    assert statement.language == parsed.language
    titles = dict(statement.titles.values_list("language", "text"))
    assert {*titles, statement.language} == set(parsed.titles)


def test_cli_add_with_signatories_imports_them_unverified(db, capsys):
    from undersigned.signatures.models import Signature

    assert main(["statement", "add", str(APPEAL), "--signatories"]) == 0
    assert Signature.objects.filter(source=Signature.Source.IMPORT).count() > 0
    assert "signatories added" in capsys.readouterr().out


def test_cli_add_with_language_still_creates_the_statement(db, capsys):
    assert main(["statement", "add", str(APPEAL), "--language", "en"]) == 0
    assert Statement.objects.get().title.startswith("Stop the Deportations")
