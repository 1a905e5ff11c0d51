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
from django.utils.translation import gettext_lazy as _


class TranslationError(Exception):
    """The provider could not translate: unreachable, refused, or answered nonsense.

    `reason` says which, in words that people are shown in their own language
    (`message`, translated when it is read); `detail` is what the provider or the network
    said, as it said it, for the logs and for a person who knows the service. The
    exception's own text (str) is for the logs and in English."""

    UNREACHABLE = "unreachable"
    REFUSED = "refused"
    INVALID = "invalid"
    FAILED = "failed"

    def __init__(self, log_text: str, *, reason: str = FAILED, detail: str = "") -> None:
        super().__init__(log_text)
        self.reason = reason
        self.detail = detail

    @property
    def message(self) -> str:
        """The sentence shown to the organizer, in the active language."""
        return str(_MESSAGES.get(self.reason, _MESSAGES[self.FAILED]))


_MESSAGES = {
    TranslationError.UNREACHABLE: _(
        "The machine translation service could not be reached. Try again later."
    ),
    TranslationError.REFUSED: _(
        "The machine translation service refused the request. The site's operator can "
        "check its address, its key and the languages it offers."
    ),
    TranslationError.INVALID: _(
        "The machine translation service gave an answer that could not be read."
    ),
    TranslationError.FAILED: _("The machine translation service could not translate the text."),
}


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
            detail = f"{exc.code}: {_reason(exc)}"
            raise TranslationError(
                f"{self.name} answered {detail}", reason=TranslationError.REFUSED, detail=detail
            ) from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise TranslationError(
                f"{self.name} is unreachable: {exc}",
                reason=TranslationError.UNREACHABLE,
                detail=str(getattr(exc, "reason", None) or exc),
            ) from exc
        except ValueError as exc:
            raise TranslationError(
                f"{self.name} answered something that is not JSON",
                reason=TranslationError.INVALID,
                detail="not JSON",
            ) from exc
        translated = answer.get("translatedText") if isinstance(answer, dict) else None
        if not isinstance(translated, str):
            raise TranslationError(
                f"{self.name} answered without a translatedText",
                reason=TranslationError.INVALID,
                detail="no translatedText",
            )
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
