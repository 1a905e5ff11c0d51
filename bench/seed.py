"""Bulk-load verified signatures straight into the database (not through HTTP).

Run by the harness as `python -m bench.seed N` with the server's environment."""

from __future__ import annotations

import os
import sys
import time


def seed(count: int, slug: str = "keep-our-rivers-free") -> float:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "undersigned.settings")
    import django

    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from undersigned.core.text import confusable_skeleton, search_key
    from undersigned.signatures.services import counters_recount
    from undersigned.statements.models import Statement

    statement = Statement.objects.get(slug=slug)
    countries = [
        "AM",
        "AR",
        "BR",
        "CL",
        "DE",
        "EG",
        "ES",
        "FR",
        "GB",
        "GR",
        "IN",
        "IR",
        "IT",
        "KZ",
        "LB",
        "MA",
        "MX",
        "NG",
        "PL",
        "PT",
        "RU",
        "SE",
        "TN",
        "TR",
        "UA",
        "US",
        "ZA",
    ]
    # Stored as Django stores it (a raw cursor would write the aware datetime with its
    # "+00:00", a form Django never writes on SQLite).
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    started = time.perf_counter()
    sql = (
        "INSERT INTO signatures_signature (statement_id, kind, name, email, email_normalized,"
        " country, affiliation, city, show_name, status, source, language, ip_hash,"
        " mails_sent, created, verified_at, search_key, skeleton) VALUES"
        " (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    )
    batch = 20_000
    for start in range(0, count, batch):
        rows = []
        for n in range(start, min(count, start + batch)):
            kind = "organization" if n % 20 == 0 else "person"
            email = f"seed{n}@example.org"
            name = f"Signer {n:07d}"
            rows.append(
                (
                    statement.pk,
                    kind,
                    name,
                    email,
                    email,
                    countries[n % len(countries)],
                    "",
                    "",
                    n % 10 != 0,
                    "verified",
                    "import",
                    "en",
                    "",
                    0,
                    now,
                    now,
                    search_key(name),
                    confusable_skeleton(name),
                )
            )
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, rows)
    counters_recount(statement=statement, actor_label="bench")
    return time.perf_counter() - started


if __name__ == "__main__":
    total = int(sys.argv[1])
    seconds = seed(total)
    print(f"seeded {total} signatures in {seconds:.1f} s", file=sys.stderr)
