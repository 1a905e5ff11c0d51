from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from undersigned.signatures.selectors import statement_counts
from undersigned.statements.selectors import statement_get_public


@require_GET
def statement_detail(request: HttpRequest, slug: str) -> JsonResponse:
    """Public data only: counts come from the counters, no name or email ever appears."""
    try:
        statement = statement_get_public(slug=slug)
    except Http404:
        return JsonResponse({"error": "not found"}, status=404)
    counts = statement_counts(statement=statement)
    return JsonResponse(
        {
            "slug": statement.slug,
            "title": statement.title,
            "language": statement.language,
            "status": statement.status,
            "signatures": {
                "verified": counts.verified,
                "organizations": counts.organizations,
                "by_country": counts.as_mapping(),
            },
        },
        json_dumps_params={"ensure_ascii": False},
    )
