from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssemblyConfig(AppConfig):
    name = "undersigned.assembly"
    verbose_name = _("Conferences")
    default_auto_field = "django.db.models.BigAutoField"
