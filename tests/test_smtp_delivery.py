"""The verification mail through a real SMTP server (aiosmtpd), not Django's test outbox."""

from __future__ import annotations

import logging
import re
import socket
from email import policy
from email.parser import BytesParser

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import SIGN_FIELDS, sign
from undersigned.signatures.models import Signature


class CollectingHandler:
    """Keeps every envelope the server accepts."""

    def __init__(self) -> None:
        self.envelopes = []
        self.peers = []  # the client end of the connection each envelope came over

    async def handle_DATA(self, server, session, envelope) -> str:
        self.envelopes.append(envelope)
        self.peers.append(session.peer)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings, monkeypatch):
    # aiosmtpd's thread logs each disconnect, possibly after pytest has closed the stream
    # it captured for this test ("I/O operation on closed file"): warnings only.
    monkeypatch.setattr(logging.getLogger("mail.log"), "level", logging.WARNING)
    handler = CollectingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    yield handler
    controller.stop()


def test_verification_mail_over_smtp_confirms_and_lists_the_signer(
    client, statement, deliver_mail, smtp_server
):
    assert sign(client, statement).status_code == 302
    deliver_mail()

    assert len(smtp_server.envelopes) == 1
    envelope = smtp_server.envelopes[0]
    assert envelope.rcpt_tos == [SIGN_FIELDS["email"]]
    message = BytesParser(policy=policy.default).parsebytes(envelope.content)
    assert message["To"] == SIGN_FIELDS["email"]
    assert message["Content-Language"] == "en"
    body = message.get_body(preferencelist=("plain",)).get_content()
    match = re.search(r"https?://[^/\s]+(/en/confirm/[A-Za-z0-9_-]+)", body)
    assert match, f"no confirm link in: {body}"
    link = match.group(1)

    page = client.get(link)
    assert page.status_code == 200
    assert "Confirm my signature" in page.content.decode()
    assert Signature.objects.get().status == Signature.Status.PENDING

    assert client.post(link).status_code == 200
    assert Signature.objects.get().status == Signature.Status.VERIFIED
    listing = client.get(f"/en/s/{statement.slug}/").content.decode()
    assert SIGN_FIELDS["name"] in listing


def test_a_batch_of_mails_goes_over_one_connection_to_the_mail_server(
    client, statement, deliver_mail, smtp_server
):
    for n in range(4):
        assert sign(client, statement, email=f"p{n}@example.org").status_code == 302
    deliver_mail()
    assert sorted(envelope.rcpt_tos[0] for envelope in smtp_server.envelopes) == [
        f"p{n}@example.org" for n in range(4)
    ]
    assert len(set(smtp_server.peers)) == 1
