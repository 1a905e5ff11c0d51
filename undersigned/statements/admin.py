"""The organizers' side of statements. Every write goes through statements.services, so each
one is validated the same way and leaves an audit entry naming the organizer."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from undersigned.signatures.models import Signature, SignatureCounter
from undersigned.statements import services
from undersigned.statements.models import Statement

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
            before = statement.status
            after = services.statement_publish(statement=statement, actor=request.user).status
            selected, changed = selected + 1, changed + (before != after)
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
