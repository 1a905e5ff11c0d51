from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.utils.translation import gettext_lazy as _

from undersigned.core.models import AuditEntry


class OrganizerLoginForm(AdminAuthenticationForm):
    """Organizers sign in with their email (which `createorganizer` makes their username)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Email")
        self.fields["username"].widget.attrs["autocomplete"] = "email"

    def clean(self):
        username = self.cleaned_data.get("username")
        if username:
            self.cleaned_data["username"] = username.strip().casefold()
        return super().clean()


admin.site.login_form = OrganizerLoginForm


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created", "actor_display", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["action", "object_id"]
    date_hierarchy = "created"
    readonly_fields = [f.name for f in AuditEntry._meta.fields]
    list_select_related = ["actor"]
    show_full_result_count = False

    @admin.display(description=_("who"))
    def actor_display(self, entry: AuditEntry) -> str:
        return str(entry.actor) if entry.actor else entry.actor_label

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
