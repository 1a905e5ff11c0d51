"""The conference API: a delegate's token, ballots, one vote, amendments, OpenAPI."""

import json
from datetime import date

import pytest
from django.test import Client
from django.urls import get_resolver

from undersigned.assembly import services
from undersigned.statements.services import statement_create


@pytest.fixture
def setup(db):
    statement = statement_create(title="Declaration", body="1. One.\n\n2. Two.", language="en")
    conference = services.conference_create(
        title="Conf",
        slug="conf",
        starts_on=date(2026, 12, 1),
        ends_on=date(2026, 12, 1),
        statement=statement,
    )
    union = services.participant_add(conference=conference, name="Union", country="TR")
    chair = services.delegate_add(
        conference=conference, email="c@example.org", name="Chair", role="chair"
    )
    ayse = services.delegate_add(
        conference=conference, email="a@example.org", name="Ayşe", participant=union, weight=2
    )
    ballot = services.ballot_create(conference=conference, by=chair, title="A1", secret=True)
    services.ballot_open(ballot=ballot, by=chair)
    return conference, chair, ayse, ballot


def _auth(delegate) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {delegate.token}"}


def test_without_a_token_the_api_answers_401(setup):
    assert Client().get("/api/v1/conferences/conf/ballots").status_code == 401


def test_a_delegate_lists_ballots_and_votes_once(setup):
    _conference, _chair, ayse, ballot = setup
    client = Client()
    listed = client.get("/api/v1/conferences/conf/ballots", **_auth(ayse)).json()
    assert listed["ballots"][0]["id"] == ballot.pk and listed["ballots"][0]["results"] is None
    url = f"/api/v1/conferences/conf/ballots/{ballot.pk}/vote"
    first = client.post(url, json.dumps({"yes": 1, "no": 1}), "application/json", **_auth(ayse))
    assert first.status_code == 201
    again = client.post(url, json.dumps({"choice": "no"}), "application/json", **_auth(ayse))
    assert again.status_code == 409 and again.json()["error"] == "already_voted"
    detail = client.get(f"/api/v1/conferences/conf/ballots/{ballot.pk}", **_auth(ayse)).json()
    assert detail["voted"] is True


def test_the_chair_reads_results_with_their_arithmetic(setup):
    _conference, chair, ayse, ballot = setup
    services.vote_cast(ballot=ballot, delegate=ayse, yes=2, no=0, abstain=0)
    detail = Client().get(f"/api/v1/conferences/conf/ballots/{ballot.pk}", **_auth(chair)).json()
    assert detail["results"]["yes"] == 2
    assert detail["results"]["arithmetic"][-1] == "Adopted."


def test_amendments_and_their_states(setup):
    conference, _chair, ayse, _ballot = setup
    block = conference.statement.versions.get().blocks.get(number="2")
    services.amendment_submit(
        delegate=ayse,
        version=block.version,
        block_key=block.key,
        action="delete",
        text="",
        justification="Short.",
    )
    data = Client().get("/api/v1/conferences/conf/amendments", **_auth(ayse)).json()
    assert data["amendments"][0]["action"] == "delete"
    assert data["amendments"][0]["status"] == "submitted"


def test_a_token_of_another_conference_is_refused(setup):
    other = services.conference_create(
        title="Other", slug="other", starts_on=date(2026, 1, 1), ends_on=date(2026, 1, 1)
    )
    stranger = services.delegate_add(conference=other, email="s@example.org", name="S")
    assert Client().get("/api/v1/conferences/conf/ballots", **_auth(stranger)).status_code == 401


def test_openapi_describes_every_route_of_the_api():
    document = Client().get("/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    resolver = get_resolver()
    api = next(p for p in resolver.url_patterns if str(p.pattern) == "api/v1/")
    routes = {
        "/" + str(p.pattern).replace("<slug:slug>", "{slug}").replace("<int:pk>", "{id}")
        for p in api.url_patterns
        if str(p.pattern) != "openapi.json"
    }
    assert routes == set(document["paths"])


def test_an_amendment_carried_over_names_where_it_comes_from(setup):
    conference, chair, ayse, _ballot = setup
    later = services.conference_create(
        title="Later",
        slug="later",
        starts_on=date(2027, 1, 1),
        ends_on=date(2027, 1, 1),
        statement=conference.statement,
    )
    chair_later = services.delegate_add(
        conference=later, email="c2@example.org", name="Chair 2", role="chair"
    )
    block = conference.statement.versions.get().blocks.get(number="2")
    amendment = services.amendment_submit(
        delegate=ayse,
        version=block.version,
        block_key=block.key,
        action="replace",
        text="Two, later.",
        justification="Later.",
    )
    services.amendment_decide(
        amendment=amendment, status="referred", referred_conference=later, by=chair
    )
    services.amendment_take_up(amendment=amendment, by=chair_later)
    data = Client().get("/api/v1/conferences/later/amendments", **_auth(chair_later)).json()
    [carried] = data["amendments"]
    assert carried["carried_from"] == {"conference": "conf", "number": amendment.number}
    assert carried["status"] == "admitted" and carried["written_against"] is None


def test_the_results_give_the_number_present(setup):
    _conference, chair, ayse, ballot = setup
    services.ballot_set_present(ballot=ballot, by=chair, present=2)
    detail = Client().get(f"/api/v1/conferences/conf/ballots/{ballot.pk}", **_auth(chair)).json()
    assert detail["results"]["present"] == 2
