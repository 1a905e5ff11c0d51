from django.urls import path

from undersigned.assembly import views

app_name = "assembly"
urlpatterns = [
    path("c/join/<str:token>/", views.login_link, name="login_link"),
    path("c/sign-in/", views.sign_in, name="sign_in"),
    path("c/password/", views.set_password, name="set_password"),
    path("c/<slug:slug>/", views.conference, name="conference"),
    path("c/<slug:slug>/amendments/", views.amendments, name="amendments"),
    path("c/<slug:slug>/amendments/new/", views.amendment_new, name="amendment_new"),
    path("c/<slug:slug>/amendments/<int:number>/", views.amendment, name="amendment"),
    path(
        "c/<slug:slug>/amendments/<int:number>/rebase/",
        views.amendment_rebase,
        name="amendment_rebase",
    ),
    path("c/<slug:slug>/ballots/<int:pk>/", views.ballot, name="ballot"),
    path("c/<slug:slug>/ballots/<int:pk>/results/", views.ballot_results, name="ballot_results"),
    path("c/<slug:slug>/manage/", views.manage, name="manage"),
    path("c/<slug:slug>/documents/<int:pk>/", views.document, name="document"),
    path("c/<slug:slug>/record.<str:fmt>", views.record, name="record"),
]
