"""The outbox: where mail goes when no mail server is configured."""

from email import message_from_bytes

from django.core.mail import EmailMessage

from undersigned.core.mail import OutboxBackend, outbox_messages


def _message(to: str) -> EmailMessage:
    return EmailMessage(subject="Confirm", body="Ευχαριστούμε", to=[to])


def test_a_message_sent_on_its_own_is_in_the_outbox_at_once(settings, tmp_path):
    settings.OUTBOX_DIR = tmp_path / "outbox"
    assert OutboxBackend().send_messages([_message("ana@example.org")]) == 1
    [path] = outbox_messages()
    parsed = message_from_bytes(path.read_bytes())
    assert parsed["To"] == "ana@example.org"
    assert parsed.get_payload(decode=True).decode() == "Ευχαριστούμε"


def test_a_batch_is_in_the_outbox_only_once_its_connection_has_closed(settings, tmp_path):
    settings.OUTBOX_DIR = tmp_path / "outbox"
    with OutboxBackend() as connection:
        for n in range(3):
            connection.send_messages([_message(f"p{n}@example.org")])
        assert outbox_messages() == []
    recipients = sorted(message_from_bytes(p.read_bytes())["To"] for p in outbox_messages())
    assert recipients == [f"p{n}@example.org" for n in range(3)]
    assert [p.name for p in (tmp_path / "outbox").iterdir() if p.suffix != ".eml"] == []


def test_a_connection_that_wrote_nothing_closes_without_an_outbox(settings, tmp_path):
    settings.OUTBOX_DIR = tmp_path / "outbox"
    with OutboxBackend():
        pass
    assert outbox_messages() == []
