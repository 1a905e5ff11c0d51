"""Export of a statement's signatures (`undersigned signatures export`)."""

import csv
import io
import json
from datetime import UTC, datetime

import pytest

from undersigned.cli import main
from undersigned.signatures import exchange
from undersigned.signatures.exchange import write_export
from undersigned.signatures.models import Signature
from undersigned.signatures.selectors import EXPORT_COLUMNS


def _signature(statement, number: int, **values) -> Signature:
    fields = {
        "statement": statement,
        "kind": Signature.Kind.PERSON,
        "name": f"Signer {number}",
        "email": f"s{number}@example.org",
        "email_normalized": f"s{number}@example.org",
        "country": "AM",
        "status": Signature.Status.VERIFIED,
        "verified_at": datetime(2026, 3, 1, 13, 30, tzinfo=UTC),
        **values,
    }
    signature = Signature.objects.create(**fields)
    # `created` is set on insert; give it a fixed time with a fraction of a second.
    Signature.objects.filter(pk=signature.pk).update(
        created=datetime(2026, 3, 1, 12, 0, number, 500000, tzinfo=UTC)
    )
    signature.refresh_from_db()
    return signature


def _csv(statement, **options) -> list[dict[str, str]]:
    out = io.StringIO()
    write_export(out, statement=statement, **options)
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def test_csv_export_has_a_row_per_signature_in_the_documented_columns(statement):
    first = _signature(statement, 1)
    _signature(statement, 2, kind=Signature.Kind.ORGANIZATION, country="GR", city="Athens")
    rows = _csv(statement)
    assert list(rows[0]) == EXPORT_COLUMNS
    assert [row["name"] for row in rows] == ["Signer 1", "Signer 2"]
    assert rows[1]["kind"] == "organization" and rows[1]["country"] == "GR"
    assert rows[1]["city"] == "Athens" and rows[0]["email"] == first.email


def test_export_times_are_iso_8601_in_utc_as_python_writes_them(statement):
    signature = _signature(statement, 3)
    pending = _signature(statement, 4, status=Signature.Status.PENDING, verified_at=None)
    first, second = _csv(statement)
    assert first["created"] == signature.created.isoformat() == "2026-03-01T12:00:03.500000+00:00"
    assert first["verified_at"] == "2026-03-01T13:30:00+00:00"
    assert second["created"] == pending.created.isoformat() and second["verified_at"] == ""


def test_export_filters_by_status(statement):
    _signature(statement, 1)
    _signature(statement, 2, status=Signature.Status.PENDING, verified_at=None)
    rows = _csv(statement, status=Signature.Status.PENDING)
    assert [row["name"] for row in rows] == ["Signer 2"]


def test_a_typed_cell_never_starts_a_spreadsheet_formula(statement):
    _signature(statement, 1, name="=HYPERLINK(1)", affiliation="@group")
    (row,) = _csv(statement)
    assert row["name"] == "'=HYPERLINK(1)" and row["affiliation"] == "'@group"
    assert row["kind"] == "person"


def test_export_reads_every_chunk(statement, monkeypatch):
    from undersigned.signatures import selectors

    for number in range(7):
        _signature(statement, number)
    rows = list(selectors.export_rows(statement=statement, chunk=3))
    assert [row[0] for row in rows] == [f"Signer {number}" for number in range(7)]


def test_json_export_is_one_array_of_objects(statement):
    _signature(statement, 1)
    out = io.StringIO()
    assert write_export(out, statement=statement, fmt="json") == 1
    (record,) = json.loads(out.getvalue())
    assert record["name"] == "Signer 1" and record["created"].endswith("+00:00")


def test_json_export_keeps_typed_text_as_it_was_typed(statement):
    _signature(statement, 1, name="-Ana-", affiliation="@group")
    out = io.StringIO()
    write_export(out, statement=statement, fmt="json")
    (record,) = json.loads(out.getvalue())
    assert record["name"] == "-Ana-" and record["affiliation"] == "@group"


@pytest.mark.django_db
def test_the_cli_writes_the_export_to_a_file(statement, tmp_path, capsys):
    _signature(statement, 1)
    target = tmp_path / "out.csv"
    assert main(["signatures", "export", statement.slug, "-o", str(target)]) == 0
    assert "Signer 1" in target.read_text()


@pytest.mark.parametrize(
    "cell",
    [
        "plain",
        "",
        "a, b",
        'the "River" Network',
        "two\nlines",
        "carriage\rreturn",
        "end\r\n",
        " leading space",
        "Սևան, Հայաստան",
        "=1+1",
    ],
)
def test_a_csv_line_is_the_one_pythons_csv_writer_writes(statement, monkeypatch, cell):
    rows = [
        (cell, "person", "AM", cell, cell, "a@example.org", "verified", "web", "", ""),
        ("Name", "person", "AM", "", "", "b@example.org", "verified", "web", "", ""),
    ]
    monkeypatch.setattr(exchange, "export_rows", lambda **kwargs: iter(rows))
    out = io.StringIO()
    assert write_export(out, statement=statement) == 2
    expected = io.StringIO()
    writer = csv.writer(expected, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    safe = [
        exchange._spreadsheet_safe(value) if index in exchange._TYPED else value
        for index, value in enumerate(rows[0])
    ]
    writer.writerows([safe, rows[1]])
    assert out.getvalue() == expected.getvalue()
