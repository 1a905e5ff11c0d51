"""The organizers' side of statements. Every write goes through statements.services, so each
one is validated the same way and leaves an audit entry naming the organizer."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from undersigned.signatures.models import Signature, SignatureCounter
from undersigned.statements import parsing, services
from undersigned.statements.docx import DocxError, docx_text
from undersigned.statements.models import Series, Statement

_TEXT_FIELDS = ("title", "slug", "language", "body")


class StatementForm(forms.ModelForm):
    class Meta:
        model = Statement
        fields = list(_TEXT_FIELDS)
        help_texts = {
            "language": _("A code such as en, fr or pt-BR."),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        slug = self.fields.get("slug")
        if slug is None:
            return
        if self.instance._state.adding:
            slug.required = False
            slug.help_text = _("Part of the web address. Leave empty to make one from the title.")
        else:
            slug.help_text = _("Part of the web address. Changing it breaks links already shared.")

    def clean(self) -> dict:
        cleaned = super().clean()
        if all(cleaned.get(name) is not None for name in ("title", "body", "language")):
            try:
                # The service's own rules, so the form refuses what the service would.
                services.statement_validate(
                    title=cleaned["title"], body=cleaned["body"], language=cleaned["language"]
                )
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned


_IMPORT_MAX_BYTES = 2_000_000


class StatementImportForm(forms.Form):
    """Paste the text or upload it (plain text, Markdown or DOCX)."""

    text = forms.CharField(
        label=_("Text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 18, "dir": "auto", "class": "vLargeTextField"}),
        help_text=_(
            "Paste the statement as published: its titles, its text and, at the end, its "
            "list of signatories. A blank line starts a new paragraph; 1. starts a "
            "section and a- an item of it."
        ),
    )
    file = forms.FileField(
        label=_("or a file"),
        required=False,
        help_text=_("Plain text, Markdown or a Word document (.docx)."),
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is not None:
            if upload.size > _IMPORT_MAX_BYTES:
                raise ValidationError(_("The file is too large (2 MB at most)."))
            try:
                if upload.name.lower().endswith(".docx"):
                    cleaned["text"] = docx_text(upload)
                else:
                    cleaned["text"] = upload.read().decode("utf-8-sig")
            except (DocxError, UnicodeDecodeError) as exc:
                raise ValidationError(
                    _("The file could not be read: use UTF-8 text, Markdown or .docx.")
                ) from exc
        if not (cleaned.get("text") or "").strip():
            raise ValidationError(_("Paste a text or choose a file."))
        return cleaned


_TITLE_ROWS_MAX = 50


def _posted_title_rows(request: HttpRequest) -> list[tuple[str, str]]:
    """The title rows of the preview as the organizer left them, (language, title) in
    order, without the rows left empty."""
    rows = []
    for index in range(_TITLE_ROWS_MAX):
        text = request.POST.get(f"title-{index}-text", "").strip()
        code = request.POST.get(f"title-{index}-language", "").strip().lower()
        if text or code:
            rows.append((code, text))
    return rows


def _posted_titles(request: HttpRequest) -> dict[str, str]:
    """The title rows of the preview, as the organizer corrected them: language -> title."""
    titles: dict[str, str] = {}
    for code, text in _posted_title_rows(request):
        if text and code and code not in titles:
            titles[code] = text
    return titles


def _verified_total() -> Coalesce:
    """Verified signatures of each statement, summed over its counter rows (no table scan)."""
    total = (
        SignatureCounter.objects.filter(statement=OuterRef("pk"))
        .order_by()
        .values("statement")
        .annotate(total=Sum("verified"))
        .values("total")
    )
    return Coalesce(Subquery(total), 0)


@admin.register(Statement)
class StatementAdmin(admin.ModelAdmin):
    form = StatementForm
    list_display = [
        "title",
        "slug",
        "language",
        "status",
        "verified_count",
        "published_at",
        "public_page",
    ]
    list_filter = ["status", "language"]
    search_fields = ["title", "=slug"]
    ordering = ["-created"]
    show_full_result_count = False
    actions = ["publish", "close"]
    readonly_fields = [
        "status",
        "verified_count",
        "published_at",
        "closed_at",
        "created",
        "updated",
    ]
    fieldsets = [
        (None, {"fields": list(_TEXT_FIELDS)}),
        (
            _("Publication"),
            {
                "fields": readonly_fields,
                "description": _(
                    "The status changes only through the actions of the statement list: "
                    "Publish and Close."
                ),
            },
        ),
    ]

    change_list_template = "admin/statements/statement/change_list.html"

    def get_urls(self):
        own = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="statements_statement_import",
            )
        ]
        return own + super().get_urls()

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Paste or upload, check the preview (titles per language, the blocks, the
        signatories and any line not understood), correct, then save as a draft."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        context = {**self.admin_site.each_context(request), "opts": self.model._meta}
        context["title"] = _("Import a statement")
        form = StatementImportForm(request.POST or None, request.FILES or None)
        if request.method != "POST" or not form.is_valid():
            context["form"] = form
            return TemplateResponse(request, "admin/statements/statement/import.html", context)
        text = form.cleaned_data["text"]
        parsed = parsing.parse_statement(text)
        language = request.POST.get("language", "").strip().lower() or parsed.language or ""
        if request.POST.get("action") == "save":
            titles = _posted_titles(request)
            try:
                statement, report = services.statement_import(
                    parsed=parsing.parse_statement(text, language=language or None),
                    language=language,
                    titles=titles,
                    slug=request.POST.get("slug", "").strip(),
                    signatories=request.POST.get("signatories") == "on",
                    actor=request.user,
                )
            except ValidationError as error:
                context["error"] = " ".join(error.messages)
            else:
                message = str(_("The statement was imported as a draft."))
                if report is not None:
                    message = " ".join(
                        [
                            message,
                            ngettext(
                                "%(count)d signatory added.",
                                "%(count)d signatories added.",
                                report.added,
                            )
                            % {"count": report.added},
                        ]
                    )
                    if report.added < len(report.lines):
                        message += " " + str(_("Lines not added: %(lines)s")) % {
                            "lines": "; ".join(
                                line.describe() for line in report.lines if line.outcome != "add"
                            )
                        }
                self.message_user(request, message, messages.SUCCESS)
                return redirect("admin:statements_statement_change", statement.pk)
        # What the organizer entered in an earlier preview (titles and their languages,
        # the address, the signatories box) is kept; otherwise the parser's reading.
        title_rows = _posted_title_rows(request) if request.POST.get("previewed") else []
        if not title_rows:
            title_rows = list(parsed.titles.items())
        add_signatories = (
            request.POST.get("signatories") == "on"
            if request.POST.get("signatories-shown")
            else True
        )
        context.update(
            form=StatementImportForm(initial={"text": text}),
            parsed=parsed,
            language=language,
            title_rows=[*title_rows, ("", "")],
            slug=request.POST.get("slug", "").strip(),
            add_signatories=add_signatories,
            languages=settings.LANGUAGES,
        )
        return TemplateResponse(request, "admin/statements/statement/import.html", context)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Statement]:
        return super().get_queryset(request).annotate(verified_total=_verified_total())

    def get_fieldsets(self, request: HttpRequest, obj: Statement | None = None):
        if obj is None:
            # A new statement is a draft with no dates yet: only the text to fill in.
            return [(None, {"fields": list(_TEXT_FIELDS)})]
        return super().get_fieldsets(request, obj)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        return {"language": settings.LANGUAGE_CODE, **super().get_changeform_initial_data(request)}

    @admin.display(description=_("verified signatures"), ordering="verified_total")
    def verified_count(self, statement: Statement) -> str:
        total = getattr(statement, "verified_total", None)
        if total is None:
            return "0"
        url = reverse("admin:signatures_signature_changelist")
        return format_html(
            '<a href="{}?statement__id__exact={}&amp;status={}">{}</a>',
            url,
            statement.pk,
            Signature.Status.VERIFIED,
            total,
        )

    @admin.display(description=_("public page"))
    def public_page(self, statement: Statement) -> str:
        label = _("view on site") if statement.is_public else _("preview")
        return format_html('<a href="{}">{}</a>', statement.get_absolute_url(), label)

    def save_model(self, request: HttpRequest, obj: Statement, form, change: bool) -> None:
        data = {name: form.cleaned_data.get(name, "") for name in _TEXT_FIELDS}
        if change:
            # The form has already written its values into `obj`; the service compares
            # against the stored row to record what changed.
            stored = Statement.objects.get(pk=obj.pk)
            saved = services.statement_update(statement=stored, actor=request.user, **data)
        else:
            saved = services.statement_create(actor=request.user, **data)
        # The admin goes on with `obj` (messages, its own log, the redirect).
        for field in Statement._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False
        obj._state.db = saved._state.db

    def has_delete_permission(self, request: HttpRequest, obj: Statement | None = None) -> bool:
        # A statement is closed, never deleted: its signatures and audit trail stay.
        return False

    @admin.action(description=_("Publish selected statements"), permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet[Statement]) -> None:
        selected = changed = 0
        for statement in queryset.order_by("pk"):
            # A published statement with a new draft version publishes that version.
            before = statement.status, statement.versions.filter(published_at=None).exists()
            after = services.statement_publish(statement=statement, actor=request.user).status
            selected, changed = selected + 1, changed + (before[0] != after or before[1])
        message = ngettext(
            "%(count)d statement published.", "%(count)d statements published.", changed
        ) % {"count": changed}
        if changed < selected:
            message = " ".join([message, _("The others were published already.")])
        self._report(request, changed, message)

    @admin.action(description=_("Close selected statements to signing"), permissions=["change"])
    def close(self, request: HttpRequest, queryset: QuerySet[Statement]) -> None:
        selected = changed = 0
        for statement in queryset.order_by("pk"):
            before = statement.status
            after = services.statement_close(statement=statement, actor=request.user).status
            selected, changed = selected + 1, changed + (before != after)
        message = ngettext(
            "%(count)d statement closed.", "%(count)d statements closed.", changed
        ) % {"count": changed}
        if changed < selected:
            message = " ".join([message, _("Only published statements can be closed.")])
        self._report(request, changed, message)

    def _report(self, request: HttpRequest, changed: int, message: str) -> None:
        level = messages.SUCCESS if changed else messages.WARNING
        self.message_user(request, message, level)


class SeriesForm(forms.ModelForm):
    statements = forms.ModelMultipleChoiceField(
        queryset=Statement.objects.all(), required=False, label=_("statements")
    )
    conferences = forms.ModelMultipleChoiceField(
        queryset=None, required=False, label=_("conferences")
    )

    class Meta:
        model = Series
        fields = ["title", "slug"]

    def __init__(self, *args, **kwargs) -> None:
        from undersigned.assembly.models import Conference

        super().__init__(*args, **kwargs)
        self.fields["conferences"].queryset = Conference.objects.all()
        if self.instance.pk:
            self.fields["statements"].initial = list(self.instance.statements.all())
            self.fields["conferences"].initial = list(self.instance.conferences.all())


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    form = SeriesForm
    prepopulated_fields = {"slug": ["title"]}

    def save_model(self, request: HttpRequest, obj: Series, form, change: bool) -> None:
        obj.save()
        services.series_set(
            series=obj,
            statements=list(form.cleaned_data["statements"]),
            conferences=list(form.cleaned_data["conferences"]),
            actor=request.user,
        )
