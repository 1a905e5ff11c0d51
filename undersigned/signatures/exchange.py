"""Export and import of signatures (the CLI's `signatures export` and `signatures import`)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TextIO

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from undersigned.core.audit import audit_record
from undersigned.core.text import (
    FORMULA_PREFIXES,
    clean_email,
    clean_line,
    normalize_email,
    search_key,
)
from undersigned.signatures.models import Signature
from undersigned.signatures.selectors import EXPORT_COLUMNS, export_rows
from undersigned.signatures.services import count_verified, lookalike_mark
from undersigned.statements.models import Statement


def _spreadsheet_safe(value: str) -> str:
    # Defence in depth: input rules refuse such names, but a cell never starts a formula.
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


# The columns people typed; the others hold codes, statuses and dates.
_TYPED = [EXPORT_COLUMNS.index(name) for name in ("name", "affiliation", "city", "email")]


def write_export(
    out: TextIO, *, statement: Statement, fmt: str = "csv", status: str | None = None
) -> int:
    """Stream the signatures to `out` as CSV or as one JSON array. Returns the row count."""
    rows = export_rows(statement=statement, status=status)
    count = 0
    if fmt == "csv":
        name, affiliation, city, email = _TYPED
        starts = frozenset(FORMULA_PREFIXES)  # one character each
        commas = len(EXPORT_COLUMNS) - 1
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(EXPORT_COLUMNS)
        write = out.write
        for row in rows:
            count += 1
            # Each typed cell's first character, looked up in a set: this runs for each of
            # a million rows, where a generator per row cost a fifth of the export.
            if (
                row[name][:1] in starts
                or row[affiliation][:1] in starts
                or row[city][:1] in starts
                or row[email][:1] in starts
            ):
                row = [  # noqa: PLW2901 - rare: only rows that would start a formula
                    _spreadsheet_safe(cell) if index in _TYPED else cell
                    for index, cell in enumerate(row)
                ]
            # The line csv.writer would write, joined directly when no cell needs quotes
            # (no comma, quote or line break in any): csv's own writer took 2.5-3.6 µs a
            # row, a third of an export, to find that out cell by cell.
            line = ",".join(row)
            if line.count(",") == commas and not ('"' in line or "\n" in line or "\r" in line):
                write(line)
                write("\n")
            else:
                writer.writerow(row)
        return count
    out.write("[")
    for row in rows:
        out.write(",\n" if count else "\n")
        out.write(json.dumps(dict(zip(EXPORT_COLUMNS, row, strict=True)), ensure_ascii=False))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


# --- Import ----------------------------------------------------------------------------------

_KINDS = {
    "person": Signature.Kind.PERSON,
    "individual": Signature.Kind.PERSON,
    "organization": Signature.Kind.ORGANIZATION,
    "organisation": Signature.Kind.ORGANIZATION,
}


_OUTCOMES = {
    "add": pgettext_lazy("signatory import", "add"),
    "skip": pgettext_lazy("signatory import", "skip"),
    "reject": pgettext_lazy("signatory import", "reject"),
}


@dataclass
class ImportLine:
    number: int
    outcome: str  # "add", "skip" or "reject"
    name: str
    reason: str = ""

    def describe(self) -> str:
        """The line, its outcome and the reason, in the active language (English in the CLI)."""
        values = {
            "number": self.number,
            "outcome": _OUTCOMES.get(self.outcome, self.outcome),
            "name": self.name,
        }
        if self.name:
            text = gettext("line %(number)d: %(outcome)s “%(name)s”") % values
        else:
            text = gettext("line %(number)d: %(outcome)s") % values
        if not self.reason:
            return text
        return gettext("%(line)s: %(reason)s") % {"line": text, "reason": self.reason}


@dataclass
class ImportReport:
    lines: list[ImportLine] = field(default_factory=list)

    def _count(self, outcome: str) -> int:
        return sum(1 for line in self.lines if line.outcome == outcome)

    @property
    def added(self) -> int:
        return self._count("add")

    @property
    def skipped(self) -> int:
        return self._count("skip")

    @property
    def rejected(self) -> int:
        return self._count("reject")


def _country_code(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValidationError(_("country is missing"))
    code = countries.alpha2(value) or countries.by_name(value)
    if not code:
        raise ValidationError(_("unknown country “%(value)s”"), params={"value": value})
    return code


def _parse_row(row: dict[str, str]) -> dict:
    get = {key.strip().lower(): (value or "") for key, value in row.items() if key}.get
    kind = _KINDS.get(get("kind", "person").strip().lower() or "person")
    if kind is None:
        raise ValidationError(
            _("kind must be person or organization, not “%(kind)s”"), params={"kind": get("kind")}
        )
    email = get("email", "").strip()
    show = get("show_name", "").strip().lower()
    return {
        "kind": kind,
        "name": clean_line(get("name", "")),
        "country": _country_code(get("country", "")),
        "affiliation": clean_line(get("affiliation", ""), required=False),
        "city": clean_line(get("city", ""), required=False),
        "email": clean_email(email) if email else "",
        "show_name": show not in {"0", "false", "no", "n"},
    }


def _duplicate_reason(statement: Statement, data: dict, seen: set[str]) -> str:
    if data["email"]:
        key = normalize_email(data["email"])
        if key in seen:
            return gettext("same email earlier in the file")
        if Signature.objects.filter(statement=statement, email_normalized=key).exists():
            return gettext("this email has already signed")
        seen.add(key)
        return ""
    key = f"{data['kind']}|{data['country']}|{data['name'].casefold()}"
    if key in seen:
        return gettext("same name and country earlier in the file")
    seen.add(key)
    if (
        Signature.objects.filter(
            statement=statement,
            kind=data["kind"],
            country=data["country"],
            name__iexact=data["name"],
        )
        .exclude(status=Signature.Status.WITHDRAWN)
        .exists()
    ):
        return gettext("same name and country already signed")
    return ""


def import_csv(
    handle: Iterable[str], *, statement: Statement, dry_run: bool = False, actor_label: str = "cli"
) -> ImportReport:
    """Import signatures received on paper or by email: counted at once, marked as imported.

    Columns: name, kind (person or organization), country (code or English name),
    affiliation, city, email (optional), show_name (optional, default yes). Every line
    is reported as added, skipped (a duplicate) or rejected (with the reason)."""
    report = ImportReport()
    reader = csv.DictReader(handle)
    if not reader.fieldnames or "name" not in [f.strip().lower() for f in reader.fieldnames]:
        report.lines.append(
            ImportLine(1, "reject", "", gettext("the header must name a “name” column"))
        )
        return report
    records: list[tuple[int, dict]] = []
    for row in reader:
        try:
            records.append((reader.line_num, _parse_row(row)))
        except ValidationError as exc:
            name = (row.get("name") or "").strip()[:60]
            report.lines.append(ImportLine(reader.line_num, "reject", name, " ".join(exc.messages)))
    return import_records(
        records, statement=statement, dry_run=dry_run, actor_label=actor_label, report=report
    )


def import_records(
    records: Iterable[tuple[int, dict]],
    *,
    statement: Statement,
    dry_run: bool = False,
    actor_label: str = "cli",
    actor: AbstractBaseUser | None = None,
    report: ImportReport | None = None,
) -> ImportReport:
    """Add signatures given as (line number, values) in one transaction: verified at once
    (a person vouches for them) and marked as imported, not verified by email. Values:
    kind, name, country, affiliation, city, email ("" for none) and show_name."""
    report = report if report is not None else ImportReport()
    seen: set[str] = set()
    with transaction.atomic():
        for number, data in records:
            reason = _duplicate_reason(statement, data, seen)
            if reason:
                report.lines.append(ImportLine(number, "skip", data["name"], reason))
                continue
            report.lines.append(ImportLine(number, "add", data["name"]))
            if dry_run:
                continue
            try:
                with transaction.atomic():
                    signature = Signature(
                        statement=statement,
                        search_key=search_key(data["name"]),
                        email_normalized=normalize_email(data["email"]) if data["email"] else None,
                        status=Signature.Status.VERIFIED,
                        source=Signature.Source.IMPORT,
                        verified_at=timezone.now(),
                        **data,
                    )
                    lookalike_mark(signature)
                    signature.save(force_insert=True)
            except IntegrityError:
                report.lines[-1] = ImportLine(
                    number, "skip", data["name"], gettext("this email has already signed")
                )
                continue
            count_verified(signature, +1)
            audit_record(
                action="signature.import",
                target=signature,
                actor=actor,
                actor_label=actor_label,
                data={"line": number},
            )
    report.lines.sort(key=lambda line: line.number)
    return report
