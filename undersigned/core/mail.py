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
    """Writes each message as an .eml file in UNDERSIGNED_DATA_DIR/outbox/.

    A message is written under a temporary name and moved into place once it is on disk,
    so the outbox never shows half a message. The disk is synced once per connection, when
    it closes, not once per message: the worker sends a batch of mail over one connection,
    and a sync per message made the disk commit its journal for each, which the signature
    writer's commits then queued behind (`python -m bench sign`, 2026-12-01). A message
    counts as sent only once `close()` has returned."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._written: list[tuple[Path, Path]] | None = None

    def open(self) -> bool:
        if self._written is not None:
            return False
        self._written = []
        return True

    def close(self) -> None:
        written, self._written = self._written, None
        if not written:
            return
        for temporary, _final in written:
            with open(temporary, "rb") as handle:
                # The first sync commits the file system's journal with every file of the
                # batch in it; the others find theirs committed already.
                os.fsync(handle.fileno())
        for temporary, final in written:
            os.replace(temporary, final)
        directory = os.open(written[0][1].parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

    def send_messages(self, email_messages: list[EmailMessage]) -> int:
        opened = self.open()
        try:
            outbox = Path(settings.OUTBOX_DIR)
            outbox.mkdir(parents=True, exist_ok=True)
            for message in email_messages:
                stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
                name = f"{stamp}-{secrets.token_hex(4)}.eml"
                temporary = outbox / f".{name}.tmp"
                with open(temporary, "wb") as handle:
                    handle.write(message.message().as_bytes(linesep="\r\n"))
                self._written.append((temporary, outbox / name))
        finally:
            if opened:
                self.close()
        return len(email_messages)


def outbox_messages(limit: int = 200) -> list[Path]:
    outbox = Path(settings.OUTBOX_DIR)
    if not outbox.is_dir():
        return []
    files = sorted(outbox.glob("*.eml"), reverse=True)
    return files[:limit]
