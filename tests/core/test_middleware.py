"""Middleware of our own: messages made only when used."""

from django.contrib import messages
from django.http import HttpResponse
from django.test import RequestFactory

from tests.conftest import sign
from undersigned.core import middleware
from undersigned.core.middleware import LazyMessageMiddleware


def _through_middleware(view, cookies: dict | None = None) -> HttpResponse:
    request = RequestFactory().get("/")
    request.COOKIES.update(cookies or {})
    request.session = {}
    return LazyMessageMiddleware(lambda request: view(request))(request)


def test_a_message_added_in_one_request_is_shown_in_the_next():
    def add(request):
        messages.success(request, "Saved.")
        return HttpResponse()

    shown = []

    def show(request):
        shown.extend(str(message) for message in messages.get_messages(request))
        return HttpResponse()

    response = _through_middleware(add)
    _through_middleware(show, {"messages": response.cookies["messages"].value})
    assert shown == ["Saved."]


def test_signing_never_builds_the_message_storage(client, statement, monkeypatch):
    built = []
    default_storage = middleware.default_storage

    def storage(request):
        built.append(request.path)
        return default_storage(request)

    monkeypatch.setattr(middleware, "default_storage", storage)
    response = sign(client, statement)
    assert response.status_code == 302
    assert built == []
    assert "messages" not in response.cookies
