from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from undersigned.signatures.selectors import statement_counts
from undersigned.statements.selectors import (
    statement_get_public,
    statement_titles,
    version_languages,
    version_shown,
)


@require_GET
def statement_detail(request: HttpRequest, slug: str) -> JsonResponse:
    """Public data only: counts come from the counters, no name or email ever appears."""
    try:
        statement = statement_get_public(slug=slug)
    except Http404:
        return JsonResponse({"error": "not found"}, status=404)
    counts = statement_counts(statement=statement)
    version = version_shown(statement=statement, user=request.user)
    return JsonResponse(
        {
            "slug": statement.slug,
            "title": version.title if version else statement.title,
            "language": statement.language,
            # Title per language; `languages` lists the approved translations of the
            # published version, each readable at the page's address with ?lang=<code>.
            "titles": statement_titles(statement=statement, version=version),
            "languages": version_languages(version=version) if version else [],
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
