from tests.conftest import link_from, sign


def test_a_person_who_confirms_is_listed(client, statement, deliver_mail):
    response = sign(client, statement)
    assert response.status_code == 302
    sent = deliver_mail()
    assert len(sent) == 1
    page = client.get(link_from(sent[0], "confirm"))
    assert page.status_code == 200
    client.post(link_from(sent[0], "confirm"))
    listing = client.get(f"/en/s/{statement.slug}/")
    assert "Ana Lima" in listing.content.decode()
