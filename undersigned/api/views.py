from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from undersigned.signatures.selectors import statement_counts
from undersigned.statements.selectors import statement_get_public, statement_reading


@require_GET
def statement_detail(request: HttpRequest, slug: str) -> JsonResponse:
    """Public data only: counts come from the counters, no name or email ever appears."""
    try:
        statement = statement_get_public(slug=slug)
    except Http404:
        return JsonResponse({"error": "not found"}, status=404)
    counts = statement_counts(statement=statement)
    # The original's reading, cached per version revision: its titles and languages.
    reading = statement_reading(statement=statement, user=AnonymousUser())
    version = reading.version
    return JsonResponse(
        {
            "slug": statement.slug,
            "title": version.title if version else statement.title,
            "language": statement.language,
            # Title per language; `languages` lists the approved translations of the
            # published version, each readable at the page's address with ?lang=<code>.
            "titles": reading.titles,
            "languages": reading.languages[1:],
            "version": version.number if version else None,
            "status": statement.status,
            "signatures": {
                "verified": counts.verified,
                "organizations": counts.organizations,
                "by_country": counts.as_mapping(),
            },
        },
        json_dumps_params={"ensure_ascii": False},
    )
