"""The signature writer as a process of its own, fed by every server process on the machine
over a Unix socket. `undersigned serve` starts one and points its server processes at it.

Why a process: with the writer as a thread inside each server process (writer.py's
GroupCommitWriter), a batch of 14 signatures held the database's write lock for 19 ms to
do 4 ms of work. Each time sqlite3 released the GIL (every statement, the commit), the
writer queued behind 32 request threads to get it back, and the other process's writer
queued behind it for the lock (`python -m bench sign`, 2026-11-30). Here the writer is
alone with its GIL, and one writer serves every server process, so their submissions
share batches instead of taking turns at the lock.

The loop is single-threaded: it reads every submission that has arrived, writes them in
one transaction (`writer.write_batch`), answers each one after the commit, and reads
again. What arrives during a commit waits in the socket buffers and makes the next batch.

Under load it lingers: when the last batch held more than one submission, more are on
their way, so it waits up to `linger` seconds (a few milliseconds) for them before it
writes. A commit costs about 1.4 ms of CPU whatever it holds (its queries, and the
index pages it rewrites into the log), and without lingering batches stayed at about
three submissions under full load, because the writer came back for each as soon as it
could. With 5 ms, batches grew to 14 and the writer's CPU per signature fell from 0.66 to
0.39 ms (`python -m bench sign`, 2026-11-30). After half a second without a submission
the writer counts as idle again, and the next signer is not kept waiting.

Lingering is off by default since the server processes answer the sign POST in a third
of the time (signatures/shortcut.py): submissions now arrive during each commit, and the
5 ms the writer waited left both cores idle in turn. Alternated 15–20 s runs: 1,052 /
1,075 / 1,168 signs/s without it, 960 / 1,106 / 1,077 with 5 ms (2026-12-01). A machine
whose server processes are slower than its writer may still gain from it
(UNDERSIGNED_WRITER_LINGER_MS).

Conference votes come the same way (assembly.services.votes_write): when 2,000 delegates
vote at once, each vote was a transaction of its own, whose commit waited for the lock
behind the others and, inside it, for the GIL behind 32 request threads at every
statement; here the votes that arrive together share one commit.

Protocol: one JSON object per line each way. A request is a `SignRequest`; the answer is
{"id": …, "created": …, "mailed": …}, {"refused": "closed"|"rate_limited"}, or
{"error": "…"} when the batch did not commit (nothing of it was written). A vote is
{"vote": VoteRequest}; its answer is {"vote": id}, {"refused": "closed"|"voted"} or
{"error": "…"}.
"""

from __future__ import annotations

import json
import logging
import os
import select
import selectors
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import connection

from undersigned.assembly.services import VoteRequest, votes_write
from undersigned.signatures.writer import (
    Refused,
    SignRequest,
    WriterUnavailable,
    Written,
    write_batch,
)

logger = logging.getLogger(__name__)

# AF_UNIX paths are limited to 108 bytes on Linux (104 on some other systems).
_MAX_SOCKET_PATH = 100
# A request line is a few hundred bytes; this bounds what a broken client can make us hold.
_MAX_LINE = 64 * 1024


def socket_path(data_dir: Path, port: int) -> Path:
    """Where the writer of the server on `port` listens: in the data directory, which only
    the server's own user may use, unless that path is too long for a Unix socket."""
    path = data_dir / "run" / f"writer-{port}.sock"
    if len(os.fsencode(path)) > _MAX_SOCKET_PATH:
        import tempfile

        path = Path(tempfile.mkdtemp(prefix="undersigned-")) / "writer.sock"
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _answer(outcome: Written | Refused) -> dict:
    if isinstance(outcome, Refused):
        return {"refused": outcome.code}
    return {"id": outcome.signature_id, "created": outcome.created, "mailed": outcome.mailed}


def _vote_answer(outcome: int | str) -> dict:
    return {"refused": outcome} if isinstance(outcome, str) else {"vote": outcome}


class _Server:
    def __init__(self, path: Path, max_batch: int, linger: float) -> None:
        self.path = path
        self.max_batch = max_batch
        self.linger = linger
        self.selector = selectors.DefaultSelector()
        self.buffers: dict[socket.socket, bytearray] = {}

    def listen(self) -> None:
        # Bound under another name and moved into place once listening, so that the path
        # exists only when connecting to it works (it replaces a killed predecessor's).
        ready = self.path.with_name(f"{self.path.name}.{os.getpid()}")
        ready.unlink(missing_ok=True)
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(str(ready))
        os.chmod(ready, 0o600)
        self.listener.listen(1024)
        os.replace(ready, self.path)
        self.listener.setblocking(False)
        self.selector.register(self.listener, selectors.EVENT_READ)

    def close(self) -> None:
        for sock in list(self.buffers):
            self._drop(sock)
        self.selector.unregister(self.listener)
        self.listener.close()
        self.path.unlink(missing_ok=True)

    def _drop(self, sock: socket.socket) -> None:
        self.selector.unregister(sock)
        self.buffers.pop(sock, None)
        sock.close()

    def _accept(self) -> None:
        while True:
            try:
                sock, _address = self.listener.accept()
            except BlockingIOError:
                return
            sock.setblocking(False)
            self.buffers[sock] = bytearray()
            self.selector.register(sock, selectors.EVENT_READ)

    def _receive(self, sock: socket.socket, pending: list, votes: list) -> None:
        try:
            data = sock.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:  # the server process closed its end (or died)
            self._drop(sock)
            return
        buffer = self.buffers[sock]
        buffer += data
        while (end := buffer.find(b"\n")) >= 0:
            line = bytes(buffer[:end])
            del buffer[: end + 1]
            try:
                message = json.loads(line)
                if "vote" in message:
                    votes.append((sock, VoteRequest(**message["vote"])))
                else:
                    pending.append((sock, SignRequest(**message)))
            except (ValueError, TypeError):
                logger.error("unreadable submission from a server process; connection closed")
                self._drop(sock)
                return
        if len(buffer) > _MAX_LINE:
            self._drop(sock)

    def _reply(self, sock: socket.socket, answer: dict) -> None:
        if sock not in self.buffers:
            return
        try:
            # At most one answer is outstanding per connection: a client sends one
            # submission and waits for its answer, so the send buffer has room.
            sock.sendall(json.dumps(answer).encode() + b"\n")
        except OSError:
            self._drop(sock)

    def _commit(
        self,
        pending: list,
        write: Callable[[list], list],
        answer: Callable[[Any], dict],
        what: str,
    ) -> None:
        """Write one batch of `what` (signatures or votes) in one transaction, then answer
        each request: only now that its batch has committed."""
        try:
            _connect()
            outcomes = write([request for _sock, request in pending])
        except Exception as exc:  # nothing of this batch committed
            logger.warning("%s batch of %d failed: %r", what, len(pending), exc)
            for sock, _request in pending:
                self._reply(sock, {"error": exc.__class__.__name__})
            connection.close()  # the next batch starts on a fresh connection
            return
        for (sock, _request), outcome in zip(pending, outcomes, strict=True):
            self._reply(sock, answer(outcome))

    def _gather(self, pending: list, votes: list, *, timeout: float) -> bool:
        """Accept new connections and read what has arrived, waiting `timeout` at most.
        False when nothing happened in that time."""
        ready = self.selector.select(timeout=timeout)
        for key, _events in ready:
            if key.fileobj is self.listener:
                self._accept()
            else:
                self._receive(key.fileobj, pending, votes)
        return bool(ready)

    def run(self, stop: threading.Event, grace_seconds: float) -> None:
        """Serve until `stop` is set, then until the server processes have closed their
        connections (they finish the requests they hold) or `grace_seconds` have passed."""
        deadline = None
        busy = False  # the last batch held more than one submission
        while True:
            if stop.is_set():
                deadline = deadline or time.monotonic() + grace_seconds
                if not self.buffers or time.monotonic() > deadline:
                    return
            pending: list = []
            votes: list = []
            if not self._gather(pending, votes, timeout=0.5):
                busy = False  # idle: the next submission may well be alone
            if busy and (pending or votes):
                until = time.monotonic() + self.linger
                while len(pending) + len(votes) < self.max_batch:
                    left = until - time.monotonic()
                    if left <= 0:
                        break
                    self._gather(pending, votes, timeout=left)
            if pending or votes:
                busy = len(pending) + len(votes) > 1
            for start in range(0, len(pending), self.max_batch):
                batch = pending[start : start + self.max_batch]
                self._commit(batch, write_batch, _answer, "signature")
            for start in range(0, len(votes), self.max_batch):
                self._commit(
                    votes[start : start + self.max_batch], votes_write, _vote_answer, "vote"
                )


# How often the checkpointer copies the write-ahead log into the database (SQLite).
CHECKPOINT_SECONDS = 0.2


def _connect() -> None:
    """Open the writer's connection if it is closed (a failed batch closes it). On SQLite
    its commits leave checkpoints to `_checkpoint_log`."""
    if connection.connection is None:
        connection.ensure_connection()
        if connection.vendor == "sqlite":
            connection.connection.execute("PRAGMA wal_autocheckpoint=0")


def _checkpoint_log(done: threading.Event, every: float) -> None:
    """Copy committed pages from the write-ahead log into the database file, on a
    connection of this thread's own, every `every` seconds until `done` is set.

    SQLite checkpoints by itself inside a commit once the log holds 1,000 pages: the
    commit that crosses it writes those pages into the database and syncs it, 10 to
    25 ms here, while the signatures of that batch, and every one arriving meanwhile,
    wait (`write_batch` in a loop of 3,000 commits: 68 over 10 ms with it, 13 without).
    A passive checkpoint here takes no write lock: the writer goes on committing to the
    log while it runs, and this thread waits for the disk without the GIL."""
    try:
        while not done.wait(every):
            try:
                with connection.cursor() as cursor:
                    cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
            except Exception as exc:  # tried again on a new connection next time
                logger.warning("checkpoint failed: %r", exc)
                connection.close()
    finally:
        connection.close()


def serve_forever(
    *,
    path: Path,
    stop: threading.Event,
    max_batch: int,
    linger: float = 0.0,
    grace_seconds: float = 15,
) -> None:
    """Write what the server processes submit until `stop` is set (see `_Server.run`)."""
    server = _Server(path, max_batch, linger)
    checkpoints = threading.Event()
    checkpointer = None
    if connection.vendor == "sqlite":
        checkpointer = threading.Thread(
            target=_checkpoint_log,
            args=(checkpoints, CHECKPOINT_SECONDS),
            name="wal-checkpoint",
            daemon=True,
        )
        checkpointer.start()
    server.listen()
    logger.info("signature writer listening on %s", path)
    try:
        server.run(stop, grace_seconds)
    finally:
        server.close()
        checkpoints.set()
        if checkpointer is not None:
            checkpointer.join(timeout=30)
        connection.close()


class WriterClient:
    """A server process's side: each thread keeps one connection to the writer."""

    def __init__(self, path: str, *, timeout: float) -> None:
        self.path = path
        self.timeout = timeout
        self._local = threading.local()

    def _connection(self) -> socket.socket:
        sock = getattr(self._local, "sock", None)
        if sock is not None:
            # Nothing is due on an idle connection: if it reads as ready, the writer has
            # closed it (it restarted), and this submission goes on a new one.
            readable, _w, _x = select.select([sock], [], [], 0)
            if readable:
                self._close()
                sock = None
        if sock is None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(self.timeout)
            try:
                sock.connect(self.path)
            except OSError:
                sock.close()
                raise
            self._local.sock = sock
            self._local.buffer = b""
        return sock

    def _close(self) -> None:
        sock = getattr(self._local, "sock", None)
        self._local.sock = None
        if sock is not None:
            sock.close()

    def _read_line(self, sock: socket.socket) -> bytes:
        buffer = self._local.buffer
        while b"\n" not in buffer:
            data = sock.recv(4096)
            if not data:
                raise ConnectionError("the signature writer closed the connection")
            buffer += data
        line, _newline, self._local.buffer = buffer.partition(b"\n")
        return line

    def _exchange(self, message: dict) -> dict:
        """Send one request and wait for its answer: after its batch has committed."""
        try:
            sock = self._connection()
            sock.sendall(json.dumps(message).encode() + b"\n")
            answer = json.loads(self._read_line(sock))
        except (OSError, ValueError) as exc:
            self._close()
            raise WriterUnavailable(f"the writer did not answer: {exc!r}") from exc
        if "error" in answer:
            raise WriterUnavailable(f"the batch did not commit: {answer['error']}")
        return answer

    def vote(self, request: VoteRequest) -> int | str:
        """Write one vote (see assembly.services.votes_write): its id once committed, or
        why it was not written. Raises WriterUnavailable like `submit`."""
        answer = self._exchange({"vote": vars(request)})
        return answer["refused"] if "refused" in answer else answer["vote"]

    def submit(self, request: SignRequest) -> Written | Refused:
        """Send one submission and wait until its batch has committed. Any failure before
        the answer raises WriterUnavailable: the submission may or may not have been
        written, so nothing may be acknowledged (signing again with the same email is
        safe: it finds the signature instead of making a second)."""
        # vars(): its fields are plain values, which dataclasses.asdict would deep-copy.
        answer = self._exchange(vars(request))
        if "refused" in answer:
            return Refused(answer["refused"])
        return Written(
            signature_id=answer["id"], created=answer["created"], mailed=answer["mailed"]
        )
