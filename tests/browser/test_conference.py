"""A whole conference in a real browser: delegates sign in from their invitation, amend
the draft, vote (a secret electronic ballot and a recorded one); the chair decides,
consolidates, holds the final vote and publishes; then someone signs the declaration."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.db import transaction

from undersigned.assembly import services
from undersigned.statements.models import Statement
from undersigned.statements.services import statement_create

pytestmark = pytest.mark.browser

expect = pytest.importorskip(
    "playwright.sync_api", reason="playwright cannot be imported: browser tests skipped"
).expect

DRAFT = "\n\n".join(
    f"{n}. Section {n}: the rivers of the region need {word}."
    for n, word in enumerate(["care", "data", "time", "law", "friends"], start=1)
)


@pytest.fixture
def assembly(transactional_db):
    with transaction.atomic():
        statement = statement_create(title="Water Declaration", body=DRAFT, language="en")
        conference = services.conference_create(
            title="Water Conference",
            slug="water-2026",
            starts_on=date(2026, 12, 1),
            ends_on=date(2026, 12, 2),
            place="Diyarbakır",
            languages=["en", "tr", "ar"],
            statement=statement,
        )
        orgs = [
            services.participant_add(conference=conference, name=name, country=country)
            for name, country in [("River Union", "TR"), ("Eau Vive", "FR"), ("Agua Libre", "ES")]
        ]
        people = {
            "chair": services.delegate_add(
                conference=conference, email="chair@example.org", name="Chair", role="chair"
            )
        }
        for index, name in enumerate(["Ayşe", "Baran", "Claire", "Diego", "Elena"]):
            people[name] = services.delegate_add(
                conference=conference,
                email=f"d{index}@example.org",
                name=name,
                participant=orgs[index % 3],
            )
    return conference, people


def _sign_in(browser, live_server, delegate):
    context = browser.new_context()
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/en/c/join/{delegate.token}/")
    page.get_by_role("button", name="Sign in to the conference").click()
    expect(page.get_by_text(f"Signed in as {delegate.name}")).to_be_visible()
    return page


def _amend(page, live_server, section: str, change: str, text: str = "") -> None:
    page.goto(f"{live_server.url}/en/c/water-2026/amendments/")
    page.locator(".draft-block", has_text=f"Section {section}:").get_by_role(
        "link", name="Amend"
    ).click()
    page.get_by_role("radio", name=change).check()
    if text:
        page.get_by_label("New text").fill(text)
    page.get_by_label("Justification").fill("Because the assembly asked for it.")
    page.get_by_role("button", name="Submit the amendment").click()
    expect(page.get_by_text(re.compile(r"Amendment \d+ submitted"))).to_be_visible()


def _decide(chair, live_server, number: int, decision: str, **fields) -> None:
    chair.goto(f"{live_server.url}/en/c/water-2026/amendments/{number}/")
    chair.get_by_label("Decision").select_option(label=decision)
    for label, value in fields.items():
        chair.get_by_label(label.replace("_", " ").capitalize()).fill(value)
    chair.get_by_role("button", name="Record the decision").click()
    expect(chair.get_by_text("Saved.")).to_be_visible()


def _new_ballot(chair, live_server, title: str, subject: str, mode: str, secret=False) -> None:
    chair.goto(f"{live_server.url}/en/c/water-2026/manage/")
    chair.get_by_label("Question").fill(title)
    chair.get_by_label("On", exact=True).select_option(label=subject)
    chair.get_by_label("Mode").select_option(label=mode)
    if secret:
        chair.get_by_label("Secret ballot").check()
    chair.get_by_role("button", name="Create the ballot").click()
    expect(chair.get_by_text("Ballot created.")).to_be_visible()


def test_a_whole_conference(browser, live_server, assembly, settings, deliver_mail):
    settings.DEV_MODE = True  # the outbox, where the signature's confirmation mail goes
    settings.EMAIL_BACKEND = "undersigned.core.mail.OutboxBackend"
    settings.BASE_URL = live_server.url  # links in the mail must reach the live server
    conference, people = assembly
    delegates = {
        name: _sign_in(browser, live_server, people[name])
        for name in ["Ayşe", "Baran", "Claire", "Diego", "Elena"]
    }
    chair = _sign_in(browser, live_server, people["chair"])

    _amend(
        delegates["Ayşe"],
        live_server,
        "2",
        "Replace the text of the block",
        "Section 2: open data now.",
    )
    _amend(
        delegates["Baran"],
        live_server,
        "3",
        "Insert a new block after it",
        "3a. Time for the fish too.",
    )
    _amend(
        delegates["Claire"], live_server, "4", "Replace the text of the block", "Section 4: no law."
    )
    _amend(delegates["Diego"], live_server, "5", "Delete the block")

    # A secret electronic ballot on A1, with results live on the chair's screen.
    _new_ballot(chair, live_server, "Amendment 1", "A1", "Electronic", secret=True)
    row = chair.locator("tr", has_text="Amendment 1")
    row.get_by_role("button", name="Open").click()
    chair.get_by_role("link", name="Amendment 1").click()
    ballot_url = chair.url
    for name, answer in [("Ayşe", "Yes"), ("Baran", "Yes"), ("Claire", "No"), ("Diego", "Yes")]:
        page = delegates[name]
        page.goto(ballot_url)
        page.get_by_role("radio", name=answer, exact=True).check()
        page.get_by_role("button", name="Vote").click()
        expect(page.get_by_text("Your vote is counted.")).to_be_visible()
    expect(chair.locator("[data-result=yes]")).to_have_text("3")  # polled, no reload
    chair.goto(f"{live_server.url}/en/c/water-2026/manage/")
    chair.locator("tr", has_text="Amendment 1").get_by_role("button", name="Close").click()
    expect(chair.locator("tr", has_text="Amendment 1")).to_contain_text("adopted")

    # A recorded ballot on A2: hands were not counted.
    _new_ballot(chair, live_server, "Amendment 2", "A2", "Recorded in the hall")
    form = chair.locator("tr", has_text="Amendment 2").locator("form.record-form")
    form.get_by_label("Verdict as announced").fill("Adopted by an overwhelming majority")
    form.get_by_label("Outcome when hands were not counted").select_option(label="adopted")
    form.get_by_role("button", name="Record the result").click()
    # The ballots' verdicts adopted A1 and A2: no decision by hand.
    chair.goto(f"{live_server.url}/en/c/water-2026/amendments/")
    for number in (1, 2):
        amendment = chair.locator(".amendment", has_text=f"A{number} ")
        expect(amendment).to_contain_text("Adopted")
    _decide(chair, live_server, 3, "Rejected")
    _decide(chair, live_server, 4, "Referred", referred_to="The follow-up conference")

    chair.goto(f"{live_server.url}/en/c/water-2026/manage/")
    chair.get_by_role("button", name="Apply adopted amendments").click()
    expect(chair.get_by_text("Version 2 of the text is ready.")).to_be_visible()
    expect(chair.locator(".diff p", has_text="A1:")).to_contain_text("open data now")
    expect(chair.locator(".diff p", has_text="A2:")).to_contain_text("3a. Time for the fish too.")

    _new_ballot(
        chair, live_server, "The declaration", "the whole text, version 2", "Recorded in the hall"
    )
    form = chair.locator("tr", has_text="The declaration").locator("form.record-form")
    form.get_by_label("Yes").fill("5")
    form.get_by_label("No", exact=True).fill("0")
    form.get_by_role("button", name="Record the result").click()
    chair.locator("tr", has_text="The declaration").get_by_role(
        "button", name="Publish the adopted declaration"
    ).click()
    expect(
        chair.get_by_text("The declaration is published and open for signatures.")
    ).to_be_visible()

    statement = Statement.objects.get()
    assert statement.is_signable
    # Adoption started the translation workflow: the secretariat follows it from here.
    chair.goto(f"{live_server.url}/en/c/water-2026/")
    translations = chair.locator(".conference-translations")
    expect(translations).to_contain_text("Türkçe (0/6 approved)")
    expect(translations.locator("span[lang=ar]")).to_have_attribute("dir", "rtl")
    expect(translations.get_by_role("link", name="Follow the translations")).to_have_attribute(
        "href", f"/en/s/{statement.slug}/translations/"
    )
    public = browser.new_page()
    public.goto(f"{live_server.url}{statement.get_absolute_url()}")
    expect(public.get_by_text("Section 2: open data now.")).to_be_visible()
    expect(public.get_by_text("3a. Time for the fish too.")).to_be_visible()
    expect(public.get_by_text("Section 4: the rivers of the region need law.")).to_be_visible()
    public.get_by_role("textbox", name="Name", exact=True).fill("Lena Roth")
    public.get_by_role("textbox", name="Email", exact=True).fill("lena@example.org")
    public.get_by_role("combobox", name="Country").select_option("DE")
    public.get_by_role("checkbox", name=re.compile("^I agree")).check()
    public.get_by_role("button", name="Sign", exact=True).click()
    expect(public.get_by_role("heading", name="Check your email")).to_be_visible()

    # The signature is confirmed from the mail in the outbox, then listed and counted.
    with transaction.atomic():  # the worker locks its rows; the live server needs commits
        deliver_mail()
    public.goto(f"{live_server.url}/en/dev/outbox/")
    mail = public.locator("table.outbox tbody tr", has_text="lena@example.org")
    mail.get_by_role("link", name=re.compile("^Confirm your signature")).click()
    public.locator("pre.mail-body a[href*='/confirm/']").click()
    public.get_by_role("button", name="Confirm my signature").click()
    expect(
        public.get_by_role("heading", name=re.compile("your signature is confirmed"))
    ).to_be_visible()
    public.goto(f"{live_server.url}{statement.get_absolute_url()}")
    expect(public.locator("#signatories .name")).to_have_text(["Lena Roth"])
    expect(public.locator("[data-count=verified]")).to_have_text("1")

    record = browser.new_page()
    record.goto(f"{live_server.url}/en/c/water-2026/")
    expect(record.get_by_text("Referred → The follow-up conference")).to_be_visible()


def test_documents_and_the_record_on_a_phone(browser, live_server, assembly, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    conference, people = assembly
    delegate = _sign_in(browser, live_server, people["Ayşe"])
    delegate.set_viewport_size({"width": 390, "height": 844})
    delegate.goto(f"{live_server.url}/en/c/water-2026/")
    delegate.get_by_label("Title of the document").fill("Report on the Tigris")
    delegate.get_by_label("File (PDF, text or Markdown)").set_input_files(
        files=[{"name": "report.md", "mimeType": "text/markdown", "buffer": b"# Report\n"}]
    )
    delegate.get_by_role("button", name="Submit the document").click()
    expect(delegate.get_by_text("The document is submitted for review.")).to_be_visible()

    chair = _sign_in(browser, live_server, people["chair"])
    chair.set_viewport_size({"width": 390, "height": 844})
    chair.goto(f"{live_server.url}/en/c/water-2026/")
    chair.locator("li", has_text="Report on the Tigris").get_by_role(
        "button", name="Publish"
    ).click()
    chair.goto(f"{live_server.url}/en/c/water-2026/manage/")
    _new_ballot(chair, live_server, "Motion on dams", "a motion", "Electronic")
    chair.locator("tr", has_text="Motion on dams").get_by_role("button", name="Open").click()
    width = chair.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, f"the chair's desk scrolls sideways on a phone ({width}px)"
    chair.screenshot(path=str(_shots() / "chairs-desk-phone.png"), full_page=True)

    public = browser.new_page()
    public.goto(f"{live_server.url}/en/c/water-2026/")
    expect(public.get_by_role("link", name="Report on the Tigris")).to_be_visible()
    public.get_by_role("link", name="HTML").click()
    expect(public.get_by_role("heading", name="Record of decisions")).to_be_visible()


def _shots():
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "build" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path
