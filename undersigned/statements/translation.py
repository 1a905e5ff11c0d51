"""Machine translation, pluggable and off by default.

A translator may ask for a machine draft of a block; whatever a provider returns is stored
with origin "machine" and state "needs review" by the translation workflow, never published
as it is. No provider is set unless the operator configures one, so by default no text
leaves the server. The one provider shipped speaks the HTTP API of LibreTranslate (which
can run on the operator's own machine):

    UNDERSIGNED_MT_URL=http://127.0.0.1:5000   UNDERSIGNED_MT_API_KEY=…   (optional)
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings


class TranslationError(Exception):
    """The provider could not translate: unreachable, refused, or answered nonsense."""


class TranslationProvider(Protocol):
    name: str

    def translate(self, text: str, *, source: str, target: str) -> str: ...


@dataclass(frozen=True)
class LibreTranslateProvider:
    """POST {url}/translate with q, source, target, format=text (and api_key)."""

    url: str
    api_key: str | None = None
    timeout: float = 30
    name: str = "libretranslate"

    def translate(self, text: str, *, source: str, target: str) -> str:
        payload = {"q": text, "source": source, "target": target, "format": "text"}
        if self.api_key:
            payload["api_key"] = self.api_key
        request = urllib.request.Request(  # noqa: S310 - the operator's own http(s) URL
            self.url.rstrip("/") + "/translate",
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer = json.load(response)
        except urllib.error.HTTPError as exc:
            raise TranslationError(f"{self.name} answered {exc.code}: {_reason(exc)}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise TranslationError(f"{self.name} is unreachable: {exc}") from exc
        except ValueError as exc:
            raise TranslationError(f"{self.name} answered something that is not JSON") from exc
        translated = answer.get("translatedText") if isinstance(answer, dict) else None
        if not isinstance(translated, str):
            raise TranslationError(f"{self.name} answered without a translatedText")
        return translated


def _reason(error: urllib.error.HTTPError) -> str:
    try:
        return str(json.load(error).get("error") or error.reason)
    except (ValueError, AttributeError):
        return str(error.reason)


def translation_provider() -> TranslationProvider | None:
    """The configured provider, or None: machine translation is off unless an operator
    sets UNDERSIGNED_MT_URL."""
    if not settings.MT_URL:
        return None
    return LibreTranslateProvider(
        url=settings.MT_URL, api_key=settings.MT_API_KEY, timeout=settings.MT_TIMEOUT_SECONDS
    )
