"""Conference pages: who sees and does what."""

from datetime import date

import pytest
from django.test import Client

from undersigned.assembly import services
from undersigned.assembly.models import Amendment, Vote
from undersigned.statements.services import statement_create

DRAFT = "1. Rivers.\n\n2. Data.\n\n3. Time."


@pytest.fixture
def setup(db):
    statement = statement_create(title="Declaration", body=DRAFT, language="en", slug="decl")
    conference = services.conference_create(
        title="Water Conference",
        slug="water",
        starts_on=date(2026, 12, 1),
        ends_on=date(2026, 12, 1),
        statement=statement,
    )
    union = services.participant_add(conference=conference, name="River Union", country="TR")
    chair = services.delegate_add(
        conference=conference, email="chair@example.org", name="Chair", role="chair"
    )
    ayse = services.delegate_add(
        conference=conference, email="ayse@example.org", name="Ayşe", participant=union, weight=3
    )
    return conference, chair, ayse


def _client(delegate) -> Client:
    client = Client()
    client.post(f"/en/c/join/{delegate.token}/")
    return client


def test_the_invitation_link_signs_in_on_post_only(setup):
    _conference, _chair, ayse = setup
    client = Client()
    assert "Sign in to the conference" in client.get(f"/en/c/join/{ayse.token}/").content.decode()
    assert client.get("/en/c/water/amendments/").status_code == 403
    client.post(f"/en/c/join/{ayse.token}/")
    assert client.get("/en/c/water/amendments/").status_code == 200


def test_a_dead_invitation_link_is_404(setup):
    assert Client().get("/en/c/join/not-a-token/").status_code == 404


def test_the_invitation_is_mailed_with_the_link(setup, deliver_mail):
    from django.core import mail

    _conference, _chair, ayse = setup
    deliver_mail()
    invitation = next(m for m in mail.outbox if m.to == ["ayse@example.org"])
    assert f"/c/join/{ayse.token}/" in invitation.body


def test_a_delegate_submits_an_amendment_shown_as_a_redline(setup):
    conference, _chair, ayse = setup
    client = _client(ayse)
    block = conference.statement.versions.get().blocks.get(number="2")
    response = client.post(
        "/en/c/water/amendments/new/",
        {"block": block.key, "action": "replace", "text": "Open data.", "justification": "Why."},
    )
    assert response.status_code == 302
    page = client.get("/en/c/water/amendments/").content.decode()
    assert "<del>Data.</del> <ins>Open data.</ins>" in page
    assert Amendment.objects.get().proposer.name == "River Union"


def test_the_public_page_shows_decisions_but_not_the_chairs_desk(setup):
    conference, chair, ayse = setup
    block = conference.statement.versions.get().blocks.get(number="3")
    amendment = services.amendment_submit(
        delegate=ayse,
        version=block.version,
        block_key=block.key,
        action="delete",
        text="",
        justification="Too long.",
    )
    services.amendment_decide(
        amendment=amendment, status="referred", referred_to="A committee", by=chair
    )
    page = Client().get("/en/c/water/").content.decode()
    assert "A committee" in page
    assert Client().get("/en/c/water/manage/").status_code == 403
    assert _client(ayse).get("/en/c/water/manage/").status_code == 403
    assert _client(chair).get("/en/c/water/manage/").status_code == 200


def test_a_delegation_splits_its_votes_in_the_form(setup):
    conference, chair, ayse = setup
    ballot = services.ballot_create(conference=conference, by=chair, title="A1")
    services.ballot_open(ballot=ballot, by=chair)
    client = _client(ayse)
    client.post(f"/en/c/water/ballots/{ballot.pk}/", {"yes": "2", "no": "1", "abstain": "0"})
    vote = Vote.objects.get()
    assert (vote.yes, vote.no, vote.abstain) == (2, 1, 0)
    page = client.get(f"/en/c/water/ballots/{ballot.pk}/").content.decode()
    assert "Your vote is counted." in page


def test_results_are_the_chairs_until_published(setup):
    conference, chair, ayse = setup
    ballot = services.ballot_create(conference=conference, by=chair, title="A1")
    services.ballot_open(ballot=ballot, by=chair)
    services.vote_cast(ballot=ballot, delegate=ayse, yes=3, no=0, abstain=0)
    results = f"/en/c/water/ballots/{ballot.pk}/results/"
    assert 'data-result="yes"' not in Client().get(results).content.decode()
    assert 'data-result="yes">3<' in _client(chair).get(results).content.decode()
    services.ballot_publish_results(ballot=ballot, by=chair)
    assert 'data-result="yes">3<' in Client().get(results).content.decode()


def test_the_results_box_polls_while_the_ballot_is_open(setup):
    conference, chair, _ayse = setup
    ballot = services.ballot_create(conference=conference, by=chair, title="A1")
    services.ballot_open(ballot=ballot, by=chair)
    page = _client(chair).get(f"/en/c/water/ballots/{ballot.pk}/").content.decode()
    assert 'hx-trigger="every 2s"' in page
    assert "htmx-2.0.11.min.js" in page


def test_a_document_is_public_once_the_secretariat_publishes_it(setup, tmp_path, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    conference, chair, ayse = setup
    client = _client(ayse)
    upload = SimpleUploadedFile("report.md", b"# Report\n\nRivers.", "text/markdown")
    client.post("/en/c/water/", {"title": "Our report", "file": upload})
    document = conference.documents.get()
    assert document.status == "submitted"
    assert "Our report" not in Client().get("/en/c/water/").content.decode()
    assert Client().get(f"/en/c/water/documents/{document.pk}/").status_code == 404
    _client(chair).post("/en/c/water/", {"action": "publish", "document": document.pk})
    response = Client().get(f"/en/c/water/documents/{document.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == b"# Report\n\nRivers."


def test_a_file_that_is_not_a_pdf_is_refused(setup, tmp_path, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    conference, _chair, ayse = setup
    fake = SimpleUploadedFile("report.pdf", b"<html>not a pdf</html>", "application/pdf")
    _client(ayse).post("/en/c/water/", {"title": "Fake", "file": fake})
    assert not conference.documents.exists()


def test_the_record_of_decisions_in_markdown(setup):
    conference, chair, ayse = setup
    ballot = services.ballot_create(conference=conference, by=chair, title="Whole text")
    services.ballot_open(ballot=ballot, by=chair)
    services.vote_cast(ballot=ballot, delegate=ayse, yes=3, no=0, abstain=0)
    services.ballot_close(ballot=ballot, by=chair)
    response = Client().get("/en/c/water/record.md")
    text = response.content.decode()
    assert response["Content-Type"].startswith("text/markdown")
    assert "### Whole text" in text and "**adopted**" in text
    assert "- Adopted." in text
    assert "Whole text" in Client().get("/en/c/water/record.html").content.decode()


def test_the_agenda_and_recordings_are_on_the_public_page(setup):
    from datetime import UTC, datetime

    from undersigned.assembly.models import AgendaItem, Session

    conference, _chair, _ayse = setup
    AgendaItem.objects.create(conference=conference, position=1, title="The draft declaration")
    Session.objects.create(
        conference=conference,
        title="Opening",
        starts_at=datetime(2026, 12, 1, 9, tzinfo=UTC),
        video_url="https://video.example.org/opening",
    )
    page = Client().get("/en/c/water/").content.decode()
    assert "The draft declaration" in page
    assert 'href="https://video.example.org/opening"' in page


def test_a_named_ballot_shows_who_voted_what_once_closed(setup):
    conference, chair, ayse = setup
    ballot = services.ballot_create(conference=conference, by=chair, title="Named")
    services.ballot_open(ballot=ballot, by=chair)
    services.vote_cast(ballot=ballot, delegate=ayse, yes=2, no=1, abstain=0)
    page = Client().get(f"/en/c/water/ballots/{ballot.pk}/results/").content.decode()
    assert "Who voted what" not in page
    services.ballot_close(ballot=ballot, by=chair)
    page = Client().get(f"/en/c/water/ballots/{ballot.pk}/results/").content.decode()
    assert "Who voted what" in page and "Ayşe" in page and "Yes 2" in page


def test_a_secret_ballot_shows_no_roll_call(setup):
    conference, chair, ayse = setup
    ballot = services.ballot_create(conference=conference, by=chair, title="S", secret=True)
    services.ballot_open(ballot=ballot, by=chair)
    services.vote_cast(ballot=ballot, delegate=ayse, yes=3, no=0, abstain=0)
    services.ballot_close(ballot=ballot, by=chair)
    page = Client().get(f"/en/c/water/ballots/{ballot.pk}/results/").content.decode()
    assert "Who voted what" not in page and "Ayşe" not in page


def test_a_delegate_sets_a_password_and_signs_in_with_it(setup):
    conference, _chair, ayse = setup
    client = _client(ayse)
    response = client.post(
        "/en/c/password/",
        {"new_password1": "rivers-Flow-42-free", "new_password2": "rivers-Flow-42-free"},
    )
    assert response.status_code == 302
    fresh = Client()
    response = fresh.post(
        "/en/c/sign-in/", {"username": "AYSE@example.org", "password": "rivers-Flow-42-free"}
    )
    assert response.status_code == 302 and response["Location"] == "/en/c/water/"
    assert fresh.get("/en/c/water/amendments/").status_code == 200


def test_sign_in_refuses_a_wrong_password(setup):
    response = Client().post("/en/c/sign-in/", {"username": "ayse@example.org", "password": "x"})
    assert response.status_code == 200


def test_a_series_shows_its_timeline_on_the_statement_and_the_conference(setup):
    from undersigned.statements.models import Series
    from undersigned.statements.services import series_set, statement_publish

    conference, _chair, _ayse = setup
    first = statement_publish(
        statement=statement_create(title="First Declaration", body="Text.", language="en")
    )
    series = Series.objects.create(slug="water", title="Water for all")
    series_set(series=series, statements=[first], conferences=[conference])
    page = Client().get(first.get_absolute_url()).content.decode()
    assert "Water for all" in page and "/en/c/water/" in page
    page = Client().get("/en/c/water/").content.decode()
    assert first.get_absolute_url() in page and 'aria-current="page"' in page


def test_the_secretariat_creates_a_conference_in_the_admin(client, organizer):
    from undersigned.assembly.models import Conference

    client.force_login(organizer)
    response = client.post(
        "/admin/assembly/conference/add/",
        {
            "title": "Water Conference 2027",
            "slug": "water-2027",
            "starts_on": "2027-03-08",
            "ends_on": "2027-03-09",
            "place": "",
            "description": "",
            "hosts": "River Union",
            "languages": "en, ar fa",
            "agenda-TOTAL_FORMS": "0",
            "agenda-INITIAL_FORMS": "0",
            "sessions-TOTAL_FORMS": "0",
            "sessions-INITIAL_FORMS": "0",
            "participants-TOTAL_FORMS": "1",
            "participants-INITIAL_FORMS": "0",
            "participants-0-name": "River Union",
            "participants-0-country": "TR",
            "delegates-TOTAL_FORMS": "1",
            "delegates-INITIAL_FORMS": "0",
            "delegates-0-name": "Ayşe",
            "delegates-0-email": "ayse@example.org",
            "delegates-0-role": "delegate",
            "delegates-0-weight": "1",
            "delegates-0-language": "tr",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    conference = Conference.objects.get(slug="water-2027")
    assert conference.languages == ["en", "ar", "fa"] and conference.online
    delegate = conference.delegates.get()
    assert delegate.user.email == "ayse@example.org" and delegate.language == "tr"
    assert conference.participants.get().name == "River Union"
    page = Client().get("/en/c/water-2027/").content.decode()
    assert 'lang="ar" dir="rtl">العربية' in page


def _refer_to_next_conference(conference, chair, ayse):
    """Ayşe's amendment to section 3, referred to the 2027 conference."""
    later = services.conference_create(
        title="Water Conference 2027",
        slug="water-2027",
        starts_on=date(2027, 3, 8),
        ends_on=date(2027, 3, 9),
    )
    block = conference.statement.versions.get().blocks.get(number="3")
    amendment = services.amendment_submit(
        delegate=ayse,
        version=block.version,
        block_key=block.key,
        action="replace",
        text="Time, and more time.",
        justification="Needs a longer debate.",
    )
    services.amendment_decide(
        amendment=amendment, status="referred", referred_conference=later, by=chair
    )
    return amendment


def test_an_amendment_referred_to_the_next_conference_is_listed_there(setup):
    conference, chair, ayse = setup
    amendment = _refer_to_next_conference(conference, chair, ayse)
    amendment.refresh_from_db()
    assert amendment.referred_to == "Water Conference 2027"
    page = Client().get("/en/c/water-2027/").content.decode()
    assert "Amendments referred from earlier conferences" in page
    assert "Time, and more time." in page and "/en/c/water/record.html" in page


def test_the_chair_sets_a_custom_majority(setup):
    from undersigned.assembly.models import Ballot

    _conference, chair, _ayse = setup
    client = _client(chair)
    data = {
        "action": "create",
        "title": "Three fifths",
        "subject": "",
        "mode": "electronic",
        "abstain_allowed": "on",
        "fraction": "3/5",
        "strict": "on",
        "base": "cast",
        "quorum": "",
        "quorum_of": "",
    }
    assert client.post("/en/c/water/manage/", data).status_code == 302
    ballot = Ballot.objects.get()
    assert (ballot.fraction_numerator, ballot.fraction_denominator) == (3, 5)
    client.post("/en/c/water/manage/", {**data, "fraction": "5/3"})
    assert Ballot.objects.count() == 1


def test_the_page_title_holds_no_markup_with_a_referred_amendment(setup):
    import re

    conference, chair, ayse = setup
    _refer_to_next_conference(conference, chair, ayse)
    page = Client().get("/en/c/water-2027/").content.decode()
    title = re.search(r"<title>(.*?)</title>", page, re.DOTALL).group(1)
    assert title.startswith("Water Conference 2027 · ")
    assert "<" not in title and "&lt;" not in title and "referred" not in title
    assert page.count("Amendments referred from earlier conferences") == 1


def _delegate_elsewhere(ayse, slug, starts_on, ends_on):
    other = services.conference_create(title=slug, slug=slug, starts_on=starts_on, ends_on=ends_on)
    services.delegate_add(conference=other, email=ayse.user.email, name="Ayşe")
    return other


def _sign_in(ayse) -> str:
    ayse.user.set_password("rivers-Flow-42-free")
    ayse.user.save()
    response = Client().post(
        "/en/c/sign-in/", {"username": "ayse@example.org", "password": "rivers-Flow-42-free"}
    )
    assert response.status_code == 302
    return response["Location"]


def test_sign_in_lands_on_the_conference_under_way(setup):
    from datetime import timedelta

    from django.utils import timezone

    _conference, _chair, ayse = setup
    today = timezone.localdate()
    _delegate_elsewhere(ayse, "past", today - timedelta(days=400), today - timedelta(days=399))
    _delegate_elsewhere(ayse, "now", today - timedelta(days=1), today + timedelta(days=1))
    _delegate_elsewhere(ayse, "next", today + timedelta(days=300), today + timedelta(days=301))
    assert _sign_in(ayse) == "/en/c/now/"


def test_sign_in_lands_on_the_latest_conference_when_all_are_over(setup):
    from datetime import timedelta

    from django.utils import timezone

    conference, _chair, ayse = setup
    today = timezone.localdate()
    conference.starts_on = conference.ends_on = today - timedelta(days=30)
    conference.save()
    _delegate_elsewhere(ayse, "older", today - timedelta(days=400), today - timedelta(days=399))
    _delegate_elsewhere(ayse, "latest", today - timedelta(days=10), today - timedelta(days=9))
    assert _sign_in(ayse) == "/en/c/latest/"


def _submitted(conference, ayse):
    block = conference.statement.versions.get().blocks.get(number="2")
    return services.amendment_submit(
        delegate=ayse,
        version=block.version,
        block_key=block.key,
        action="replace",
        text="Open data.",
        justification="Why.",
    )


def test_the_secretariat_admits_an_amendment_on_its_page(setup):
    conference, chair, ayse = setup
    amendment = _submitted(conference, ayse)
    response = _client(chair).post(
        f"/en/c/water/amendments/{amendment.number}/", {"action": "decide", "status": "admitted"}
    )
    assert response.status_code == 302
    amendment.refresh_from_db()
    assert amendment.status == Amendment.Status.ADMITTED


def test_declaring_an_amendment_inadmissible_without_a_reason_is_refused(setup):
    conference, chair, ayse = setup
    amendment = _submitted(conference, ayse)
    client = _client(chair)
    url = f"/en/c/water/amendments/{amendment.number}/"
    client.post(url, {"action": "decide", "status": "inadmissible", "reason": ""})
    amendment.refresh_from_db()
    assert amendment.status == Amendment.Status.SUBMITTED
    assert "Say why the amendment is inadmissible." in client.get(url).content.decode()


def test_the_reason_an_amendment_is_inadmissible_is_shown(setup):
    conference, chair, ayse = setup
    amendment = _submitted(conference, ayse)
    reason = "Outside the <b>scope</b> of the declaration."
    _client(chair).post(
        f"/en/c/water/amendments/{amendment.number}/",
        {"action": "decide", "status": "inadmissible", "reason": reason},
    )
    amendment.refresh_from_db()
    assert amendment.status == Amendment.Status.INADMISSIBLE
    escaped = "Outside the &lt;b&gt;scope&lt;/b&gt; of the declaration."
    public = Client().get("/en/c/water/").content.decode()
    assert escaped in public and "<b>scope</b>" not in public
    page = _client(ayse).get(f"/en/c/water/amendments/{amendment.number}/").content.decode()
    assert escaped in page


def test_a_delegation_co_signs_from_the_amendment_page(setup):
    conference, _chair, ayse = setup
    amendment = _submitted(conference, ayse)
    union = services.participant_add(conference=conference, name="Eau Vive", country="FR")
    marc = services.delegate_add(
        conference=conference, email="marc@example.org", name="Marc", participant=union
    )
    client = _client(marc)
    url = f"/en/c/water/amendments/{amendment.number}/"
    assert "Co-sign for my delegation" in client.get(url).content.decode()
    client.post(url, {"action": "cosign"})
    assert "Co-signed by: <bdi>Eau Vive</bdi>" in client.get(url).content.decode()


def test_the_chair_enters_the_number_present_on_the_desk(setup):
    from undersigned.assembly.models import Ballot

    conference, chair, ayse = setup
    ballot = services.ballot_create(conference=conference, by=chair, title="Q", base="present")
    services.ballot_open(ballot=ballot, by=chair)
    services.vote_cast(ballot=ballot, delegate=ayse, yes=1, no=2, abstain=0)
    client = _client(chair)
    desk = client.get("/en/c/water/manage/").content.decode()
    assert "Record the number present" in desk
    response = client.post(
        "/en/c/water/manage/", {"action": "present", "ballot": ballot.pk, "present": "3"}
    )
    assert response.status_code == 302
    assert Ballot.objects.get().present == 3
    results = client.get(f"/en/c/water/ballots/{ballot.pk}/results/").content.decode()
    assert 'data-result="present">3<' in results
    assert "Required: more than 1/2 of present (3) = 1.50; yes: 1." in results


def test_the_results_say_the_verdict_waits_for_the_number_present(setup):
    conference, chair, ayse = setup
    ballot = services.ballot_create(conference=conference, by=chair, title="Q", base="present")
    services.ballot_open(ballot=ballot, by=chair)
    services.vote_cast(ballot=ballot, delegate=ayse, yes=3, no=0, abstain=0)
    services.ballot_close(ballot=ballot, by=chair)
    results = _client(chair).get(f"/en/c/water/ballots/{ballot.pk}/results/").content.decode()
    assert "the verdict waits for their number" in results
    assert "Required:" not in results
    public = Client().get("/en/c/water/").content.decode()
    assert "the verdict waits for the number present" in public


def _needing_a_rebase(conference, chair, ayse):
    """River Union's A1 needs a rebase once Eau Vive's A2, to the same block, is adopted."""
    mine = _submitted(conference, ayse)
    union = services.participant_add(conference=conference, name="Eau Vive", country="FR")
    marc = services.delegate_add(
        conference=conference, email="marc@example.org", name="Marc", participant=union
    )
    block = mine.version.blocks.get(key=mine.block_key)
    theirs = services.amendment_submit(
        delegate=marc,
        version=mine.version,
        block_key=block.key,
        action="replace",
        text="Data for everyone.",
        justification="Wider.",
    )
    services.amendment_decide(amendment=theirs, status="adopted", by=chair)
    mine.refresh_from_db()
    return mine, marc


def test_the_rebase_page_shows_the_current_text_and_the_redline_against_it(setup):
    conference, chair, ayse = setup
    mine, _marc = _needing_a_rebase(conference, chair, ayse)
    client = _client(ayse)
    page = client.get(f"/en/c/water/amendments/{mine.number}/").content.decode()
    assert f"/en/c/water/amendments/{mine.number}/rebase/" in page
    page = client.get(f"/en/c/water/amendments/{mine.number}/rebase/").content.decode()
    assert "Data for everyone." in page  # the block's text as the adopted amendment made it
    assert "<del>Data for everyone.</del> <ins>Open data.</ins>" in page


def test_the_proposer_saves_the_rebase_from_the_form(setup):
    conference, chair, ayse = setup
    mine, _marc = _needing_a_rebase(conference, chair, ayse)
    response = _client(ayse).post(
        f"/en/c/water/amendments/{mine.number}/rebase/",
        {"text": "Open data for everyone.", "justification": "Still needed."},
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert (mine.status, mine.text) == ("submitted", "Open data for everyone.")
    assert mine.base_text == "Data for everyone."
    page = _client(ayse).get(f"/en/c/water/amendments/{mine.number}/").content.decode()
    assert "<del>Data</del><ins>Open data</ins> for everyone." in page


def test_another_delegation_cannot_open_the_rebase_page(setup):
    conference, chair, ayse = setup
    mine, marc = _needing_a_rebase(conference, chair, ayse)
    client = _client(marc)
    assert client.get(f"/en/c/water/amendments/{mine.number}/rebase/").status_code == 403
    response = client.post(
        f"/en/c/water/amendments/{mine.number}/rebase/",
        {"text": "Hijacked.", "justification": "No."},
    )
    assert response.status_code == 403
    mine.refresh_from_db()
    assert mine.text == "Open data."


def _follow_up_with_a_referral(conference, chair, ayse):
    """The 2027 conference on the same declaration, its chair, and Ayşe's amendment to
    section 3, referred there from this conference."""
    later = services.conference_create(
        title="Water Conference 2027",
        slug="water-2027",
        starts_on=date(2027, 3, 8),
        ends_on=date(2027, 3, 9),
        statement=conference.statement,
    )
    union = services.participant_add(conference=later, name="River Union", country="TR")
    services.delegate_add(
        conference=later, email="ayse@example.org", name="Ayşe", participant=union
    )
    chair_2027 = services.delegate_add(
        conference=later, email="chair2@example.org", name="Chair 2027", role="chair"
    )
    block = conference.statement.versions.get().blocks.get(number="3")
    amendment = services.amendment_submit(
        delegate=ayse,
        version=block.version,
        block_key=block.key,
        action="replace",
        text="Time, and more time.",
        justification="Needs a longer debate.",
    )
    services.amendment_decide(
        amendment=amendment,
        status="referred",
        reason="Not ripe.",
        referred_conference=later,
        by=chair,
    )
    return later, chair_2027, amendment


def test_the_follow_up_secretariat_sees_a_referred_amendment_with_its_history(setup):
    conference, chair, ayse = setup
    _later, chair_2027, _amendment = _follow_up_with_a_referral(conference, chair, ayse)
    page = _client(chair_2027).get("/en/c/water-2027/amendments/").content.decode()
    assert "Referred from earlier conferences" in page
    assert "Time<ins>, and more time</ins>." in page
    assert "Submitted by <bdi>Ayşe</bdi>" in page
    assert "Referred</strong> → <bdi>Water Conference 2027</bdi> (<bdi>Chair</bdi>," in page
    assert "Not ripe." in page
    assert "Take up at this conference" in page


def test_the_follow_up_secretariat_takes_it_up_from_its_amendments_page(setup):
    conference, chair, ayse = setup
    later, chair_2027, amendment = _follow_up_with_a_referral(conference, chair, ayse)
    client = _client(chair_2027)
    response = client.post(
        "/en/c/water-2027/amendments/",
        {"referred": amendment.pk, "block": amendment.block_key},
    )
    carried = later.amendments.get()
    assert response["Location"] == f"/en/c/water-2027/amendments/{carried.number}/"
    page = client.get(response["Location"]).content.decode()
    assert "Carried over from <bdi>Water Conference</bdi>, where it was amendment 1." in page
    assert "History at earlier conferences" in page
    desk = client.get("/en/c/water-2027/manage/").content.decode()
    assert f'<option value="a{carried.pk}">A{carried.number}</option>' in desk
    listed = client.get("/en/c/water-2027/amendments/").content.decode()
    assert "Take up at this conference" not in listed
    assert "carried over from <bdi>Water Conference</bdi> (A1)" in listed


def test_a_delegate_of_the_follow_up_cannot_take_up_a_referred_amendment(setup):
    conference, chair, ayse = setup
    later, _chair_2027, amendment = _follow_up_with_a_referral(conference, chair, ayse)
    delegate = later.delegates.get(name="Ayşe")
    client = _client(delegate)
    assert "Take up at this conference" not in (
        client.get("/en/c/water-2027/amendments/").content.decode()
    )
    client.post("/en/c/water-2027/amendments/", {"referred": amendment.pk})
    assert not later.amendments.exists()


def test_the_first_conference_shows_where_its_referred_amendment_was_taken_up(setup):
    conference, chair, ayse = setup
    later, chair_2027, amendment = _follow_up_with_a_referral(conference, chair, ayse)
    services.amendment_take_up(amendment=amendment, by=chair_2027)
    page = _client(chair).get(f"/en/c/water/amendments/{amendment.number}/").content.decode()
    assert "Taken up at <bdi>Water Conference 2027</bdi> as amendment 1:" in page
    public = Client().get("/en/c/water-2027/").content.decode()
    assert "taken up as amendment 1: Admitted" in public


def test_the_amendment_page_shows_the_number_of_its_block(setup):
    conference, _chair, ayse = setup
    amendment = _submitted(conference, ayse)
    page = _client(ayse).get(f"/en/c/water/amendments/{amendment.number}/").content.decode()
    assert '<p lang="en"><span class="marker">2.</span> <span class="diff"' in page
