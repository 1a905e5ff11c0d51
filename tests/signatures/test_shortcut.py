"""The sign POST answered before Django's handler (signatures/shortcut.py): the same outcome
as through Django, or Django's own answer."""

from __future__ import annotations

import io
import re
from urllib.parse import urlencode

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import OperationalError, close_old_connections
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from tests.conftest import SIGN_FIELDS
from undersigned.core.wsgi import whole_bodies
from undersigned.signatures import services
from undersigned.signatures.models import Signature
from undersigned.signatures.shortcut import SignShortcut
from undersigned.statements.services import statement_close

HOST = "127.0.0.1:8000"


class Django:
    """Django's WSGI application, counting the requests that reach it."""

    def __init__(self) -> None:
        self.app = whole_bodies(WSGIHandler())
        self.calls = 0

    def __call__(self, environ, start_response):
        self.calls += 1
        # Django's handler closes old database connections around each request, which
        # would end the test's transaction: its test client stops that the same way.
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            return self.app(environ, start_response)
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


def _call(app, environ: dict) -> tuple[int, dict[str, str], bytes]:
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"] = int(status.split()[0])
        seen["headers"] = dict(headers)

    body = b"".join(app(environ, start_response))
    return seen["status"], seen["headers"], body


@pytest.fixture
def csrf(client, statement):
    """The cookie and form token a browser gets with the statement page."""
    page = client.get(f"/en/s/{statement.slug}/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    return client.cookies["csrftoken"].value, token


def _environ(statement, csrf, *, language="en", fields=None, secure=False, **extra) -> dict:
    cookie, token = csrf
    data = {"csrfmiddlewaretoken": token, **SIGN_FIELDS, **(fields or {})}
    headers = {"HTTP_HOST": HOST, "HTTP_COOKIE": f"csrftoken={cookie}", **extra}
    return (
        RequestFactory()
        .post(
            f"/{language}/s/{statement.slug}/sign",
            data=urlencode(data),
            content_type="application/x-www-form-urlencoded",
            secure=secure,
            **headers,
        )
        .environ
    )


def test_the_project_settings_let_the_shortcut_answer(db):
    assert SignShortcut(Django()).enabled


def test_a_valid_signature_is_taken_without_django(statement, csrf):
    django = Django()
    status, headers, _body = _call(SignShortcut(django), _environ(statement, csrf, language="fr"))
    assert status == 302
    assert headers["Location"] == f"/fr/s/{statement.slug}/signed"
    assert django.calls == 0
    signature = Signature.objects.get()
    assert (signature.name, signature.email, signature.language) == (
        "Ana Lima",
        "ana@example.org",
        "fr",
    )
    assert signature.status == Signature.Status.PENDING


def test_the_signature_mail_is_queued_with_it(statement, csrf, deliver_mail):
    _call(SignShortcut(Django()), _environ(statement, csrf))
    assert [message.to for message in deliver_mail()] == [["ana@example.org"]]


@pytest.mark.parametrize(
    ("language", "secure"), [("en", False), ("ar", False), ("el", True), ("fa", True)]
)
def test_the_redirect_carries_the_headers_django_gives_it(statement, csrf, language, secure):
    origin = {"HTTP_ORIGIN": f"https://{HOST}"} if secure else {}
    first = _environ(statement, csrf, language=language, secure=secure, **origin)
    again = _environ(
        statement,
        csrf,
        language=language,
        secure=secure,
        fields={"email": "other@example.org"},
        **origin,
    )
    django = Django()
    quick = _call(SignShortcut(django), first)
    slow = _call(Django(), again)
    assert django.calls == 0
    assert quick[0] == slow[0] == 302
    assert quick[1] == slow[1]
    assert quick[2] == slow[2] == b""


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"fields": {"consent": ""}}, 400),
        ({"fields": {"email": "not an address"}}, 400),
        ({"fields": {"csrfmiddlewaretoken": "x" * 64}}, 403),
        ({"fields": {"csrfmiddlewaretoken": ""}}, 403),
        ({"HTTP_COOKIE": ""}, 403),
        ({"HTTP_ORIGIN": "http://evil.example"}, 403),
        ({"HTTP_HOST": "evil.example"}, 400),
        ({"secure": True}, 403),  # HTTPS without Origin: Django checks the Referer
        ({"fields": {"leave_this_empty": "bot"}}, 302),
        ({"language": "xx"}, 404),
    ],
)
def test_what_the_shortcut_does_not_take_gets_django_s_answer(statement, csrf, change, status):
    django = Django()
    environ = _environ(statement, csrf, **change)
    got, _headers, _body = _call(SignShortcut(django), environ)
    assert django.calls == 1
    assert got == status
    assert not Signature.objects.exists()


def test_a_signed_in_organizer_goes_through_django(statement, csrf, client, organizer):
    client.force_login(organizer)
    session = client.cookies["sessionid"].value
    django = Django()
    environ = _environ(statement, csrf, HTTP_COOKIE=f"csrftoken={csrf[0]}; sessionid={session}")
    status, _headers, _body = _call(SignShortcut(django), environ)
    assert (status, django.calls) == (302, 1)
    assert Signature.objects.count() == 1


def test_a_body_over_the_public_limit_gets_django_s_413(statement, csrf, settings):
    settings.PUBLIC_MAX_BODY_BYTES = 1024
    django = Django()
    environ = _environ(statement, csrf, fields={"city": "x" * 2000})
    status, _headers, _body = _call(SignShortcut(django), environ)
    assert (status, django.calls) == (413, 1)


def test_a_closed_statement_gets_django_s_explanation(statement, csrf):
    statement_close(statement=statement)
    django = Django()
    status, _headers, body = _call(SignShortcut(django), _environ(statement, csrf))
    assert (status, django.calls) == (409, 1)
    assert not Signature.objects.exists()


def test_a_rate_limited_signer_gets_django_s_explanation(statement, csrf, settings):
    settings.RATE_LIMIT_SIGNS = 1
    app = SignShortcut(Django())
    assert _call(app, _environ(statement, csrf))[0] == 302
    again = _environ(statement, csrf, fields={"email": "second@example.org"})
    assert _call(app, again)[0] == 429
    assert Signature.objects.count() == 1


def test_a_failed_write_acknowledges_nothing(statement, csrf, monkeypatch):
    def unavailable(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(services, "signature_submit", unavailable)
    django = Django()
    status, headers, _body = _call(SignShortcut(django), _environ(statement, csrf))
    assert (status, django.calls) == (503, 1)
    assert headers["Retry-After"] == "5"


def test_the_shortcut_stands_aside_when_the_middleware_changes(statement, csrf, settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "django.middleware.gzip.GZipMiddleware"]
    django = Django()
    shortcut = SignShortcut(django)
    assert not shortcut.enabled
    assert _call(shortcut, _environ(statement, csrf))[0] == 302
    assert django.calls == 1


def test_the_shortcut_takes_the_sign_address_of_every_language(settings, db):
    shortcut = SignShortcut(Django())
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            path = reverse("signatures:sign", kwargs={"slug": "keep-our-rivers-free"})
        match = shortcut.path.fullmatch(path)
        assert match is not None, path
        assert (match["language"], match["slug"]) == (code, "keep-our-rivers-free")


def test_a_body_with_more_fields_than_django_takes_gets_django_s_400(statement, csrf, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    django = Django()
    status, _headers, _body = _call(SignShortcut(django), _environ(statement, csrf))
    assert (status, django.calls) == (400, 1)
    assert not Signature.objects.exists()


def test_a_body_that_is_not_utf8_goes_to_django(statement, csrf):
    environ = _environ(statement, csrf, fields={"city": "S\xe3o Paulo"})
    body = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
    latin1 = body.replace(b"S%C3%A3o", b"S\xe3o")
    environ["wsgi.input"] = io.BytesIO(latin1)
    environ["CONTENT_LENGTH"] = str(len(latin1))
    django = Django()
    status, _headers, _body = _call(SignShortcut(django), environ)
    assert (status, django.calls) == (302, 1)
    assert Signature.objects.get().city == "S\xe3o Paulo"


def test_a_repeated_field_counts_with_its_last_value_as_in_django(statement, csrf):
    environ = _environ(statement, csrf)
    body = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"])) + b"&name=Second+Name"
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    django = Django()
    assert _call(SignShortcut(django), environ)[0] == 302
    assert django.calls == 0
    assert Signature.objects.get().name == "Second Name"
