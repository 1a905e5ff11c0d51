from django.urls import path

from undersigned.api import views

app_name = "api"
urlpatterns = [
    path("statements/<slug:slug>", views.statement_detail, name="statement"),
    path("conferences/<slug:slug>/ballots", views.conference_ballots, name="ballots"),
    path("conferences/<slug:slug>/ballots/<int:pk>", views.conference_ballot, name="ballot"),
    path("conferences/<slug:slug>/ballots/<int:pk>/vote", views.conference_vote, name="vote"),
    path("conferences/<slug:slug>/amendments", views.conference_amendments, name="amendments"),
    path("openapi.json", views.openapi, name="openapi"),
]
