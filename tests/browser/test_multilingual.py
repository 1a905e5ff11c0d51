"""Reading and translating in a real browser: directions, side by side, the translator's
screen. Screenshots go to build/screenshots/ for a person to look at."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import transaction

from undersigned.statements.services import statement_create, statement_publish, translation_save

pytestmark = pytest.mark.browser

expect = pytest.importorskip(
    "playwright.sync_api", reason="playwright cannot be imported: browser tests skipped"
).expect

SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
BODY = (
    "Rivers do not stop at borders.\n\n"
    "1. Publish every plan for a dam.\n"
    "a- in every language;\n"
    "b- before any decision.\n\n"
    "2. Consult the people who live along the river."
)
ARABIC = {
    "Rivers do not stop at borders.": "الأنهار لا تتوقف عند الحدود.",
    "Publish every plan for a dam.": "انشروا كل خطة لبناء سد.",
    "in every language;": "بكل اللغات؛",
    "before any decision.": "قبل أي قرار.",
    "Consult the people who live along the river.": "استشيروا الناس الذين يعيشون على ضفاف النهر.",
}


def _screenshot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000  # a rendered page, not an empty one
    return path


@pytest.fixture
def translated(transactional_db):
    with transaction.atomic():
        statement = statement_create(title="Free Rivers", body=BODY, language="en", slug="rivers")
        statement = statement_publish(statement=statement)
        version = statement.versions.get()
        keys = {block.text: block.key for block in version.blocks.exclude(text="")}
        translation_save(
            version=version,
            language="ar",
            texts={keys[source]: text for source, text in ARABIC.items()},
            title="أنهار حرة",
            state="approved",
        )
    return statement


def _direction(locator) -> str:
    return locator.evaluate("element => getComputedStyle(element).direction")


@pytest.fixture
def arabic_reader(browser):
    """A page in a browser set to Arabic: it sends Accept-Language: ar, which chooses the
    text's language on the statement page."""
    context = browser.new_context(locale="ar")
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_statement_page_with_an_arabic_interface_reads_right_to_left(
    arabic_reader, live_server, translated
):
    page = arabic_reader
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto(f"{live_server.url}/ar/s/rivers/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    title = page.locator("article.statement h1")
    expect(title).to_have_text("أنهار حرة")
    expect(title).to_have_attribute("dir", "rtl")
    block = page.get_by_text("الأنهار لا تتوقف عند الحدود.")
    expect(block).to_have_attribute("dir", "rtl")
    assert _direction(block) == "rtl"
    # The note links to the original, which reads left to right in its own page.
    page.locator(".translation-note").get_by_role("link").click()
    expect(page).to_have_url(f"{live_server.url}/ar/s/rivers/?lang=en")
    original = page.get_by_text("Rivers do not stop at borders.")
    expect(original).to_have_attribute("dir", "ltr")
    assert _direction(original) == "ltr"
    page.goto(f"{live_server.url}/ar/s/rivers/")
    _screenshot(page, "statement-arabic-interface")


def test_english_and_arabic_side_by_side_each_in_its_direction(page, live_server, translated):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/en/s/rivers/")
    page.locator(".side-by-side").get_by_role("link", name="العربية").click()
    expect(page).to_have_url(f"{live_server.url}/en/s/rivers/?lang=en&with=ar")
    english = page.get_by_text("Consult the people who live along the river.")
    arabic = page.get_by_text("استشيروا الناس الذين يعيشون على ضفاف النهر.")
    expect(english).to_have_attribute("dir", "ltr")
    expect(arabic).to_have_attribute("dir", "rtl")
    assert (_direction(english), _direction(arabic)) == ("ltr", "rtl")
    # Side by side: the two texts of one block share a row.
    left, right = english.bounding_box(), arabic.bounding_box()
    assert abs(left["y"] - right["y"]) < 5 and left["x"] < right["x"]
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    _screenshot(page, "statement-english-arabic-side-by-side")


def test_an_organizer_translates_approves_and_readers_get_the_language(
    page, live_server, transactional_db, organizer
):
    with transaction.atomic():
        statement_publish(
            statement=statement_create(title="Free Rivers", body=BODY, language="en", slug="rivers")
        )
    page.goto(f"{live_server.url}/en/s/rivers/translate/ar/")
    page.get_by_label("Email").fill("organizer@example.org")
    page.get_by_label("Password").fill("a-Long-pass-42")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Translate: العربية")).to_be_visible()
    page.locator("#title").fill("أنهار حرة")
    for source, text in ARABIC.items():
        field = page.get_by_role("textbox", name=source)
        expect(field).to_have_attribute("dir", "rtl")
        field.fill(text)
    page.get_by_role("button", name="Save and approve").click()
    expect(page.get_by_text("The translation was saved.")).to_be_visible()
    _screenshot(page, "translator-screen")
    page.goto(f"{live_server.url}/en/s/rivers/?lang=ar")
    expect(page.locator("article.statement h1")).to_have_text("أنهار حرة")
    expect(page.get_by_text("This is a translation.")).to_be_visible()


def test_an_organizer_imports_a_declaration_through_the_preview(
    page, live_server, transactional_db, organizer
):
    text = (Path(__file__).resolve().parents[1] / "statements/samples/declaration.txt").read_text()
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Email").fill("organizer@example.org")
    page.get_by_label("Password").fill("a-Long-pass-42")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/admin/statements/statement/")
    page.get_by_role("link", name="Import a statement").click()
    page.get_by_label("Text").fill(text)
    page.get_by_role("button", name="Preview", exact=True).click()
    titles = page.locator("table.import-titles input[name$='-language']")
    expect(titles.nth(0)).to_have_value("tr")
    expect(titles.nth(2)).to_have_value("ar")
    expect(page.get_by_text("Item c) that they share river data")).to_be_visible()
    _screenshot(page, "import-preview")
    page.get_by_role("button", name="Save as a draft").click()
    expect(page.get_by_text("The statement was imported as a draft.")).to_be_visible()
    from undersigned.statements.models import Statement

    statement = Statement.objects.get()
    assert statement.titles.count() == 10  # eleven titles, English among them is the title
    section = statement.versions.get().blocks.get(kind="section", number="3")
    assert section.children.count() == 4
