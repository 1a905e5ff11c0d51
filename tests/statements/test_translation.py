"""Machine translation: off by default, and a LibreTranslate-compatible provider when set."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from undersigned.statements.translation import (
    LibreTranslateProvider,
    TranslationError,
    translation_provider,
)


class FakeLibreTranslate(BaseHTTPRequestHandler):
    """Answers POST /translate as LibreTranslate does; `received` keeps the requests."""

    received: list[dict] = []
    api_key = "secret"

    def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
        payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeLibreTranslate.received.append(payload)
        if self.path != "/translate":
            self._answer(404, {"error": "Not Found"})
        elif payload.get("api_key") != self.api_key:
            self._answer(403, {"error": "Invalid API key"})
        elif payload["q"] == "broken":
            self._answer(200, "not json", raw=True)
        else:
            text = f"[{payload['source']}>{payload['target']}] {payload['q']}"
            self._answer(200, {"translatedText": text})

    def _answer(self, status: int, body, raw: bool = False) -> None:
        data = body.encode() if raw else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def libretranslate():
    FakeLibreTranslate.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeLibreTranslate)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_no_provider_is_set_by_default(settings):
    settings.MT_URL = None
    assert translation_provider() is None


def test_the_configured_provider_translates_a_block(settings, libretranslate):
    settings.MT_URL, settings.MT_API_KEY = libretranslate, "secret"
    provider = translation_provider()
    assert provider.translate("Water knows no borders.", source="en", target="ar") == (
        "[en>ar] Water knows no borders."
    )
    assert FakeLibreTranslate.received == [
        {
            "q": "Water knows no borders.",
            "source": "en",
            "target": "ar",
            "format": "text",
            "api_key": "secret",
        }
    ]


def test_a_refused_request_says_why(libretranslate):
    provider = LibreTranslateProvider(url=libretranslate, api_key="wrong")
    with pytest.raises(TranslationError, match="403: Invalid API key"):
        provider.translate("text", source="en", target="fa")


def test_an_answer_that_is_not_json_is_an_error(libretranslate):
    provider = LibreTranslateProvider(url=libretranslate, api_key="secret")
    with pytest.raises(TranslationError, match="not JSON"):
        provider.translate("broken", source="en", target="el")


def test_an_unreachable_server_is_an_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    provider = LibreTranslateProvider(url=f"http://127.0.0.1:{port}", timeout=2)
    with pytest.raises(TranslationError, match="unreachable"):
        provider.translate("text", source="en", target="hy")


def test_a_refused_request_is_told_as_refused_with_the_providers_words(libretranslate):
    provider = LibreTranslateProvider(url=libretranslate, api_key="wrong")
    with pytest.raises(TranslationError) as caught:
        provider.translate("text", source="en", target="fa")
    assert (caught.value.reason, caught.value.detail) == ("refused", "403: Invalid API key")
    assert "Invalid API key" not in caught.value.message


def test_an_unreachable_server_is_told_as_unreachable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    provider = LibreTranslateProvider(url=f"http://127.0.0.1:{port}", timeout=2)
    with pytest.raises(TranslationError) as caught:
        provider.translate("text", source="en", target="hy")
    assert caught.value.reason == "unreachable"
    assert caught.value.message == (
        "The machine translation service could not be reached. Try again later."
    )


def test_the_message_of_a_provider_error_is_translated_when_it_is_read(french_catalog):
    from django.utils import translation

    french = "Le service de traduction automatique a donné une réponse illisible."
    french_catalog("The machine translation service gave an answer that could not be read.", french)
    error = TranslationError("echo answered nonsense", reason="invalid", detail="nonsense")
    with translation.override("fr"):
        assert error.message == french
    with translation.override("en"):
        assert error.message == (
            "The machine translation service gave an answer that could not be read."
        )


def test_an_error_of_unknown_reason_gets_the_general_sentence():
    error = TranslationError("some provider broke", reason="mystery")
    assert error.message == "The machine translation service could not translate the text."
