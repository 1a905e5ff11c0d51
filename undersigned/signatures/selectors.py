"""Reads of signatures. Nothing here counts or offsets over the signatures table."""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from typing import NamedTuple

from django.db import connection

from undersigned.core.countries import country_name
from undersigned.signatures.models import Signature, SignatureCounter
from undersigned.statements.models import Statement


@dataclass(frozen=True)
class CountryCount:
    code: str
    name: str
    verified: int
    organizations: int
    people: int
    unlisted: int


@dataclass(frozen=True)
class StatementCounts:
    verified: int = 0
    organizations: int = 0
    people: int = 0
    by_country: list[CountryCount] = field(default_factory=list)

    def as_mapping(self) -> dict[str, int]:
        return {row.code: row.verified for row in self.by_country}

    @property
    def fingerprint(self) -> str:
        """Changes whenever a count by country does: the statement page keeps its table
        of counts, rendered, under this (a fifth of the page's rendering otherwise)."""
        numbers = ",".join(f"{r.code}:{r.organizations}:{r.people}" for r in self.by_country)
        return hashlib.blake2b(numbers.encode(), digest_size=16).hexdigest()


@functools.cache
def _counters_sql() -> str:
    """The counters of one statement, by country and kind: written once (see
    _listed_sql), as the ORM would write it."""
    quote = connection.ops.quote_name
    meta = SignatureCounter._meta
    columns = ", ".join(
        quote(meta.get_field(name).column) for name in ("country", "kind", "verified", "listed")
    )
    statement = quote(meta.get_field("statement").column)
    return f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {statement} = %s"  # noqa: S608


def statement_counts(*, statement: Statement) -> StatementCounts:
    """Counts of verified signatures, from the counters (a few rows per country)."""
    grouped: dict[str, dict[str, int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(_counters_sql(), [statement.pk])
        counters = cursor.fetchall()
    for country, kind, verified, listed in counters:
        bucket = grouped.setdefault(country, {"organization": 0, "person": 0, "listed": 0})
        bucket[kind] += verified
        bucket["listed"] += listed
    rows = [
        CountryCount(
            code=code,
            name=country_name(code),
            verified=bucket["organization"] + bucket["person"],
            organizations=bucket["organization"],
            people=bucket["person"],
            unlisted=bucket["organization"] + bucket["person"] - bucket["listed"],
        )
        for code, bucket in grouped.items()
        if bucket["organization"] + bucket["person"] > 0
    ]
    rows.sort(key=lambda row: (-row.verified, row.name))
    return StatementCounts(
        verified=sum(row.verified for row in rows),
        organizations=sum(row.organizations for row in rows),
        people=sum(row.people for row in rows),
        by_country=rows,
    )


# --- The public list, keyset-paginated over (kind, country, id) -------------------------------

_CURSOR = re.compile(r"^(organization|person)\.([A-Z]{2})\.(\d{1,19})$")


@dataclass(frozen=True)
class Cursor:
    kind: str
    country: str
    pk: int

    def encode(self) -> str:
        return f"{self.kind}.{self.country}.{self.pk}"

    @classmethod
    def decode(cls, value: str | None) -> Cursor | None:
        match = _CURSOR.match(value or "")
        if not match:
            return None
        return cls(kind=match.group(1), country=match.group(2), pk=int(match.group(3)))

    @classmethod
    def of(cls, signature: Signature) -> Cursor:
        return cls(kind=signature.kind, country=str(signature.country), pk=signature.pk)


class Listed(NamedTuple):
    """A signatory as the public list shows them (no model instance: a page reads 100)."""

    pk: int
    kind: str
    name: str
    country: str
    affiliation: str
    city: str


@dataclass(frozen=True)
class SignatoryGroup:
    kind: str
    country: str
    country_name: str
    signatures: list[Signature]


@dataclass(frozen=True)
class SignatoryPage:
    groups: list[SignatoryGroup]
    next_cursor: str | None
    previous_cursor: str | None
    is_first: bool

    def html(self) -> str:
        """The groups as HTML, built here rather than in the template (a hundred names
        cost the template engine several milliseconds). Every name is escaped and runs in
        its own direction."""
        from django.utils.safestring import mark_safe
        from django.utils.translation import gettext

        parts: list[str] = []
        kind = None
        for group in self.groups:
            if group.kind != kind:
                kind = group.kind
                organizations = kind == "organization"
                label = gettext("Organizations") if organizations else gettext("Individuals")
                parts.append(f"<h3>{escape(label)}</h3>")
            parts.append(
                f'<h4 class="country">{escape(group.country_name)}</h4>\n<ul class="names">'
            )
            for signature in group.signatures:
                item = f'<li><span dir="auto" class="name">{escape(signature.name)}</span>'
                if signature.affiliation:
                    item += f' – <span dir="auto">{escape(signature.affiliation)}</span>'
                if signature.city:
                    item += f', <span dir="auto">{escape(signature.city)}</span>'
                parts.append(item + "</li>")
            parts.append("</ul>")
        return mark_safe("\n".join(parts))  # noqa: S308 - every value escaped above


_COLUMNS = ("pk", "kind", "name", "country", "affiliation", "city")


@functools.cache
def _listed_sql(bounds: tuple[tuple[str, str], ...], forward: bool) -> str:
    """The SELECT of listed signatories (verified, name shown) of one statement within
    `bounds` ((field, operator) pairs, each compared with a parameter), in list order or
    its reverse, LIMIT a parameter. It is the SQL Django builds for the same filter,
    written once: a statement page read thousands of times a second compiled it each time,
    which cost more than the index seek. Its WHERE implies the partial index's
    (signature_public_list), so SQLite and PostgreSQL seek that index."""
    quote = connection.ops.quote_name
    meta = Signature._meta

    def column(name: str) -> str:
        return quote(meta.get_field(name).column)

    where = [
        column("show_name"),
        f"{column('statement')} = %s",
        f"{column('status')} = %s",
        *(f"{column(name)} {operator} %s" for name, operator in bounds),
    ]
    direction = "ASC" if forward else "DESC"
    order = ", ".join(f"{column(name)} {direction}" for name in ("kind", "country", "id"))
    selected = ", ".join(column(name) for name in ("id", *_COLUMNS[1:]))
    return (
        f"SELECT {selected} FROM {quote(meta.db_table)}"  # noqa: S608 - names only
        f" WHERE {' AND '.join(where)} ORDER BY {order} LIMIT %s"
    )


def _listed(
    statement_id: int, bounds: dict[tuple[str, str], object], count: int, *, forward: bool
) -> list[Listed]:
    sql = _listed_sql(tuple(bounds), forward)
    with connection.cursor() as cursor:
        cursor.execute(sql, [statement_id, Signature.Status.VERIFIED, *bounds.values(), count])
        return [Listed(*row) for row in cursor.fetchall()]


def _seek(statement_id: int, cursor: Cursor, count: int, *, forward: bool) -> list[Listed]:
    """`count` rows of the list after the cursor (before it, nearest first, when not
    `forward`), in at most three seeks into the partial index (statement, kind, country,
    id): the rest of the cursor's (kind, country) group, the later countries of its kind,
    then the later kinds. Each is an equality prefix and one range, which SQLite and
    PostgreSQL both seek exactly.

    A row value, `(kind, country, id) > (…)`, asks for the same rows, but SQLite seeks it on
    (kind, country) only and then walks the cursor's whole group: 11 ms a page deep in a
    group of 18,000 at 1M signatures. An OR of comparisons (what Django's tuple lookups
    give on SQLite) walks the index from its start."""
    beyond = ">" if forward else "<"
    ranges = [
        {("kind", "="): cursor.kind, ("country", "="): cursor.country, ("id", beyond): cursor.pk},
        {("kind", "="): cursor.kind, ("country", beyond): cursor.country},
        {("kind", beyond): cursor.kind},
    ]
    rows: list[Listed] = []
    for bounds in ranges:
        rows += _listed(statement_id, bounds, count - len(rows), forward=forward)
        if len(rows) >= count:
            break
    return rows


def signatory_page(
    *,
    statement: Statement,
    after: str | None = None,
    before: str | None = None,
    size: int = 100,
) -> SignatoryPage:
    """One page of the public list: organizations first, then people, grouped by country.

    `after` and `before` are cursors from an earlier page; a malformed cursor is treated
    as no cursor. Reads at most size + 1 rows through the partial index."""
    after_cursor, before_cursor = Cursor.decode(after), Cursor.decode(before)
    if before_cursor and not after_cursor:
        rows = _seek(statement.pk, before_cursor, size + 1, forward=False)
        has_more_before = len(rows) > size
        rows = list(reversed(rows[:size]))
        has_more_after = True
    else:
        if after_cursor:
            rows = _seek(statement.pk, after_cursor, size + 1, forward=True)
        else:
            rows = _listed(statement.pk, {}, size + 1, forward=True)
        has_more_after = len(rows) > size
        rows = rows[:size]
        has_more_before = after_cursor is not None
    groups: list[SignatoryGroup] = []
    for signature in rows:
        code = str(signature.country)
        if not groups or groups[-1].kind != signature.kind or groups[-1].country != code:
            groups.append(
                SignatoryGroup(
                    kind=signature.kind,
                    country=code,
                    country_name=country_name(code),
                    signatures=[],
                )
            )
        groups[-1].signatures.append(signature)
    return SignatoryPage(
        groups=groups,
        next_cursor=Cursor.of(rows[-1]).encode() if rows and has_more_after else None,
        previous_cursor=Cursor.of(rows[0]).encode() if rows and has_more_before else None,
        is_first=not has_more_before,
    )


# --- Export ----------------------------------------------------------------------------------

EXPORT_COLUMNS = [
    "name",
    "kind",
    "country",
    "affiliation",
    "city",
    "email",
    "status",
    "source",
    "created",
    "verified_at",
]


# A UTC timestamp as the databases write it as text: "2026-03-01 12:00:00.5" (SQLite, as
# Django stores it), with "+00" (PostgreSQL in UTC) or "+00:00".
_UTC_TEXT = re.compile(r"(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?(?:Z|\+00(?::?00)?)?")


def _iso_utc(text: str | None) -> str:
    """The timestamp `text` in the form `datetime.isoformat()` gives it. Parsing a million
    timestamps into datetimes only to print them again was a third of an export."""
    if not text:
        return ""
    # What Django writes on SQLite ("2026-11-30 12:34:56.123456", or without a fraction
    # when it is zero) maps to isoformat() by moving two characters: no regex for it.
    if text[10:11] == " " and (len(text) == 19 or (len(text) == 26 and text[19] == ".")):
        return f"{text[:10]}T{text[11:]}+00:00"
    match = _UTC_TEXT.fullmatch(text)
    if match is None:  # any other form: the general way
        return datetime.fromisoformat(text).astimezone(UTC).isoformat()
    day, time, fraction = match.groups()
    if fraction:
        return f"{day}T{time}.{fraction.ljust(6, '0')}+00:00"
    return f"{day}T{time}+00:00"


def export_rows(
    *, statement: Statement, status: str | None = None, chunk: int = 10_000
) -> Iterator[tuple[str, ...]]:
    """Every signature of a statement as a tuple of strings in EXPORT_COLUMNS order, read
    in id order, chunk by chunk (keyset, never OFFSET), so memory stays flat however many
    there are. Rows are read with plain SQL: the ORM's per-row work made an export three
    times slower than the database could deliver it."""
    quote = connection.ops.quote_name
    meta = Signature._meta
    columns = [
        f"CAST({quote(meta.get_field(name).column)} AS TEXT)"
        if name in {"created", "verified_at"}
        else quote(meta.get_field(name).column)
        for name in EXPORT_COLUMNS
    ]
    where = f"{quote('statement_id')} = %s AND {quote('id')} > %s"
    if status:
        where += f" AND {quote('status')} = %s"
    sql = (
        f"SELECT {quote('id')}, {', '.join(columns)} FROM {quote(meta.db_table)}"  # noqa: S608 - names only
        f" WHERE {where} ORDER BY {quote('id')} LIMIT %s"
    )
    last = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(sql, [statement.pk, last, *([status] if status else []), chunk])
            batch = cursor.fetchall()
        if not batch:
            return
        for (
            _pk,
            name,
            kind,
            country,
            affiliation,
            city,
            email,
            status_,
            source,
            created,
            verified,
        ) in batch:
            yield (
                name,
                kind,
                country or "",
                affiliation,
                city,
                email,
                status_,
                source,
                _iso_utc(created),
                _iso_utc(verified),
            )
        last = batch[-1][0]
