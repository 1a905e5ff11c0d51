"""The signing journey: submit, confirm, list, withdraw, and the rules around them."""

from datetime import timedelta

from django.utils import timezone

from tests.conftest import SIGN_FIELDS, link_from, sign
from undersigned.core.models import AuditEntry
from undersigned.signatures.models import Signature, SignatureCounter


def _verified_count(client, statement) -> int:
    return client.get(f"/api/v1/statements/{statement.slug}").json()["signatures"]["verified"]


def test_submitting_shows_check_your_email_and_queues_one_mail(client, statement, deliver_mail):
    response = sign(client, statement)
    assert response["Location"] == f"/en/s/{statement.slug}/signed"
    assert "Check your email" in client.get(response["Location"]).content.decode()
    sent = deliver_mail()
    assert [message.to for message in sent] == [["ana@example.org"]]
    assert Signature.objects.get().status == Signature.Status.PENDING


def test_pending_signature_is_neither_counted_nor_listed(client, statement):
    sign(client, statement)
    assert _verified_count(client, statement) == 0
    assert "Ana Lima" not in client.get(f"/en/s/{statement.slug}/").content.decode()


def test_opening_the_confirm_link_does_not_confirm_or_use_it_up(client, statement, deliver_mail):
    sign(client, statement)
    link = link_from(deliver_mail()[0], "confirm")
    for _ in range(3):  # a mail scanner prefetching the link, several times
        assert client.get(link).status_code == 200
    assert Signature.objects.get().status == Signature.Status.PENDING
    assert client.post(link).status_code == 200
    assert Signature.objects.get().status == Signature.Status.VERIFIED


def test_confirm_link_works_only_once(client, statement, deliver_mail):
    sign(client, statement)
    link = link_from(deliver_mail()[0], "confirm")
    client.post(link)
    assert client.post(link).status_code == 404
    assert client.get(link).status_code == 404


def test_expired_confirm_link_is_refused(client, statement, deliver_mail):
    sign(client, statement)
    link = link_from(deliver_mail()[0], "confirm")
    Signature.objects.update(token_expires=timezone.now() - timedelta(seconds=1))
    response = client.post(link)
    assert response.status_code == 404
    assert "no longer works" in response.content.decode()
    assert Signature.objects.get().status == Signature.Status.PENDING


def test_unguessable_token_is_required(client, statement, deliver_mail):
    sign(client, statement)
    deliver_mail()
    assert client.post("/en/confirm/guess").status_code == 404
    assert Signature.objects.get().status == Signature.Status.PENDING


def test_confirmed_person_is_counted_and_listed_under_their_country(
    client, statement, deliver_mail
):
    sign(client, statement, country="AM", city="Gyumri")
    client.post(link_from(deliver_mail()[0], "confirm"))
    page = client.get(f"/en/s/{statement.slug}/").content.decode()
    assert "Armenia" in page and "Ana Lima" in page and "Gyumri" in page
    api = client.get(f"/api/v1/statements/{statement.slug}").json()
    assert api["signatures"] == {"verified": 1, "organizations": 0, "by_country": {"AM": 1}}


def test_confirmed_organization_waits_for_approval(client, statement, deliver_mail):
    sign(client, statement, kind="organization", name="River Network", email="net@example.org")
    response = client.post(link_from(deliver_mail()[0], "confirm"))
    assert "approve" in response.content.decode()
    assert Signature.objects.get().status == Signature.Status.AWAITING_APPROVAL
    assert _verified_count(client, statement) == 0
    assert "River Network" not in client.get(f"/en/s/{statement.slug}/").content.decode()


def test_signing_again_with_the_same_email_creates_no_duplicate(client, statement, deliver_mail):
    sign(client, statement)
    second = sign(client, statement, email="  ANA@Example.ORG ", name="Ana L.")
    assert second.status_code == 302
    assert "already signed" in client.get(second["Location"]).content.decode()
    assert Signature.objects.count() == 1
    assert Signature.objects.get().name == "Ana Lima"


def test_email_is_normalized_with_nfkc_and_case_folding(client, statement):
    sign(client, statement, email="ana@example.org")
    sign(client, statement, email="ＡＮＡ@example.org")  # fullwidth letters
    assert Signature.objects.count() == 1


def test_signing_again_after_confirming_sends_a_reminder_not_a_new_link(
    client, statement, deliver_mail, settings
):
    settings.VERIFICATION_RESEND_MINUTES = 0
    sign(client, statement)
    client.post(link_from(deliver_mail()[0], "confirm"))
    sign(client, statement)
    reminder = deliver_mail()[-1]
    assert "You have already signed" in reminder.subject
    assert "/confirm/" not in reminder.body
    assert _verified_count(client, statement) == 1


def test_resending_the_confirmation_is_limited(client, statement, deliver_mail, settings):
    settings.VERIFICATION_RESEND_MINUTES = 0
    settings.VERIFICATION_MAX_MAILS = 3
    for _ in range(6):
        sign(client, statement)
    assert len(deliver_mail()) == 3


def test_resending_waits_between_mails(client, statement, deliver_mail, settings):
    settings.VERIFICATION_RESEND_MINUTES = 10
    sign(client, statement)
    sign(client, statement)
    assert len(deliver_mail()) == 1


def test_a_new_link_replaces_the_previous_one(client, statement, deliver_mail, settings):
    settings.VERIFICATION_RESEND_MINUTES = 0
    sign(client, statement)
    sign(client, statement)
    first, second = deliver_mail()
    assert client.post(link_from(first, "confirm")).status_code == 404
    assert client.post(link_from(second, "confirm")).status_code == 200


def test_unlisted_signature_is_counted_but_not_named(client, statement, deliver_mail):
    sign(client, statement, show_name=None)
    client.post(link_from(deliver_mail()[0], "confirm"))
    assert _verified_count(client, statement) == 1
    assert "Ana Lima" not in client.get(f"/en/s/{statement.slug}/").content.decode()


def test_withdrawing_erases_personal_data_and_drops_the_count(client, statement, deliver_mail):
    sign(client, statement, affiliation="Teachers' union", city="Recife")
    message = deliver_mail()[0]
    client.post(link_from(message, "confirm"))
    withdraw = link_from(message, "withdraw")
    assert client.get(withdraw).status_code == 200  # a page with a button; nothing yet
    assert _verified_count(client, statement) == 1
    assert client.post(withdraw).status_code == 200
    signature = Signature.objects.get()
    assert signature.status == Signature.Status.WITHDRAWN
    assert (signature.name, signature.email, signature.email_normalized) == ("", "", None)
    assert (signature.affiliation, signature.city, signature.ip_hash) == ("", "", "")
    assert _verified_count(client, statement) == 0
    assert "Ana Lima" not in client.get(f"/en/s/{statement.slug}/").content.decode()


def test_withdrawn_signer_can_sign_again(client, statement, deliver_mail):
    sign(client, statement)
    client.post(link_from(deliver_mail()[0], "confirm"))
    client.post(link_from(deliver_mail()[0], "withdraw"))
    assert sign(client, statement).status_code == 302
    assert Signature.objects.filter(status=Signature.Status.PENDING).count() == 1


def test_withdrawing_a_pending_signature_before_the_mail_is_sent_sends_nothing(
    client, statement, deliver_mail
):
    from undersigned.signatures.services import signature_withdraw, withdraw_token_for

    sign(client, statement)
    signature_withdraw(token=withdraw_token_for(Signature.objects.get()))
    assert deliver_mail() == []


def test_forged_withdraw_link_is_refused(client, statement, deliver_mail):
    sign(client, statement)
    deliver_mail()
    pk = Signature.objects.get().pk
    assert client.post(f"/en/withdraw/{pk}-{'0' * 40}").status_code == 404
    assert Signature.objects.get().status == Signature.Status.PENDING


def test_mail_goes_out_in_the_language_of_the_page(client, statement, deliver_mail):
    client.post(
        f"/fr/s/{statement.slug}/sign",
        {
            "kind": "person",
            "name": "Élise",
            "email": "e@example.org",
            "country": "FR",
            "show_name": "on",
            "consent": "on",
        },
    )
    message = deliver_mail()[0]
    assert message.extra_headers["Content-Language"] == "fr"
    assert "/fr/confirm/" in message.body


def test_closed_statement_takes_no_signature(client, statement):
    from undersigned.statements.services import statement_close

    statement_close(statement=statement)
    response = sign(client, statement)
    assert response.status_code == 409
    assert Signature.objects.count() == 0


def test_draft_statement_is_not_public(client, db):
    from undersigned.statements.services import statement_create

    statement_create(title="Draft", body="Text", language="en", slug="draft")
    assert client.get("/en/s/draft/").status_code == 404
    assert client.get("/api/v1/statements/draft").status_code == 404


def test_every_state_change_is_in_the_audit_log(client, statement, deliver_mail):
    sign(client, statement)
    message = deliver_mail()[0]
    client.post(link_from(message, "confirm"))
    client.post(link_from(message, "withdraw"))
    signature = Signature.objects.get()
    actions = list(
        AuditEntry.objects.filter(object_id=str(signature.pk), object_type="signatures.signature")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["signature.submit", "signature.confirm", "signature.withdraw"]


def test_audit_entries_hold_no_name_or_email(client, statement, deliver_mail):
    sign(client, statement)
    client.post(link_from(deliver_mail()[0], "confirm"))
    dump = str(list(AuditEntry.objects.values()))
    assert "ana@example.org" not in dump and "Ana Lima" not in dump


def test_counters_move_with_each_change(client, statement, deliver_mail):
    sign(client, statement, country="GR")
    client.post(link_from(deliver_mail()[0], "confirm"))
    counter = SignatureCounter.objects.get(statement=statement, country="GR", kind="person")
    assert (counter.verified, counter.listed) == (1, 1)


def test_the_confirmation_mail_names_the_statement_in_the_signers_language(
    client, statement, deliver_mail
):
    from django.core import mail

    from undersigned.statements.models import StatementTitle

    StatementTitle.objects.create(statement=statement, language="fr", text="L'eau sans frontières")
    data = {**SIGN_FIELDS, "email": "claire@example.org"}
    response = client.post(f"/fr/s/{statement.slug}/sign", data, REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 302
    deliver_mail()
    message = next(m for m in mail.outbox if m.to == ["claire@example.org"])
    assert "L'eau sans frontières" in message.subject
