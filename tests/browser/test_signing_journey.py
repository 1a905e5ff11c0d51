"""The signing journey as a person walks it, in a real browser against the live server."""

from __future__ import annotations

import re

import pytest
from django.db import transaction

from tests.conftest import SIGN_FIELDS

pytestmark = pytest.mark.browser

expect = pytest.importorskip(
    "playwright.sync_api", reason="playwright cannot be imported: browser tests skipped"
).expect


def fill_sign_form(page) -> None:
    """Fill the form with the person from SIGN_FIELDS and submit it."""
    page.get_by_role("radio", name="an individual").check()
    page.get_by_role("textbox", name="Name", exact=True).fill(SIGN_FIELDS["name"])
    page.get_by_role("textbox", name="Email", exact=True).fill(SIGN_FIELDS["email"])
    page.get_by_role("combobox", name="Country").select_option(SIGN_FIELDS["country"])
    show_name = page.get_by_role("checkbox", name=re.compile("^Show my name"))
    expect(show_name).to_be_checked()
    page.get_by_role("checkbox", name=re.compile("^I agree")).check()
    page.get_by_role("button", name="Sign", exact=True).click()


def follow_mail_link(page, live_server, kind: str) -> None:
    """Open the newest mail in the development outbox and follow its `kind` link
    (confirm or withdraw)."""
    page.goto(f"{live_server.url}/en/dev/outbox/")
    page.get_by_role("link", name=re.compile("^Confirm your signature")).first.click()
    page.locator(f"pre.mail-body a[href*='/{kind}/']").click()


def run_queued_tasks(deliver_mail) -> None:
    # The live server needs committed data, so this test has no surrounding transaction;
    # the worker's row locking needs one (PostgreSQL refuses SELECT FOR UPDATE without).
    with transaction.atomic():
        deliver_mail()


def test_a_person_signs_confirms_from_the_outbox_and_is_listed(
    page, live_server, statement, settings, deliver_mail
):
    settings.DEV_MODE = True
    settings.EMAIL_BACKEND = "undersigned.core.mail.OutboxBackend"
    settings.BASE_URL = live_server.url  # links in the mail must reach the live server

    page.goto(f"{live_server.url}/en/s/{statement.slug}/")
    fill_sign_form(page)
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    run_queued_tasks(deliver_mail)
    page.goto(f"{live_server.url}/en/dev/outbox/")
    newest = page.locator("table.outbox tbody tr").first
    expect(newest).to_contain_text(SIGN_FIELDS["email"])
    newest.get_by_role("link", name=re.compile("^Confirm your signature")).click()
    page.locator("pre.mail-body a[href*='/confirm/']").click()

    expect(page.get_by_role("heading", name="Confirm your signature")).to_be_visible()
    page.get_by_role("button", name="Confirm my signature").click()
    expect(
        page.get_by_role("heading", name=re.compile("your signature is confirmed"))
    ).to_be_visible()

    page.get_by_role("link", name="Back to the statement").click()
    expect(page.locator("#signatories .name")).to_have_text([SIGN_FIELDS["name"]])
    expect(page.locator("[data-count=verified]")).to_have_text("1")


def test_signing_works_without_javascript(browser, live_server, statement):
    context = browser.new_context(java_script_enabled=False)
    try:
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.goto(f"{live_server.url}/en/s/{statement.slug}/")
        fill_sign_form(page)
        expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
        assert page.url == f"{live_server.url}/en/s/{statement.slug}/signed"
    finally:
        context.close()


def test_arabic_page_is_right_to_left(page, live_server, statement):
    page.goto(f"{live_server.url}/ar/s/{statement.slug}/")
    html = page.locator("html")
    expect(html).to_have_attribute("dir", "rtl")
    expect(html).to_have_attribute("lang", "ar")


def test_honeypot_field_is_hidden_from_people(page, live_server, statement):
    # A person who fills the bot trap is told to check their email and gets no mail.
    page.goto(f"{live_server.url}/en/s/{statement.slug}/")
    expect(page.get_by_label("Leave this field empty")).to_be_hidden()


def test_an_organization_is_listed_once_the_organizer_approves_it_and_can_withdraw(
    page, live_server, statement, organizer, settings, deliver_mail
):
    settings.DEV_MODE = True
    settings.EMAIL_BACKEND = "undersigned.core.mail.OutboxBackend"
    settings.BASE_URL = live_server.url

    # The organization signs and confirms from the outbox: confirmed, not yet public.
    page.goto(f"{live_server.url}/en/s/{statement.slug}/")
    page.get_by_role("radio", name="an organization").check()
    page.get_by_role("textbox", name="Name", exact=True).fill("Rivers Alliance")
    page.get_by_role("textbox", name="Email", exact=True).fill("office@rivers.example")
    page.get_by_role("combobox", name="Country").select_option("GR")
    page.get_by_role("checkbox", name=re.compile("^I agree")).check()
    page.get_by_role("button", name="Sign", exact=True).click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    run_queued_tasks(deliver_mail)
    follow_mail_link(page, live_server, "confirm")
    page.get_by_role("button", name="Confirm my signature").click()
    page.goto(f"{live_server.url}/en/s/{statement.slug}/")
    expect(page.locator("#signatories .name")).to_have_count(0)

    # The organizer approves it from the moderation queue of the admin.
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Email").fill("organizer@example.org")
    page.get_by_label("Password").fill("a-Long-pass-42")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Moderation queue").click()
    row = page.get_by_role("row").filter(has_text="Rivers Alliance")
    row.get_by_role("checkbox").check()
    page.get_by_role("combobox", name="Action").select_option(
        label="Approve selected organizations"
    )
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_text("1 organization approved", exact=False)).to_be_visible()

    page.goto(f"{live_server.url}/en/s/{statement.slug}/")
    expect(page.locator("#signatories .name")).to_have_text(["Rivers Alliance"])
    expect(page.locator("[data-count=verified]")).to_have_text("1")

    # The withdraw link in the mail erases the signature and the count drops.
    follow_mail_link(page, live_server, "withdraw")
    page.get_by_role("button", name="Withdraw my signature").click()
    page.goto(f"{live_server.url}/en/s/{statement.slug}/")
    expect(page.locator("#signatories .name")).to_have_count(0)
    expect(page.locator("[data-count=verified]")).to_have_text("0")
