import json

from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from undersigned.assembly import selectors as assembly_selectors
from undersigned.assembly import services as assembly_services
from undersigned.assembly.models import Delegate
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


# --- conferences: for voting devices and scripts, authenticated by a delegate's token ---------


def _delegate(request: HttpRequest, conference) -> Delegate | None:
    """The delegate whose token the request carries (Authorization: Bearer <token>), if
    they belong to this conference."""
    header = request.headers.get("Authorization", "")
    scheme, _space, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    delegate = assembly_services.delegate_for_token(token=token.strip())
    if delegate is None or delegate.conference_id != conference.pk:
        return None
    return delegate


def _error(code: str, status: int, message: str = "") -> JsonResponse:
    return JsonResponse({"error": code, "message": message}, status=status)


def _ballot_json(ballot, delegate) -> dict:
    data = {
        "id": ballot.pk,
        "title": ballot.title,
        "state": ballot.state,
        "mode": ballot.mode,
        "secret": ballot.secret,
        "abstain_allowed": ballot.abstain_allowed,
        "amendment": ballot.amendment.number if ballot.amendment_id else None,
        "version": ballot.version.number if ballot.version_id else None,
        "results": None,
    }
    if assembly_selectors.results_visible(ballot=ballot, delegate=delegate):
        verdict = assembly_services.ballot_verdict(ballot) if ballot.yes + ballot.no else None
        data["results"] = {
            "yes": ballot.yes,
            "no": ballot.no,
            "abstain": ballot.abstain,
            "voters": ballot.voters,
            "present": ballot.present,
            "adopted": ballot.adopted,
            "verdict": ballot.verdict_text,
            "arithmetic": verdict.lines if verdict else [],
        }
    return data


def _conference_and_delegate(request: HttpRequest, slug: str):
    try:
        conference = assembly_selectors.conference_get(slug=slug)
    except Http404:
        return None, None, _error("not_found", 404)
    delegate = _delegate(request, conference)
    if delegate is None:
        return conference, None, _error("unauthorized", 401, "Bearer token of a delegate")
    return conference, delegate, None


@require_GET
def conference_ballots(request: HttpRequest, slug: str) -> JsonResponse:
    conference, delegate, error = _conference_and_delegate(request, slug)
    if error:
        return error
    ballots = assembly_selectors.ballots_list(conference=conference)
    return JsonResponse({"ballots": [_ballot_json(b, delegate) for b in ballots]})


@require_GET
def conference_ballot(request: HttpRequest, slug: str, pk: int) -> JsonResponse:
    conference, delegate, error = _conference_and_delegate(request, slug)
    if error:
        return error
    try:
        ballot = assembly_selectors.ballot_get(conference=conference, pk=pk)
    except Http404:
        return _error("not_found", 404)
    data = _ballot_json(ballot, delegate)
    data["voted"] = assembly_selectors.vote_of(ballot=ballot, delegate=delegate) is not None
    return JsonResponse(data)


@csrf_exempt  # no cookie is read: the bearer token is the credential
@require_POST
def conference_vote(request: HttpRequest, slug: str, pk: int) -> JsonResponse:
    """Cast the delegate's vote: {"choice": "yes"|"no"|"abstain"} for all their votes,
    or {"yes": n, "no": n, "abstain": n} to split them."""
    conference, delegate, error = _conference_and_delegate(request, slug)
    if error:
        return error
    try:
        ballot = assembly_selectors.ballot_get(conference=conference, pk=pk)
        body = json.loads(request.body or b"{}")
        if not isinstance(body, dict):
            raise ValueError
        if "choice" in body:
            choice = body["choice"]
            if choice not in {"yes", "no", "abstain"}:
                raise ValueError
            split = {
                key: delegate.weight if key == choice else 0 for key in ("yes", "no", "abstain")
            }
        else:
            split = {key: int(body.get(key, 0)) for key in ("yes", "no", "abstain")}
    except Http404:
        return _error("not_found", 404)
    except (ValueError, TypeError):
        return _error(
            "bad_request", 400, 'send {"choice": "yes"} or {"yes": n, "no": n, "abstain": n}'
        )
    try:
        assembly_services.vote_cast(ballot=ballot, delegate=delegate, **split)
    except assembly_services.ConferenceError as exc:
        already = assembly_selectors.vote_of(ballot=ballot, delegate=delegate) is not None
        return _error("already_voted" if already else "refused", 409, str(exc))
    return JsonResponse({"counted": True, "ballot": ballot.pk}, status=201)


@require_GET
def conference_amendments(request: HttpRequest, slug: str) -> JsonResponse:
    conference, delegate, error = _conference_and_delegate(request, slug)
    if error:
        return error
    amendments = conference.amendments.select_related(
        "proposer", "version", "carried_from__conference"
    ).prefetch_related("cosigners")
    return JsonResponse(
        {
            "amendments": [
                {
                    "number": a.number,
                    "version": a.version.number,
                    "block": a.block_key,
                    "action": a.action,
                    "text": a.text,
                    "adopted_text": a.adopted_text,
                    "justification": a.justification,
                    "proposer": a.proposer.name,
                    "cosigners": [p.name for p in a.cosigners.all()],
                    "status": a.status,
                    "reason": a.reason,
                    "referred_to": a.referred_to,
                    "written_against": a.base_text or None,
                    "carried_from": {
                        "conference": a.carried_from.conference.slug,
                        "number": a.carried_from.number,
                    }
                    if a.carried_from_id
                    else None,
                }
                for a in amendments.order_by("number")
            ]
        },
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
def openapi(request: HttpRequest) -> JsonResponse:
    from undersigned.api.openapi import document

    return JsonResponse(document(), json_dumps_params={"ensure_ascii": False})
