"""Mail: one outbox file a message when no SMTP server is configured, and a durable queue."""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage


class OutboxBackend(BaseEmailBackend):
    """Writes each message as an .eml file in UNDERSIGNED_DATA_DIR/outbox/."""

    def send_messages(self, email_messages: list[EmailMessage]) -> int:
        outbox = Path(settings.OUTBOX_DIR)
        outbox.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
            name = f"{stamp}-{secrets.token_hex(4)}.eml"
            temporary = outbox / f".{name}.tmp"
            with open(temporary, "wb") as handle:
                handle.write(message.message().as_bytes(linesep="\r\n"))
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, outbox / name)
            sent += 1
        return sent


def outbox_messages(limit: int = 200) -> list[Path]:
    outbox = Path(settings.OUTBOX_DIR)
    if not outbox.is_dir():
        return []
    files = sorted(outbox.glob("*.eml"), reverse=True)
    return files[:limit]
