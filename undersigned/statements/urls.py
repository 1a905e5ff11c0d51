from django.urls import path

from undersigned.statements import views

app_name = "statements"
urlpatterns = [
    path("", views.home, name="home"),
    path("s/<slug:slug>/", views.detail, name="detail"),
    path("s/<slug:slug>/versions/", views.versions, name="versions"),
    path("s/<slug:slug>/compare/<int:old>/<int:new>/", views.compare, name="compare"),
    path("s/<slug:slug>/translations/", views.translations, name="translations"),
    path("s/<slug:slug>/translate/<str:language>/", views.translate, name="translate"),
    path(
        "s/<slug:slug>/compare/<int:old>/<int:new>.diff",
        views.compare_download,
        name="compare_download",
    ),
]
