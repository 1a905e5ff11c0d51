"""The copy of a statement each server process keeps for the sign form."""

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from undersigned.statements import selectors
from undersigned.statements.models import Statement


def test_while_one_request_renews_the_copy_the_others_use_the_old_one(statement, monkeypatch):
    first = selectors.statement_get_for_signing(slug=statement.slug, user=AnonymousUser())
    later = selectors.time.monotonic() + 10 * selectors.SIGNING_CACHE_SECONDS
    monkeypatch.setattr(selectors.time, "monotonic", lambda: later)
    meanwhile = []
    query = Statement.objects.filter

    def filter_while_another_request_comes(**kwargs):
        with CaptureQueriesContext(connection) as queries:
            meanwhile.append(
                selectors.statement_get_for_signing(slug=statement.slug, user=AnonymousUser())
            )
        meanwhile.append(len(queries.captured_queries))
        return query(**kwargs)

    monkeypatch.setattr(Statement.objects, "filter", filter_while_another_request_comes)
    renewed = selectors.statement_get_for_signing(slug=statement.slug, user=AnonymousUser())
    assert meanwhile == [first, 0]
    assert meanwhile[0] is first
    assert renewed is not first
    assert renewed.pk == first.pk
