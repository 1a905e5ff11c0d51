import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from undersigned.signatures.forms import SignForm
from undersigned.signatures.views import render_statement_page
from undersigned.statements import diff, selectors, services
from undersigned.statements.models import BlockTranslation
from undersigned.statements.selectors import statement_get_visible, statement_list_public
from undersigned.statements.translation import TranslationError, translation_provider

logger = logging.getLogger(__name__)


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "statements/home.html", {"statements": statement_list_public()})


def detail(request: HttpRequest, slug: str) -> HttpResponse:
    statement = statement_get_visible(slug=slug, user=request.user)
    response = render_statement_page(request, statement, SignForm())
    # The text's language follows Accept-Language (selectors.reader_language), also on an
    # address whose prefix fixes the interface language, where LocaleMiddleware does not
    # say so: a shared cache must keep one copy per Accept-Language.
    patch_vary_headers(response, ["Accept-Language"])
    return response


def versions(request: HttpRequest, slug: str) -> HttpResponse:
    statement = statement_get_visible(slug=slug, user=request.user)
    listed = selectors.versions_visible(statement=statement, user=request.user)
    if request.GET.get("old") and request.GET.get("new"):
        # The compare form (works without JavaScript): on to the comparison's address.
        try:
            old, new = int(request.GET["old"]), int(request.GET["new"])
        except ValueError as exc:
            raise Http404 from exc
        return redirect("statements:compare", slug=slug, old=old, new=new)
    context = {
        "statement": statement,
        "versions": listed,
        "rows": list(zip(listed, [None, *listed[:-1]], strict=True)),
    }
    return render(request, "statements/versions.html", context)


def compare(request: HttpRequest, slug: str, old: int, new: int) -> HttpResponse:
    statement = statement_get_visible(slug=slug, user=request.user)
    comparison = selectors.versions_compare(
        old=selectors.version_get_visible(statement=statement, number=old, user=request.user),
        new=selectors.version_get_visible(statement=statement, number=new, user=request.user),
    )
    rows = [
        {
            "change": change,
            "kind": comparison.kinds.get(change.block_id, ""),
            # Escaped texts with <ins> and <del> only: see diff.render_html.
            "html": mark_safe(diff.render_html(change)),  # noqa: S308
        }
        for change in comparison.changes
    ]
    context = {
        "statement": statement,
        "comparison": comparison,
        "rows": rows,
        "title_html": mark_safe(diff.render_html(comparison.title_change)),  # noqa: S308
        "versions": selectors.versions_visible(statement=statement, user=request.user),
    }
    return render(request, "statements/compare.html", context)


def compare_download(request: HttpRequest, slug: str, old: int, new: int) -> HttpResponse:
    statement = statement_get_visible(slug=slug, user=request.user)
    text = selectors.versions_unified_diff(
        old=selectors.version_get_visible(statement=statement, number=old, user=request.user),
        new=selectors.version_get_visible(statement=statement, number=new, user=request.user),
    )
    response = HttpResponse(text, content_type="text/x-diff; charset=utf-8")
    name = f"{statement.slug}-v{old}-v{new}.diff"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@staff_member_required
def translate(request: HttpRequest, slug: str, language: str) -> HttpResponse:
    """The translator's screen: source and translation side by side, block by block."""
    statement = statement_get_visible(slug=slug, user=request.user)
    listed = selectors.versions_visible(statement=statement, user=request.user)
    if not listed:
        raise Http404
    number = request.GET.get("version") or request.POST.get("version") or listed[-1].number
    try:
        version = selectors.version_get_visible(
            statement=statement, number=int(number), user=request.user
        )
    except ValueError as exc:
        raise Http404 from exc
    error = error_detail = ""
    if request.method == "POST":
        try:
            if request.POST.get("action") == "machine":
                filled = services.translation_machine_fill(
                    version=version, language=language, actor=request.user
                )
                messages.success(
                    request,
                    ngettext(
                        "%(count)d block translated by machine: review it.",
                        "%(count)d blocks translated by machine: review them.",
                        filled,
                    )
                    % {"count": filled},
                )
            else:
                posted = dict(request.POST.items())
                # t-KEY: the text of a block; s-KEY: the state chosen for it by hand.
                texts = {key[2:]: value for key, value in posted.items() if key.startswith("t-")}
                marks = {key[2:]: value for key, value in posted.items() if key.startswith("s-")}
                services.translation_save(
                    version=version,
                    language=language,
                    texts=texts,
                    title=request.POST.get("title", ""),
                    state=request.POST.get("state", "draft"),
                    marks=marks,
                    actor=request.user,
                )
                messages.success(request, _("The translation was saved."))
            return redirect(f"{request.path}?version={version.number}")
        except ValidationError as exc:
            error = " ".join(exc.messages)
        except services.MachineTranslationOff:
            error = _("No machine translation service is configured.")
        except TranslationError as exc:
            # The provider's own words go to the log; the organizer reads a sentence in
            # their language, followed by those words as they are.
            logger.warning("machine translation of %s into %s failed: %s", slug, language, exc)
            error, error_detail = exc.message, exc.detail
    titles = selectors.statement_titles(statement=statement, version=version)
    context = {
        "statement": statement,
        "version": version,
        "versions": listed,
        "language": language,
        "title": titles.get(language, ""),
        "rows": selectors.translation_workspace(version=version, language=language),
        "machine": translation_provider() is not None,
        "error": error,
        "error_detail": error_detail,
        "states": BlockTranslation.State,
    }
    return render(request, "statements/translate.html", context, status=400 if error else 200)


@staff_member_required
@require_http_methods(["GET", "POST"])
def translations(request: HttpRequest, slug: str) -> HttpResponse:
    """The requested languages, each with its progress, then any other language to open.
    Organizers request a language here (POST)."""
    statement = statement_get_visible(slug=slug, user=request.user)
    error = ""
    if request.method == "POST":
        try:
            requested = services.translations_request(
                statement=statement,
                languages=[request.POST.get("language", "")],
                actor=request.user,
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            if requested:
                messages.success(request, _("The translation is requested."))
            else:
                messages.info(
                    request,
                    _(
                        "Nothing changed: this language was requested already, or it is "
                        "the language of the original."
                    ),
                )
            return redirect("statements:translations", slug=slug)
    else:
        language = request.GET.get("language", "").strip()
        if language:
            return redirect("statements:translate", slug=slug, language=language)
    requested = selectors.translations_requested(statement=statement)
    wanted = {item.language for item in requested.languages}
    context = {
        "statement": statement,
        "requested": requested,
        "languages": settings.LANGUAGES,
        "others": [
            code
            for code, _name in settings.LANGUAGES
            if code != statement.language and code not in wanted
        ],
        "machine": translation_provider() is not None,
        "error": error,
    }
    return render(request, "statements/translations.html", context, status=400 if error else 200)
