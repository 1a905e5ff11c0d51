"""Group commit for the signing path.

Signing is a write, and the durable commit (fsync) costs more than everything else a
signature needs. So one writer takes every submission waiting at that moment and writes
them in a single transaction: one INSERT for the signatures, one for
their queued mails, one for their audit entries, one commit. Each request thread waits
until the batch holding its submission has committed, and only then answers: a signer is
never told "check your email" for a signature that is not on disk.

The writer is a process of its own under `undersigned serve` (writer_process.py), shared
by the machine's server processes; under any other WSGI server each process runs a writer
thread (GroupCommitWriter below). `write_batch` holds the logic of both, and is also what
runs inline (one submission, in the request's own transaction) when group commit is off,
as in most tests.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import queue
import secrets
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from undersigned.core.bulk import RowTemplate
from undersigned.core.models import AuditEntry
from undersigned.core.queue import enqueue_many
from undersigned.core.text import search_key
from undersigned.signatures.models import Signature
from undersigned.signatures.tasks import MAIL_VERIFY, send_signature_mail
from undersigned.statements.models import Statement

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SignRequest:
    """A submission the view has validated, ready to be written."""

    statement_id: int
    kind: str
    name: str
    email: str
    email_normalized: str
    country: str
    affiliation: str
    city: str
    show_name: bool
    language: str
    ip_hash: str


@dataclass
class Written:
    """What became of one submission: a new signature, or the one that already had
    this email (`created` False)."""

    signature_id: int
    created: bool
    mailed: bool
    loaded: Signature | None = field(default=None, repr=False, compare=False)

    @property
    def signature(self) -> Signature:
        if self.loaded is None:
            self.loaded = Signature.objects.get(pk=self.signature_id)
        return self.loaded


class Refused(Exception):
    """A submission the batch did not take; `code` is "closed" or "rate_limited"."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# The fields of a new signature that come from its submission; the rest is the batch's.
_VARYING = [
    "statement_id",
    "kind",
    "name",
    "email",
    "email_normalized",
    "country",
    "affiliation",
    "city",
    "show_name",
    "language",
    "ip_hash",
    "token_hash",
    "search_key",
]


@dataclass(frozen=True)
class _Prepared:
    token: str
    row: list


@functools.cache
def _signature_template() -> RowTemplate:
    return RowTemplate(
        Signature,
        varying=_VARYING,
        status=Signature.Status.PENDING,
        source=Signature.Source.WEB,
        mails_sent=1,
    )


@functools.cache
def _audit_template() -> RowTemplate:
    return RowTemplate(
        AuditEntry,
        varying=["object_id", "data"],
        actor_label="signer",
        action="signature.submit",
        object_type=Signature._meta.label_lower,
    )


def _prepare(requests: list[SignRequest], now: datetime) -> tuple[RowTemplate, list[_Prepared]]:
    """Everything about the new rows that does not depend on the database: done before
    the transaction, so the write lock is held only for the writing."""
    template = _signature_template().at(
        now,
        token_expires=now + timedelta(days=settings.VERIFICATION_TOKEN_DAYS),
        last_mail_at=now,
    )
    prepared = []
    for r in requests:
        token = secrets.token_urlsafe(32)
        values = (r.statement_id, r.kind, r.name, r.email, r.email_normalized, r.country)
        values += (r.affiliation, r.city, r.show_name, r.language, r.ip_hash, hash_token(token))
        values += (search_key(r.name),)
        prepared.append(_Prepared(token=token, row=template.row(*values)))
    return template, prepared


def _select(sql: str, params: list) -> list[tuple]:
    """Raw reads for the writer: the ORM's query building cost more than these queries.
    Only table names and %s placeholders are ever put into `sql`; values are parameters."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _marks(values) -> str:
    return ", ".join(["%s"] * len(values))


def _signable(statement_ids: set[int]) -> set[int]:
    ids = sorted(statement_ids)
    rows = _select(
        f"SELECT id FROM {Statement._meta.db_table} WHERE status = %s AND id IN ({_marks(ids)})",  # noqa: S608
        [Statement.Status.PUBLISHED, *ids],
    )
    return {pk for (pk,) in rows}


def _rate_counts(requests: list[SignRequest], since: datetime) -> Counter:
    """Recent signatures per (statement, address hash) for the addresses in this batch.
    Each count is bounded: an address is refused once it reaches the limit."""
    counts: Counter = Counter()
    keys = {(r.statement_id, r.ip_hash) for r in requests if r.ip_hash}
    since_value = connection.ops.adapt_datetimefield_value(since)
    for statement_id in {key[0] for key in keys}:
        hashes = sorted(key[1] for key in keys if key[0] == statement_id)
        rows = _select(
            f"SELECT ip_hash FROM {Signature._meta.db_table} WHERE statement_id = %s"  # noqa: S608
            f" AND ip_hash IN ({_marks(hashes)}) AND created >= %s LIMIT %s",
            [statement_id, *hashes, since_value, settings.RATE_LIMIT_SIGNS * len(hashes)],
        )
        for (value,) in rows:
            counts[(statement_id, value)] += 1
    return counts


def _existing(requests: list[SignRequest]) -> dict[tuple[int, str], int]:
    found: dict[tuple[int, str], int] = {}
    for statement_id in {r.statement_id for r in requests}:
        emails = sorted({r.email_normalized for r in requests if r.statement_id == statement_id})
        rows = _select(
            f"SELECT email_normalized, id FROM {Signature._meta.db_table}"  # noqa: S608
            f" WHERE statement_id = %s AND email_normalized IN ({_marks(emails)})",
            [statement_id, *emails],
        )
        for email, pk in rows:
            found[(statement_id, email)] = pk
    return found


def _write(
    requests: list[SignRequest], template: RowTemplate, prepared: list[_Prepared], now: datetime
) -> list[Written | Refused]:
    from undersigned.signatures.services import resubmit

    signable = _signable({r.statement_id for r in requests})
    limit = settings.RATE_LIMIT_SIGNS
    since = now - timedelta(seconds=settings.RATE_LIMIT_WINDOW_SECONDS)
    rate = _rate_counts(requests, since) if limit else Counter()
    existing = _existing(requests)

    outcomes: list[Written | Refused | None] = [None] * len(requests)
    fresh: list[int] = []  # positions of the submissions that make a new signature
    claimed: dict[tuple[int, str], int] = {}  # email -> position of its new signature
    for position, request in enumerate(requests):
        key = (request.statement_id, request.email_normalized)
        if request.statement_id not in signable:
            outcomes[position] = Refused("closed")
            continue
        if key in existing or key in claimed:
            continue  # answered below, after the new rows exist
        rate_key = (request.statement_id, request.ip_hash)
        if limit and request.ip_hash and rate[rate_key] >= limit:
            outcomes[position] = Refused("rate_limited")
            continue
        rate[rate_key] += 1
        claimed[key] = position
        fresh.append(position)

    ids = template.insert([prepared[position].row for position in fresh])
    enqueue_many(
        send_signature_mail,
        [(pk, MAIL_VERIFY, prepared[p].token) for p, pk in zip(fresh, ids, strict=True)],
        now=now,
    )
    audit = _audit_template().at(now)
    audit.insert(
        [
            audit.row(str(pk), {"statement": requests[p].statement_id, "kind": requests[p].kind})
            for p, pk in zip(fresh, ids, strict=True)
        ]
    )
    for position, pk in zip(fresh, ids, strict=True):
        outcomes[position] = Written(signature_id=pk, created=True, mailed=True)
        existing[(requests[position].statement_id, requests[position].email_normalized)] = pk

    # Submissions with an email that has signed already (before, or earlier in this batch).
    again = [p for p, outcome in enumerate(outcomes) if outcome is None]
    if again:
        keys = [(requests[p].statement_id, requests[p].email_normalized) for p in again]
        rows = Signature.objects.select_for_update().in_bulk([existing[key] for key in keys])
        for position, key in zip(again, keys, strict=True):
            signature = rows[existing[key]]
            mailed = resubmit(signature, now)
            outcomes[position] = Written(
                signature_id=signature.pk, created=False, mailed=mailed, loaded=signature
            )
    return outcomes  # type: ignore[return-value]


def write_batch(requests: list[SignRequest]) -> list[Written | Refused]:
    """Write submissions in one transaction (a savepoint, inside a caller's). A clash with
    a row another process inserted meanwhile (PostgreSQL) is retried one at a time."""
    now = timezone.now()
    template, prepared = _prepare(requests, now)
    try:
        with transaction.atomic():
            return _write(requests, template, prepared, now)
    except IntegrityError:
        if len(requests) == 1:
            # The other row is committed now, so this attempt finds it and resubmits.
            with transaction.atomic():
                return _write(requests, template, prepared, now)
        return [outcome for request in requests for outcome in write_batch([request])]


class _Ticket:
    __slots__ = ("request", "done", "outcome", "error")

    def __init__(self, request: SignRequest) -> None:
        self.request = request
        self.done = threading.Event()
        self.outcome: Written | Refused | None = None
        self.error: BaseException | None = None


class WriterUnavailable(OperationalError):
    """The batch did not commit in time: nothing may be acknowledged."""


class GroupCommitWriter:
    def __init__(self, *, max_batch: int, wait_seconds: float) -> None:
        self.max_batch = max_batch
        self.wait_seconds = wait_seconds
        self._queue: queue.SimpleQueue[_Ticket | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def submit(self, request: SignRequest) -> Written | Refused:
        ticket = _Ticket(request)
        self._ensure_running()
        self._queue.put(ticket)
        if not ticket.done.wait(self.wait_seconds):
            raise WriterUnavailable("the signature batch did not commit in time")
        if ticket.error is not None:
            raise ticket.error
        assert ticket.outcome is not None
        return ticket.outcome

    def _ensure_running(self) -> None:
        # A forked child inherits the object but not the thread: start one per process.
        if self._thread is not None and self._pid == os.getpid() and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is None or self._pid != os.getpid() or not self._thread.is_alive():
                self._queue = queue.SimpleQueue()
                self._pid = os.getpid()
                self._thread = threading.Thread(
                    target=self._run, name="signature-writer", daemon=True
                )
                self._thread.start()

    def stop(self, timeout: float = 10) -> None:
        """Finish what is queued, then end the thread and close its connection."""
        thread = self._thread
        if thread is not None and thread.is_alive() and self._pid == os.getpid():
            self._queue.put(None)
            thread.join(timeout)

    def _take_batch(self) -> tuple[list[_Ticket], bool]:
        first = self._queue.get()
        if first is None:
            return [], True
        batch = [first]
        while len(batch) < self.max_batch:
            try:
                ticket = self._queue.get_nowait()
            except queue.Empty:
                break
            if ticket is None:
                return batch, True
            batch.append(ticket)
        return batch, False

    def _run(self) -> None:
        stopping = False
        while not stopping:
            batch, stopping = self._take_batch()
            if batch:
                self._commit(batch)
        connection.close()

    def _commit(self, batch: list[_Ticket]) -> None:
        try:
            outcomes = write_batch([ticket.request for ticket in batch])
        except BaseException as exc:  # nothing in this batch committed
            logger.warning("signature batch of %d failed: %r", len(batch), exc)
            for ticket in batch:
                ticket.error = exc
                ticket.done.set()
            connection.close()  # start the next batch on a fresh connection
            return
        for ticket, outcome in zip(batch, outcomes, strict=True):
            ticket.outcome = outcome
            ticket.done.set()


_writer: GroupCommitWriter | None = None
_writer_lock = threading.Lock()


_client = None


def writer_client():
    """The connection to the machine's writer process (writer_process.WriterClient) when
    the server runs one (`undersigned serve` does) and group commit is on, else None.
    Signatures and conference votes both go through it."""
    global _client
    if not (settings.SIGNATURE_WRITER_SOCKET and settings.SIGNATURE_GROUP_COMMIT):
        return None
    if _client is None or _client.path != settings.SIGNATURE_WRITER_SOCKET:
        from undersigned.signatures.writer_process import WriterClient

        _client = WriterClient(settings.SIGNATURE_WRITER_SOCKET, timeout=30)
    return _client


def submit(request: SignRequest) -> Written | Refused:
    """Write one submission: through the machine's writer process when the server runs one
    (`undersigned serve` does), else through this process's writer thread, or inline when
    group commit is off."""
    if not settings.SIGNATURE_GROUP_COMMIT:
        with transaction.atomic():
            return write_batch([request])[0]
    global _writer
    client = writer_client()
    if client is not None:
        return client.submit(request)
    if _writer is None:
        with _writer_lock:
            if _writer is None:
                _writer = GroupCommitWriter(max_batch=settings.SIGNATURE_BATCH_MAX, wait_seconds=30)
    return _writer.submit(request)


def shutdown() -> None:
    """Stop this process's writer after it has written what is queued."""
    global _writer
    with _writer_lock:
        if _writer is not None:
            _writer.stop()
            _writer = None
