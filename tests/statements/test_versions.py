"""Statements as versions of blocks: stable keys, immutability once published, compare."""

import pytest
from django.test import Client

from undersigned.statements.models import Block, StatementVersion
from undersigned.statements.services import statement_create, statement_publish, statement_update

BODY = "Intro paragraph.\n\n1. Publish plans.\na- in every language;\nb- on time.\n\n2. Consult."


def _keys(version: StatementVersion) -> dict[str, str]:
    return {block.text: block.key for block in version.blocks.all() if block.text}


def _update(statement, body: str):
    return statement_update(
        statement=statement,
        title=statement.title,
        body=body,
        language=statement.language,
        slug=statement.slug,
    )


@pytest.fixture
def published(db):
    statement = statement_create(title="Rivers", body=BODY, language="en", slug="rivers")
    return statement_publish(statement=statement)


def test_a_new_statement_has_version_one_with_nested_blocks(db):
    statement = statement_create(title="Rivers", body=BODY, language="en")
    version = statement.versions.get()
    assert version.number == 1 and version.published_at is None
    section = Block.objects.get(version=version, text="Publish plans.")
    assert section.kind == "section" and section.number == "1" and section.marker == "1."
    items = list(section.children.order_by("position").values_list("number", "marker", "text"))
    assert items == [("a", "a-", "in every language;"), ("b", "b-", "on time.")]


def test_publishing_publishes_the_version(published):
    assert published.versions.get().published_at is not None


def test_editing_a_published_statement_makes_a_new_version_and_keeps_the_old(published):
    _update(published, BODY.replace("Consult.", "Consult the people."))
    first, second = published.versions.order_by("number")
    assert (first.number, second.number) == (1, 2)
    assert "Consult." in _keys(first)
    assert "Consult the people." in _keys(second)
    assert second.published_at is None


def test_an_amended_block_keeps_its_key_and_unchanged_blocks_keep_theirs(published):
    before = _keys(published.versions.get())
    _update(published, "New first paragraph.\n\n" + BODY.replace("Consult.", "Consult all."))
    after = _keys(published.versions.get(number=2))
    assert after["Publish plans."] == before["Publish plans."]
    assert after["Consult all."] == before["Consult."]
    assert after["New first paragraph."] not in before.values()


def test_editing_a_draft_rewrites_its_version_without_making_another(db):
    statement = statement_create(title="Rivers", body=BODY, language="en")
    _update(statement, BODY + "\n\nOne more paragraph.")
    assert statement.versions.count() == 1
    assert "One more paragraph." in _keys(statement.versions.get())


def test_a_block_in_another_script_carries_its_own_language(db):
    statement = statement_create(title="Rivers", body="English text.\n\nالماء حياة!", language="en")
    block = Block.objects.get(text="الماء حياة!")
    assert block.language == "ar"
    assert statement.versions.get().blocks.get(text="English text.").language == "en"


def test_compare_page_marks_insertions_and_deletions(published):
    _update(published, BODY.replace("Consult.", "Consult the people."))
    statement_publish(statement=published)
    page = Client().get("/en/s/rivers/compare/1/2/").content.decode()
    assert "Consult<ins> the people</ins>." in page or "<ins>" in page
    assert "Download as a unified diff" in page


def test_a_block_changed_by_more_than_sixty_percent_is_shown_replaced(published):
    _update(published, BODY.replace("Intro paragraph.", "Entirely different words here."))
    statement_publish(statement=published)
    page = Client().get("/en/s/rivers/compare/1/2/").content.decode()
    assert "<del>Intro paragraph.</del> <ins>Entirely different words here.</ins>" in page


def test_unified_diff_download(published):
    _update(published, BODY.replace("Consult.", "Consult the people."))
    statement_publish(statement=published)
    response = Client().get("/en/s/rivers/compare/1/2.diff")
    assert response["Content-Disposition"].startswith("attachment;")
    text = response.content.decode()
    assert "--- rivers version 1" in text and "+++ rivers version 2" in text
    assert any(
        line.startswith("+b") and "Consult the people." in line for line in text.splitlines()
    )


def test_a_draft_version_is_not_shown_to_the_public(published):
    _update(published, BODY + "\n\nSecret draft.")
    assert Client().get("/en/s/rivers/compare/1/2/").status_code == 404
    page = Client().get("/en/s/rivers/").content.decode()
    assert "Secret draft." not in page


def test_versions_page_lists_published_versions_with_compare_links(published):
    _update(published, BODY + "\n\nAdded.")
    statement_publish(statement=published)
    page = Client().get("/en/s/rivers/versions/").content.decode()
    assert "/en/s/rivers/compare/1/2/" in page


def test_public_page_gives_each_block_its_lang_and_dir(db):
    statement = statement_create(title="Rivers", body="English text.\n\nالماء حياة!", language="en")
    statement_publish(statement=statement)
    page = Client().get(f"/en/s/{statement.slug}/").content.decode()
    assert 'lang="ar" dir="rtl">الماء حياة!' in page
    assert 'lang="en" dir="ltr">English text.' in page


def test_inline_markdown_renders_and_html_is_escaped(db):
    statement = statement_create(
        title="Rivers", body="We **ask** <script>alert(1)</script>.", language="en"
    )
    statement_publish(statement=statement)
    page = Client().get(f"/en/s/{statement.slug}/").content.decode()
    assert "<strong>ask</strong>" in page
    assert "<script>alert(1)" not in page


def test_a_draft_edit_of_a_published_statement_stays_off_the_public_pages(published):
    statement_update(
        statement=published, title="Secret New Title", body=BODY, language="en", slug="rivers"
    )
    assert "Secret New Title" not in Client().get("/en/").content.decode()
    assert "Secret New Title" not in Client().get("/en/s/rivers/").content.decode()
    assert Client().get("/api/v1/statements/rivers").json()["title"] == "Rivers"


def test_the_publish_action_publishes_a_new_draft_version(published, organizer):
    _update(published, BODY + "\n\nAdded.")
    client = Client()
    client.force_login(organizer)
    response = client.post(
        "/admin/statements/statement/",
        {"action": "publish", "_selected_action": [published.pk]},
        follow=True,
    )
    assert "1 statement published." in response.content.decode()
    assert published.versions.get(number=2).published_at is not None


# --- the closing signature line -----------------------------------------------------------------

CLOSING_BODY = "We ask for open river data.\n\n— Conference Secretariat, Istanbul, 12 May 2024"


def test_the_closing_signature_line_is_stored_as_its_own_kind(db):
    statement = statement_create(title="Rivers", body=CLOSING_BODY, language="en")
    closing = statement.versions.get().blocks.get(kind=Block.Kind.CLOSING)
    assert (closing.marker, closing.text) == ("—", "Conference Secretariat, Istanbul, 12 May 2024")


def test_public_page_sets_the_closing_line_apart_with_its_lang_and_dir(db):
    statement = statement_create(title="Rivers", body=CLOSING_BODY, language="en")
    statement_publish(statement=statement)
    page = Client().get(f"/en/s/{statement.slug}/").content.decode()
    key = statement.versions.get().blocks.get(kind=Block.Kind.CLOSING).key
    assert (
        f'<p class="block-closing" id="{key}" lang="en" dir="ltr">'
        '<span class="marker">—</span> Conference Secretariat, Istanbul, 12 May 2024</p>'
    ) in page


def test_a_line_now_read_as_the_closing_line_keeps_its_key_and_translation(published):
    from undersigned.statements.services import translation_save

    body = BODY + "\n\nSigned by the participating organizations"
    _update(published, body)
    statement_publish(statement=published)
    version = published.versions.get(number=2)
    # Stored before the closing line was a kind of its own: a heading.
    line = version.blocks.get(text="Signed by the participating organizations")
    assert line.kind == Block.Kind.CLOSING
    Block.objects.filter(pk=line.pk).update(kind=Block.Kind.HEADING)
    translation_save(
        version=version,
        language="ar",
        texts={line.key: "وقّعته المنظمات المشاركة"},
        state="approved",
    )
    _update(published, body.replace("Consult.", "Consult the people."))
    new = published.versions.get(number=3).blocks.get(kind=Block.Kind.CLOSING)
    assert new.key == line.key
    assert new.translations.get(language="ar").state == "approved"
