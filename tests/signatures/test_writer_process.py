"""The machine's writer process: server processes submit over a Unix socket and are answered
only after the batch holding their submission has committed."""

import socket
import struct
import threading
from pathlib import Path

import pytest
from django.db import OperationalError, connection, connections
from django_tasks_db.models import DBTaskResult

from tests.signatures.test_writer import _request, submit_at_once
from undersigned.signatures import writer, writer_process
from undersigned.signatures.models import Signature


@pytest.fixture
def writer_socket(tmp_path):
    """A writer serving on a socket in a thread of this process, as `undersigned writer`
    does in a process of its own."""
    path = writer_process.socket_path(tmp_path, 1)
    stop = threading.Event()

    def serve():
        try:
            writer_process.serve_forever(path=path, stop=stop, max_batch=64, grace_seconds=1)
        finally:
            connections.close_all()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    for _attempt in range(200):
        if path.exists():
            break
        stop.wait(0.01)
    yield path
    stop.set()
    thread.join(timeout=30)


@pytest.mark.django_db(transaction=True)
def test_submissions_over_the_socket_are_answered_after_their_commit(statement, writer_socket):
    client = writer_process.WriterClient(str(writer_socket), timeout=30)
    outcomes = submit_at_once(client.submit, statement, 30)
    assert len(outcomes) == 30 and all(outcome.created for outcome in outcomes)
    # Acknowledged means committed: this connection, not the writer's, sees every row.
    ids = {outcome.signature_id for outcome in outcomes}
    assert Signature.objects.filter(pk__in=ids).count() == 30
    assert DBTaskResult.objects.count() == 30


@pytest.mark.django_db(transaction=True)
def test_the_socket_answers_a_second_submission_with_the_first_signature(statement, writer_socket):
    client = writer_process.WriterClient(str(writer_socket), timeout=30)
    first = client.submit(_request(statement, "a@example.org"))
    again = client.submit(_request(statement, "a@example.org"))
    assert first.created and not again.created
    assert again.signature_id == first.signature_id
    assert again.signature.email == "a@example.org"


@pytest.mark.django_db(transaction=True)
def test_the_socket_passes_on_a_refusal(statement, writer_socket, settings):
    settings.RATE_LIMIT_SIGNS = 1
    client = writer_process.WriterClient(str(writer_socket), timeout=30)
    client.submit(_request(statement, "a@example.org", ip="same"))
    outcome = client.submit(_request(statement, "b@example.org", ip="same"))
    assert isinstance(outcome, writer.Refused) and outcome.code == "rate_limited"


@pytest.mark.django_db(transaction=True)
def test_a_failed_batch_is_not_acknowledged_over_the_socket(statement, writer_socket, monkeypatch):
    def broken(requests):
        raise OperationalError("database or disk is full")

    monkeypatch.setattr(writer_process, "write_batch", broken)
    client = writer_process.WriterClient(str(writer_socket), timeout=30)
    with pytest.raises(writer.WriterUnavailable):
        client.submit(_request(statement, "a@example.org"))
    assert Signature.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_no_writer_means_no_acknowledgement(statement, tmp_path):
    client = writer_process.WriterClient(str(tmp_path / "nobody.sock"), timeout=5)
    with pytest.raises(writer.WriterUnavailable):
        client.submit(_request(statement, "a@example.org"))


def test_a_writer_that_does_not_answer_in_time_acknowledges_nothing(statement, tmp_path):
    path = tmp_path / "silent.sock"
    silent = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    silent.bind(str(path))
    silent.listen(1)  # connections wait in its backlog; nothing is ever read or answered
    # Should the client wait forever, closing the listener ends the wait after a while, with
    # a reset connection rather than the client giving up.
    guard = threading.Timer(20, silent.close)
    guard.start()
    try:
        client = writer_process.WriterClient(str(path), timeout=0.3)
        with pytest.raises(writer.WriterUnavailable) as refused:
            client.submit(_request(statement, "a@example.org"))
    finally:
        guard.cancel()
        silent.close()
    assert "TimeoutError" in str(refused.value)  # the client gave up waiting


@pytest.mark.django_db(transaction=True)
def test_a_client_reconnects_after_the_writer_restarted(statement, tmp_path):
    path = writer_process.socket_path(tmp_path, 2)
    client = writer_process.WriterClient(str(path), timeout=30)
    for number in range(2):
        stop = threading.Event()
        thread = threading.Thread(
            target=writer_process.serve_forever,
            kwargs={"path": path, "stop": stop, "max_batch": 64, "grace_seconds": 0},
            daemon=True,
        )
        thread.start()
        for _attempt in range(200):
            if path.exists():
                break
            stop.wait(0.01)
        assert client.submit(_request(statement, f"p{number}@example.org")).created
        stop.set()
        thread.join(timeout=30)
    assert Signature.objects.count() == 2


def test_a_long_data_directory_gets_a_short_socket_path(tmp_path):
    deep = tmp_path / ("d" * 120)
    path = writer_process.socket_path(deep, 8000)
    assert len(str(path)) <= 100 and path.parent.is_dir()


def _fake_server(tmp_path, linger: float):
    """A writer whose batches are recorded instead of written."""
    server = writer_process._Server(writer_process.socket_path(tmp_path, 2), 64, linger)
    batches: list[int] = []

    def commit(pending, write, answer, what):
        batches.append(len(pending))
        for sock, _submission in pending:
            server._reply(sock, {"id": 1, "created": True, "mailed": True})

    server._commit = commit
    return server, batches


def _send_later(client, statement, email: str, delay: float) -> threading.Thread:
    thread = threading.Thread(
        target=lambda: (threading.Event().wait(delay), client.submit(_request(statement, email)))
    )
    thread.start()
    return thread


def test_under_load_the_writer_waits_for_submissions_on_their_way(tmp_path, statement):
    server, batches = _fake_server(tmp_path, linger=5.0)
    server.listen()
    path = str(server.path)

    def client():
        return writer_process.WriterClient(path, timeout=30)

    # Two submissions wait before the writer starts: its first batch holds both.
    first = [_send_later(client(), statement, f"{n}@example.org", 0) for n in range(2)]
    threading.Event().wait(1.0)
    stop = threading.Event()
    loop = threading.Thread(target=server.run, args=(stop, 0))
    loop.start()
    try:
        for thread in first:
            thread.join(timeout=30)
        # The last batch held two, so a submission 0.2 s behind another shares its batch.
        later = [
            _send_later(client(), statement, "c@example.org", 0),
            _send_later(client(), statement, "d@example.org", 0.2),
        ]
        for thread in later:
            thread.join(timeout=30)
    finally:
        stop.set()
        loop.join(timeout=30)
        server.close()
    assert batches == [2, 2]


def test_a_lone_submission_is_written_at_once(tmp_path, statement):
    server, batches = _fake_server(tmp_path, linger=30.0)
    server.listen()
    stop = threading.Event()
    loop = threading.Thread(target=server.run, args=(stop, 0))
    loop.start()
    try:
        client = writer_process.WriterClient(str(server.path), timeout=5)
        outcome = client.submit(_request(statement, "a@example.org"))
    finally:
        stop.set()
        loop.join(timeout=30)
        server.close()
    assert outcome.created and batches == [1]


def _log_frames(database: str) -> tuple[int, int]:
    """(frames in the write-ahead log, frames of it copied into the database), read from
    SQLite's WAL index (the -shm file) without checkpointing anything."""
    index = Path(f"{database}-shm").read_bytes()
    return struct.unpack_from("=I", index, 16)[0], struct.unpack_from("=I", index, 96)[0]


@pytest.mark.django_db(transaction=True)
def test_the_writer_process_copies_the_log_into_the_database_outside_its_commits(
    statement, writer_socket
):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's write-ahead log")
    client = writer_process.WriterClient(str(writer_socket), timeout=30)
    submit_at_once(client.submit, statement, 20)
    # Far fewer pages than SQLite's own threshold (1,000): only the checkpointer copies them.
    database = connection.settings_dict["NAME"]
    for _attempt in range(100):
        frames, copied = _log_frames(database)
        if frames and copied == frames:
            break
        threading.Event().wait(0.05)
    assert frames and copied == frames
