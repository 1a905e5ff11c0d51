from django.urls import path

from undersigned.signatures import views

app_name = "signatures"
urlpatterns = [
    path("s/<slug:slug>/sign", views.sign, name="sign"),
    path("s/<slug:slug>/signed", views.signed, name="signed"),
    path("confirm/<str:token>", views.confirm, name="confirm"),
    path("withdraw/<str:token>", views.withdraw, name="withdraw"),
]
