"""Public pages and the JSON API: what they show, and what they never run or reveal."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import link_from, sign
from undersigned.signatures.models import Signature
from undersigned.signatures.services import count_verified


def _verified(statement, n: int, *, kind: str = "person", country: str = "FR", prefix="P"):
    for index in range(n):
        signature = Signature.objects.create(
            statement=statement,
            kind=kind,
            name=f"{prefix}{index:03d}",
            email=f"{prefix.lower()}{index}@example.org",
            email_normalized=f"{prefix.lower()}{index}@example.org",
            country=country,
            status=Signature.Status.VERIFIED,
        )
        count_verified(signature, +1)


def test_healthz_answers_ok_without_touching_the_database(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_api_gives_public_counts(client, statement):
    _verified(statement, 2, country="AM")
    _verified(statement, 1, kind="organization", country="GR", prefix="O")
    data = client.get(f"/api/v1/statements/{statement.slug}").json()
    assert data["slug"] == "water"
    assert data["title"] == "Water Knows No Borders"
    assert data["language"] == "en"
    assert data["signatures"] == {
        "verified": 3,
        "organizations": 1,
        "by_country": {"AM": 2, "GR": 1},
    }


def test_api_unknown_slug_is_404(client, db):
    response = client.get("/api/v1/statements/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"error": "not found"}


def test_email_never_appears_on_public_pages_or_in_the_api(client, statement, deliver_mail):
    sign(client, statement, email="secret.signer@example.org")
    client.post(link_from(deliver_mail()[0], "confirm"))
    for path in [f"/en/s/{statement.slug}/", f"/api/v1/statements/{statement.slug}", "/en/"]:
        assert "secret.signer" not in client.get(path).content.decode()


def test_list_shows_organizations_first_then_people_grouped_by_country(client, statement):
    _verified(statement, 1, country="TR", prefix="Person-TR-")
    _verified(statement, 1, kind="organization", country="GR", prefix="Org-GR-")
    _verified(statement, 1, country="AM", prefix="Person-AM-")
    page = client.get(f"/en/s/{statement.slug}/").content.decode()
    page = page[page.index('id="signatories"') :]
    order = [page.index(name) for name in ["Org-GR-000", "Person-AM-000", "Person-TR-000"]]
    assert order == sorted(order)
    assert page.index("Armenia") < page.index("Person-AM-000") < page.index("Türkiye")


def test_keyset_pages_cover_the_list_once_without_offset_or_count(client, statement, settings):
    settings.SIGNATORY_PAGE_SIZE = 7
    _verified(statement, 10, country="DE", prefix="D")
    _verified(statement, 6, kind="organization", country="ES", prefix="E")
    seen, url = [], f"/en/s/{statement.slug}/"
    while url:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        sql = " ".join(query["sql"].upper() for query in queries.captured_queries)
        assert "OFFSET" not in sql
        assert "COUNT(" not in sql
        page = response.context["page"]
        seen += [s.name for group in page.groups for s in group.signatures]
        url = f"/en/s/{statement.slug}/?after={page.next_cursor}" if page.next_cursor else None
    assert seen == [f"E{i:03d}" for i in range(6)] + [f"D{i:03d}" for i in range(10)]


def test_previous_page_link_goes_back(client, statement, settings):
    settings.SIGNATORY_PAGE_SIZE = 3
    _verified(statement, 7, country="IT", prefix="I")
    first = client.get(f"/en/s/{statement.slug}/").context["page"]
    second = client.get(f"/en/s/{statement.slug}/?after={first.next_cursor}").context["page"]
    back = client.get(f"/en/s/{statement.slug}/?before={second.previous_cursor}").context["page"]
    names = [s.name for group in back.groups for s in group.signatures]
    assert names == ["I000", "I001", "I002"]
    assert back.is_first


def test_country_names_follow_the_page_language(client, statement):
    response = client.get(f"/fr/s/{statement.slug}/")
    assert "Allemagne" in response.content.decode()


@pytest.mark.parametrize("language", ["ar", "fa"])
def test_right_to_left_languages_set_dir_rtl(client, statement, language):
    page = client.get(f"/{language}/s/{statement.slug}/").content.decode()
    assert f'<html lang="{language}" dir="rtl">' in page


def test_statement_text_carries_its_own_language_and_direction(client, db):
    from undersigned.statements.services import statement_create, statement_publish

    statement = statement_create(title="بيان", body="نص", language="ar", slug="bayan")
    statement_publish(statement=statement)
    page = client.get("/en/s/bayan/").content.decode()
    assert '<article class="statement" lang="ar" dir="rtl">' in page


def test_pages_send_a_strict_content_security_policy(client, statement):
    response = client.get(f"/en/s/{statement.slug}/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_script(client, statement):
    page = client.get(f"/en/s/{statement.slug}/").content.decode()
    assert "<script" not in page


def test_outbox_page_is_hidden_outside_development_mode(client, db, settings):
    settings.DEV_MODE = False
    assert client.get("/en/dev/outbox/").status_code == 404


def test_every_signatory_name_takes_its_own_direction(client, statement):
    signature = Signature.objects.create(
        statement=statement, kind="person", name="مريم الأحمد", country="LB", status="verified"
    )
    count_verified(signature, +1)
    page = client.get(f"/en/s/{statement.slug}/").content.decode()
    assert '<span dir="auto" class="name">مريم الأحمد</span>' in page


def test_the_table_of_counts_by_country_follows_each_new_count(client, statement):
    _verified(statement, 2, country="AM")
    assert '<tr data-country="AM"><th scope="row">Armenia</th><td>0</td><td>2</td>' in (
        client.get(f"/en/s/{statement.slug}/").content.decode()
    )
    _verified(statement, 1, country="GR", prefix="Q")
    page = client.get(f"/en/s/{statement.slug}/").content.decode()
    assert '<tr data-country="GR"><th scope="row">Greece</th><td>0</td><td>1</td>' in page
    french = client.get(f"/fr/s/{statement.slug}/").content.decode()
    assert '<th scope="row">Arménie</th>' in french


@pytest.mark.parametrize("forward", [True, False])
def test_every_seek_of_the_public_list_uses_its_partial_index(statement, forward):
    from undersigned.signatures.selectors import _listed_sql

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's query plan")
    shapes = [
        (),
        (("kind", "="), ("country", "="), ("id", ">" if forward else "<")),
        (("kind", "="), ("country", ">" if forward else "<")),
        (("kind", ">" if forward else "<"),),
    ]
    for shape in shapes:
        params = [statement.pk, "verified", *["x"] * len(shape), 10]
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + _listed_sql(shape, forward), params)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
        assert "USING INDEX signature_public_list" in plan, plan
        assert "TEMP B-TREE" not in plan, plan


def test_the_language_menu_links_this_page_in_every_language(client, statement, settings):
    page = client.get(f"/fa/s/{statement.slug}/?after=x%22y").content.decode()
    for code, _name in settings.LANGUAGES:
        direction = "rtl" if code in settings.LANGUAGES_BIDI else "ltr"
        link = f'href="/{code}/s/{statement.slug}/?after=x%22y" lang="{code}" dir="{direction}"'
        assert link in page, code
    assert 'hreflang="fa" aria-current="true">فارسی</a>' in page
    assert page.count('aria-current="true">') == 1
