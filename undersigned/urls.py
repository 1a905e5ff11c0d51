from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from undersigned.api import urls as api_urls
from undersigned.assembly import urls as assembly_urls
from undersigned.core import views as core_views
from undersigned.signatures import urls as signature_urls
from undersigned.statements import urls as statement_urls

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("api/v1/", include(api_urls)),
    path("admin/", admin.site.urls),
]
urlpatterns += i18n_patterns(
    # Signing first: its POST is the busiest address when a statement goes viral.
    path("", include(signature_urls)),
    path("", include(statement_urls)),
    path("", include(assembly_urls)),
    path("dev/outbox/", core_views.outbox, name="outbox"),
    path("dev/outbox/<str:name>", core_views.outbox_message, name="outbox_message"),
)

handler400 = "undersigned.core.views.bad_request"
