from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation.trans_real import parse_accept_lang_header
from django.views.decorators.http import require_http_methods, require_POST

from undersigned.signatures import selectors, services
from undersigned.signatures.forms import SignForm
from undersigned.statements.models import Statement
from undersigned.statements.selectors import (
    series_timeline,
    statement_get_for_signing,
    statement_get_public,
    statement_reading,
)


def render_statement_page(
    request: HttpRequest, statement: Statement, form: SignForm, status: int = 200
) -> HttpResponse:
    page = selectors.signatory_page(
        statement=statement,
        after=request.GET.get("after"),
        before=request.GET.get("before"),
        size=settings.SIGNATORY_PAGE_SIZE,
    )
    # q=0 means "not this language" (RFC 9110), so it is no choice at all.
    accepted = [
        code
        for code, quality in parse_accept_lang_header(request.headers.get("Accept-Language", ""))
        if quality > 0
    ]
    reading = statement_reading(
        statement=statement,
        user=request.user,
        choice=request.GET.get("lang", "")[:12],
        interface=get_language() or "",
        accepted=accepted[:10],
        compare=request.GET.get("with", "")[:12],
    )
    context = {
        "statement": statement,
        "reading": reading,
        "series": statement.series if statement.series_id else None,
        "timeline": series_timeline(series=statement.series, current=statement)
        if statement.series_id
        else [],
        "counts": selectors.statement_counts(statement=statement),
        "page": page,
        "form": form,
    }
    return render(request, "statements/detail.html", context, status=status)


@lru_cache(maxsize=1024)
def _signed_url(slug: str, language: str) -> str:
    """Where a signer lands after signing: the same for every signer of a statement in a
    language, so reversed once, not on each of thousands of signatures a second."""
    with translation.override(language):
        return reverse("signatures:signed", kwargs={"slug": slug})


@require_POST
def sign(request: HttpRequest, slug: str) -> HttpResponse:
    statement = statement_get_for_signing(slug=slug, user=request.user)
    form = SignForm(request.POST)
    if not form.is_valid():
        return render_statement_page(request, statement, form, status=400)
    if form.is_bot:
        # Looks like success, stores and sends nothing.
        return HttpResponseRedirect(_signed_url(statement.slug, get_language() or ""))
    try:
        services.signature_submit(
            statement=statement,
            **form.signature_fields(),
            language=get_language() or settings.LANGUAGE_CODE,
            client_ip=request.client_ip,
        )
    except services.RateLimited:
        return render(request, "signatures/rate_limited.html", {"statement": statement}, status=429)
    except services.SigningError:
        return render(request, "signatures/closed.html", {"statement": statement}, status=409)
    return HttpResponseRedirect(_signed_url(statement.slug, get_language() or ""))


def signed(request: HttpRequest, slug: str) -> HttpResponse:
    statement = statement_get_public(slug=slug)
    return render(
        request,
        "signatures/check_email.html",
        {"statement": statement, "days": settings.VERIFICATION_TOKEN_DAYS},
    )


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button and changes nothing (mail scanners prefetch links); POST confirms."""
    if request.method == "GET":
        signature = services.signature_for_confirm_token(token=token)
        if signature is None:
            return render(request, "signatures/link_dead.html", status=404)
        return render(request, "signatures/confirm.html", {"signature": signature})
    signature = services.signature_confirm(token=token)
    if signature is None:
        return render(request, "signatures/link_dead.html", status=404)
    return render(request, "signatures/confirmed.html", {"signature": signature})


@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "GET":
        signature = services.signature_for_withdraw_token(token=token)
        if signature is None:
            return render(request, "signatures/link_dead.html", status=404)
        return render(request, "signatures/withdraw.html", {"signature": signature})
    signature = services.signature_withdraw(token=token)
    if signature is None:
        return render(request, "signatures/link_dead.html", status=404)
    return render(request, "signatures/withdrawn.html", {"statement": signature.statement})
