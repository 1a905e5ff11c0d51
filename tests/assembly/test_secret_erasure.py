"""A closed secret ballot leaves no vote on disk, on SQLite: neither in the database
file's free space nor in the write-ahead log.

The test looks for the exact bytes SQLite writes for each vote row (the record: its
header of column types, then the choice, the time, the ballot and the delegate). It
first finds them in the files while the ballot is open, so that the search is known to
work, then closes the ballot and finds none. (Without secure_delete during the close,
or without the checkpoint after it, copies of the votes are found and the test fails.)"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from undersigned.assembly import services
from undersigned.assembly.models import Vote


def _varint(value: int) -> bytes:
    """SQLite's big-endian variable-length integer (values below 2**56)."""
    groups = [value & 0x7F]
    value >>= 7
    while value:
        groups.append((value & 0x7F) | 0x80)
        value >>= 7
    return bytes(reversed(groups))


def _column(value) -> tuple[int, bytes]:
    """The serial type and the bytes of one value in a record."""
    if value is None:
        return 0, b""
    if isinstance(value, str):
        data = value.encode()
        return 13 + 2 * len(data), data
    if value in (0, 1):
        return 8 + value, b""
    for serial, size in ((1, 1), (2, 2), (3, 3), (4, 4), (5, 6), (6, 8)):
        if -(1 << (8 * size - 1)) <= value < (1 << (8 * size - 1)):
            return serial, value.to_bytes(size, "big", signed=True)
    raise ValueError(value)


def _record(row: dict) -> bytes:
    """The record SQLite stores for a row of assembly_vote (the integer primary key is
    the rowid, stored as NULL in the record)."""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA table_info(assembly_vote)")
        columns = [(name, primary) for _cid, name, _type, _nn, _default, primary in cursor]
    types, body = [], b""
    for name, primary in columns:
        serial, data = _column(None if primary else row[name])
        types.append(_varint(serial))
        body += data
    header = b"".join(types)
    size = len(header) + 1  # the header's own length fits one byte here
    return _varint(size) + header + body


def _files() -> bytes:
    path = Path(connection.settings_dict["NAME"])
    return b"".join(
        candidate.read_bytes()
        for candidate in (path, path.with_name(path.name + "-wal"))
        if candidate.exists()
    )


@pytest.fixture
def insecure_connection(transactional_db):
    """SQLite as built without secure_delete (Debian builds it on): the close must turn
    it on by itself."""
    if connection.vendor != "sqlite" or connection.is_in_memory_db():
        pytest.skip("the files of an SQLite database are searched")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA secure_delete")
        previous = cursor.fetchone()[0]
        cursor.execute("PRAGMA secure_delete=OFF")
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA secure_delete={int(previous)}")


def test_a_closed_secret_ballot_leaves_no_vote_in_the_sqlite_files(
    insecure_connection, monkeypatch
):
    conference = services.conference_create(
        title="Secret", slug="secret", starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 1)
    )
    union = services.participant_add(conference=conference, name="Union", country="TR")
    chair = services.delegate_add(
        conference=conference, email="chair@example.org", name="Chair", role="chair"
    )
    delegates = [
        services.delegate_add(
            conference=conference,
            email=f"d{n}@example.org",
            name=f"D{n}",
            participant=union,
            weight=5,
        )
        for n in range(40)
    ]
    ballot = services.ballot_create(conference=conference, by=chair, title="S", secret=True)
    services.ballot_open(ballot=ballot, by=chair)
    start = datetime(2026, 12, 1, 9, 15, 7, 123457, tzinfo=UTC)
    patterns = []
    for index, delegate in enumerate(reversed(delegates)):  # not in the order of their ids
        moment = start + timedelta(seconds=index, microseconds=index)
        choice = {"yes": index % 6, "no": 5 - index % 6, "abstain": 0}
        with monkeypatch.context() as clock:
            clock.setattr(timezone, "now", lambda moment=moment: moment)
            services.vote_cast(ballot=ballot, delegate=delegate, **choice)
        row = {
            **choice,
            "cast_at": connection.ops.adapt_datetimefield_value(moment),
            "ballot_id": ballot.pk,
            "delegate_id": delegate.pk,
        }
        patterns.append((_record(row), row["cast_at"].encode()))

    before = _files()
    assert all(record in before for record, _time in patterns), "the search finds no vote"

    services.ballot_close(ballot=ballot, by=chair)

    after = _files()
    assert [record for record, _time in patterns if record in after] == []
    assert [time for _record_, time in patterns if time in after] == []
    assert Vote.objects.filter(ballot=ballot).count() == len(delegates)


def test_a_reader_holding_the_log_does_not_stop_a_secret_ballot_from_closing(
    insecure_connection, caplog
):
    import sqlite3

    conference = services.conference_create(
        title="Secret", slug="secret", starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 1)
    )
    union = services.participant_add(conference=conference, name="Union", country="TR")
    chair = services.delegate_add(
        conference=conference, email="chair@example.org", name="Chair", role="chair"
    )
    delegate = services.delegate_add(
        conference=conference, email="d@example.org", name="D", participant=union
    )
    ballot = services.ballot_create(conference=conference, by=chair, title="S", secret=True)
    services.ballot_open(ballot=ballot, by=chair)
    services.vote_cast(ballot=ballot, delegate=delegate, yes=1, no=0, abstain=0)
    reader = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM assembly_vote").fetchone()  # an older snapshot
        ballot = services.ballot_close(ballot=ballot, by=chair)
    finally:
        reader.close()
    assert ballot.adopted is True
    assert "could not be emptied" in caplog.text
