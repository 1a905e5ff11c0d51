from django.urls import path

from undersigned.api import views

app_name = "api"
urlpatterns = [
    path("statements/<slug:slug>", views.statement_detail, name="statement"),
]
