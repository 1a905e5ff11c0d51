"""The counters behind every public count, and `undersigned recount`, which makes them exact."""

from django.db.models import Count, Q

from undersigned.cli import main
from undersigned.signatures.models import Signature, SignatureCounter
from undersigned.signatures.selectors import statement_counts


def _add(statement, n: int, **values) -> None:
    fields = {"kind": "person", "country": "FR", "status": "verified", "show_name": True}
    fields.update(values)
    Signature.objects.bulk_create(
        Signature(statement=statement, name=f"S{n}-{i}", source="import", **fields)
        for i in range(n)
    )


def _exact(statement) -> dict[tuple[str, str], tuple[int, int]]:
    """What COUNT(*) says, per country and kind: (verified, listed)."""
    rows = (
        Signature.objects.filter(statement=statement, status="verified")
        .values("country", "kind")
        .annotate(verified=Count("pk"), listed=Count("pk", filter=Q(show_name=True)))
        .order_by()
    )
    return {(r["country"], r["kind"]): (r["verified"], r["listed"]) for r in rows}


def _counters(statement) -> dict[tuple[str, str], tuple[int, int]]:
    return {
        (c.country, c.kind): (c.verified, c.listed)
        for c in SignatureCounter.objects.filter(statement=statement)
        if c.verified
    }


def test_recount_makes_drifted_counters_equal_to_count_star(statement):
    _add(statement, 7, country="FR")
    _add(statement, 3, country="AM", kind="organization")
    _add(statement, 2, country="IR", show_name=False)
    _add(statement, 4, country="FR", status="pending")
    SignatureCounter.objects.create(statement=statement, country="FR", kind="person", verified=99)

    assert main(["recount", statement.slug]) == 0

    assert _counters(statement) == _exact(statement)
    assert _exact(statement) == {
        ("FR", "person"): (7, 7),
        ("AM", "organization"): (3, 3),
        ("IR", "person"): (2, 0),
    }


def test_public_counts_read_the_counters(statement):
    _add(statement, 5, country="GR")
    main(["recount"])
    counts = statement_counts(statement=statement)
    assert (counts.verified, counts.people, counts.organizations) == (5, 5, 0)
    assert counts.as_mapping() == {"GR": 5}
