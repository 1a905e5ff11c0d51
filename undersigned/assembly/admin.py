"""The secretariat sets a conference up here: its details, the participating
organizations and the delegates (invited by email). Conference work itself (amendments,
ballots, consolidation) happens on the conference's own pages."""

from __future__ import annotations

import re

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from undersigned.assembly import services
from undersigned.assembly.models import (
    AgendaItem,
    Amendment,
    Ballot,
    Conference,
    Delegate,
    Participant,
    Session,
)
from undersigned.core.audit import audit_record


class ParticipantInline(admin.TabularInline):
    model = Participant
    extra = 1
    fields = ["name", "country", "network"]


class AgendaInline(admin.TabularInline):
    model = AgendaItem
    extra = 1
    fields = ["position", "title", "description"]


class SessionForm(forms.ModelForm):
    video_url = forms.URLField(label=_("recording"), required=False, assume_scheme="https")

    class Meta:
        model = Session
        fields = ["title", "starts_at", "video_url"]


class SessionInline(admin.TabularInline):
    model = Session
    form = SessionForm
    extra = 1
    fields = ["title", "starts_at", "video_url"]


class DelegateForm(forms.ModelForm):
    email = forms.EmailField(label=_("email"), help_text=_("The invitation link goes there."))

    class Meta:
        model = Delegate
        fields = ["name", "email", "participant", "role", "weight", "language"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["email"].initial = self.instance.user.email
            self.fields["email"].disabled = True


class DelegateInline(admin.TabularInline):
    model = Delegate
    form = DelegateForm
    extra = 1
    # A delegate who voted stays on record: make them an observer instead.
    can_delete = False
    readonly_fields = ["invitation_link"]

    @admin.display(description=_("invitation link"))
    def invitation_link(self, delegate: Delegate) -> str:
        if not delegate.pk or not delegate.token:
            return "-"
        url = reverse("assembly:login_link", args=[delegate.token])
        return format_html('<a href="{}">{}</a>', url, _("link"))


class ConferenceForm(forms.ModelForm):
    # Codes separated by commas or spaces ("en, ar, fa"), stored as a list.
    languages = forms.CharField(label=_("languages"), required=False)

    class Meta:
        model = Conference
        fields = [
            "title",
            "slug",
            "starts_on",
            "ends_on",
            "place",
            "description",
            "hosts",
            "languages",
            "statement",
            "amendment_deadline",
            "series",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.initial["languages"] = ", ".join(self.instance.languages or [])

    def clean_languages(self) -> list[str]:
        codes = [
            code.strip().lower()
            for code in self.cleaned_data["languages"].replace(",", " ").split()
        ]
        for code in codes:
            if not re.fullmatch(r"[a-z]{2,3}(-[a-z0-9]{2,8})*", code):
                raise forms.ValidationError(
                    _("The language must be a code such as en, fr or pt-BR.")
                )
        return list(dict.fromkeys(codes))


@admin.register(Conference)
class ConferenceAdmin(admin.ModelAdmin):
    form = ConferenceForm
    list_display = ["title", "starts_on", "place", "public_page"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [AgendaInline, SessionInline, ParticipantInline, DelegateInline]
    fields = [
        "title",
        "slug",
        "starts_on",
        "ends_on",
        "place",
        "description",
        "hosts",
        "languages",
        "statement",
        "amendment_deadline",
        "series",
    ]

    @admin.display(description=_("public page"))
    def public_page(self, conference: Conference) -> str:
        return format_html('<a href="{}">{}</a>', conference.get_absolute_url(), _("view"))

    def save_model(self, request: HttpRequest, obj: Conference, form, change: bool) -> None:
        if change:
            obj.save()
            audit_record(
                action="conference.update",
                target=obj,
                actor=request.user,
                data={"changed": form.changed_data},
            )
            return
        created = services.conference_create(
            title=obj.title,
            slug=obj.slug,
            starts_on=obj.starts_on,
            ends_on=obj.ends_on,
            place=obj.place,
            description=obj.description,
            hosts=obj.hosts,
            languages=obj.languages,
            statement=obj.statement,
            actor_label=str(request.user),
        )
        obj.pk = created.pk
        obj._state.adding = False
        obj._state.db = created._state.db
        if obj.amendment_deadline:
            Conference.objects.filter(pk=obj.pk).update(amendment_deadline=obj.amendment_deadline)

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        """New delegates are invited through the service (an account for their email);
        everything else is saved as the admin does."""
        if formset.model is not Delegate:
            super().save_formset(request, form, formset, change)
            return
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.forms:
            if not inline_form.has_changed():
                continue
            data = inline_form.cleaned_data
            if inline_form.instance.pk:
                formset.changed_objects.append((inline_form.save(), inline_form.changed_data))
                continue
            formset.new_objects.append(
                services.delegate_add(
                    conference=form.instance,
                    email=data["email"],
                    name=data["name"],
                    participant=data.get("participant"),
                    role=data["role"],
                    weight=data["weight"],
                    language=data["language"],
                    actor_label=str(request.user),
                )
            )


@admin.register(Amendment)
class AmendmentAdmin(admin.ModelAdmin):
    list_display = ["__str__", "conference", "proposer", "action", "status"]
    list_filter = ["conference", "status"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Ballot)
class BallotAdmin(admin.ModelAdmin):
    list_display = ["title", "conference", "mode", "state", "adopted"]
    list_filter = ["conference", "state"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
