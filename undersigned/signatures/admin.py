"""The organizers' side of signatures: look them up, and approve or reject organizations.

Nothing here edits a signature field by field: every change of state goes through
signatures.services, which moves the counters and writes the audit log in one transaction.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _

from undersigned.core.audit import audit_history
from undersigned.core.countries import country_name
from undersigned.core.models import AuditEntry
from undersigned.core.text import name_collated, search_key
from undersigned.signatures import services
from undersigned.signatures.models import Signature, SignatureCounter

AWAITING = Signature.Status.AWAITING_APPROVAL


class StatusFilter(admin.SimpleListFilter):
    """The status, with the moderation queue (organizations waiting for approval) first."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        queue = (AWAITING, _("Moderation queue: organizations waiting for approval"))
        others = [choice for choice in Signature.Status.choices if choice[0] != AWAITING]
        return [queue, *others]

    def queryset(self, request, queryset):
        if self.value() in Signature.Status.values:
            return queryset.filter(status=self.value())
        return queryset


class CountryFilter(admin.SimpleListFilter):
    """Countries that have counted signatures, read from the counters rather than from a
    DISTINCT over every signature. Searching for a country code finds the others."""

    title = _("country")
    parameter_name = "country"

    def lookups(self, request, model_admin):
        codes = SignatureCounter.objects.order_by().values_list("country", flat=True).distinct()
        named = {(country_name(code), code) for code in codes}
        return [(code, name) for name, code in sorted(named)]

    def queryset(self, request, queryset):
        value = self.value()
        if value and len(value) == 2:
            return queryset.filter(country=value.upper())
        return queryset


class LookalikeFilter(admin.SimpleListFilter):
    """Signatures whose name looks like another one's on screen (same skeleton) but is
    spelled with other characters: likely duplicates, or an attempt to pass as someone."""

    title = _("lookalike names")
    parameter_name = "lookalike"

    def lookups(self, request, model_admin):
        return [("yes", _("Looks like another signature"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(looks_like__isnull=False)
        return queryset


@admin.register(Signature)
class SignatureAdmin(admin.ModelAdmin):
    list_display = [
        "display_name",
        "kind",
        "country",
        "status",
        "source",
        "statement",
        "created",
        "verified_at",
    ]
    list_filter = ["statement", StatusFilter, LookalikeFilter, "kind", "source", CountryFilter]
    search_fields = ["name", "email", "=country"]
    search_help_text = _(
        "A name in any script or spelling (Aysin finds Айсин), part of an email address, "
        "or a two-letter country code."
    )
    list_select_related = ["statement"]
    ordering = ["-pk"]
    show_full_result_count = False
    # Facet counts would run a COUNT over the signatures for every filter value.
    show_facets = admin.ShowFacets.NEVER
    actions = ["approve", "reject"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "statement",
                    "kind",
                    "status",
                    "name",
                    "email",
                    "country",
                    "affiliation",
                    "city",
                    "show_name",
                    "source",
                    "language",
                    "looks_like",
                ]
            },
        ),
        (
            _("Dates"),
            {
                "fields": [
                    "created",
                    "verified_at",
                    "decided_at",
                    "withdrawn_at",
                    "mails_sent",
                    "last_mail_at",
                ]
            },
        ),
        (_("History"), {"fields": ["history"]}),
    ]
    readonly_fields = [name for _title, options in fieldsets for name in options["fields"]]

    def get_search_results(self, request, queryset, search_term):
        """Also match names through their ASCII transliteration, whatever the script."""
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        key = search_key(search_term)
        if key:
            found = found | queryset.filter(search_key__contains=key)
        return found, may_have_duplicates

    def get_queryset(self, request: HttpRequest):
        # Sorting by name follows the organizer's language on PostgreSQL (ICU: Turkish
        # puts ı before i, Spanish ñ after n); SQLite sorts by code point.
        return (
            super()
            .get_queryset(request)
            .annotate(name_order=name_collated("name", get_language() or settings.LANGUAGE_CODE))
        )

    @admin.display(description=_("name"), ordering="name_order")
    def display_name(self, signature: Signature) -> str:
        return str(signature)

    @admin.display(description=_("history"))
    def history(self, signature: Signature) -> str:
        entries = list(audit_history(signature).order_by("pk"))
        if not entries:
            return _("No entries.")
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((_when(entry), _who(entry), entry.action, _details(entry)) for entry in entries),
        )
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            capfirst(_("when")),
            capfirst(_("who")),
            capfirst(_("action")),
            capfirst(_("details")),
            rows,
        )

    # A signature is only looked at here; its state changes through the actions below.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Signature | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Signature | None = None) -> bool:
        # The change permission allows the actions on the list; no single signature is
        # editable, so its page is read-only and refuses a POST.
        if obj is not None:
            return False
        return super().has_change_permission(request)

    @admin.action(description=_("Approve selected organizations"), permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet[Signature]) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        changed = services.signature_approve(signature_ids=ids, actor=request.user)
        message = ngettext(
            "%(count)d organization approved.", "%(count)d organizations approved.", changed
        ) % {"count": changed}
        self._report(request, message, changed=changed, selected=len(ids))

    @admin.action(description=_("Reject selected"), permissions=["change"])
    def reject(self, request: HttpRequest, queryset: QuerySet[Signature]) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        changed = services.signature_reject(signature_ids=ids, actor=request.user)
        message = ngettext(
            "%(count)d signature rejected.", "%(count)d signatures rejected.", changed
        ) % {"count": changed}
        self._report(request, message, changed=changed, selected=len(ids))

    def _report(self, request: HttpRequest, message: str, *, changed: int, selected: int) -> None:
        skipped = selected - changed
        if skipped:
            message = "{} {}".format(
                message,
                ngettext(
                    "%(count)d was left alone: it was not waiting for approval.",
                    "%(count)d were left alone: they were not waiting for approval.",
                    skipped,
                )
                % {"count": skipped},
            )
        self.message_user(request, message, messages.SUCCESS if changed else messages.WARNING)


def _when(entry: AuditEntry) -> str:
    return formats.localize(timezone.template_localtime(entry.created))


def _who(entry: AuditEntry) -> str:
    return entry.actor.get_username() if entry.actor else entry.actor_label


def _details(entry: AuditEntry) -> str:
    # Audit entries never hold a name or an email; shown as text all the same.
    return json.dumps(entry.data, ensure_ascii=False, sort_keys=True) if entry.data else ""
