from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished
from django.test import RequestFactory
from django.utils.translation import trans_real

from undersigned.core.wsgi import load_at_start, whole_bodies


def _environ(path: str) -> dict:
    return RequestFactory().get(path, HTTP_HOST="127.0.0.1").environ


def _call(app, path: str) -> tuple[str, object]:
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"] = status

    body = app(_environ(path), start_response)
    return seen["status"], body


def test_a_complete_response_reaches_the_server_as_a_one_item_list(db):
    status, body = _call(whole_bodies(WSGIHandler()), "/healthz")
    assert status.startswith("200")
    assert isinstance(body, list)
    assert body == [b"ok"]


def test_a_complete_response_is_closed_before_it_is_handed_over(db):
    finished = []

    def receiver(**kwargs):
        finished.append(True)

    request_finished.connect(receiver)
    try:
        _call(whole_bodies(WSGIHandler()), "/healthz")
    finally:
        request_finished.disconnect(receiver)
    assert finished == [True]


def test_a_streaming_response_still_streams(db):
    from django.http import StreamingHttpResponse

    def streaming_app(environ, start_response):
        start_response("200 OK", [])
        return StreamingHttpResponse(iter([b"a", b"b"]))

    _status, body = _call(whole_bodies(streaming_app), "/")
    assert not isinstance(body, list)
    assert b"".join(body) == b"ab"


def test_load_at_start_loads_every_interface_language(settings):
    load_at_start()
    for code, _name in settings.LANGUAGES:
        assert code in trans_real._translations


def test_load_at_start_compiles_the_email_patterns():
    from django.core.validators import EmailValidator
    from django.utils.functional import empty

    load_at_start()
    assert EmailValidator.domain_regex._wrapped is not empty
