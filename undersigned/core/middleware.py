import logging
from collections.abc import Callable

from django.conf import settings
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import SimpleLazyObject, empty

from undersigned.core.net import client_ip

logger = logging.getLogger(__name__)


def _policy_header(directives: dict[str, list[str]]) -> str:
    return "; ".join(" ".join([name, *sources]) for name, sources in directives.items())


class ContentSecurityPolicyMiddleware:
    """Sends settings.CONTENT_SECURITY_POLICY on every response. The policy has no nonces
    and no per-view changes (there is no inline script anywhere), so its header is built
    once, not on every request as a general-purpose CSP library must."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.header = _policy_header(settings.CONTENT_SECURITY_POLICY["DIRECTIVES"])

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.header)
        return response


class LazyMessageMiddleware(MessageMiddleware):
    """Django's messages, with the storage made only when a view or template uses it.

    Django's middleware builds the cookie and session storages for every request and
    updates them on every response. Only organizer pages show messages; the public pages
    and the sign POST, thousands a second when a statement goes viral, never do. A
    storage that was never touched has nothing to save: Django's own `update` does nothing
    for it either (no message read, none added)."""

    def process_request(self, request: HttpRequest) -> None:
        request._messages = SimpleLazyObject(lambda: default_storage(request))

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        storage = getattr(request, "_messages", None)
        if isinstance(storage, SimpleLazyObject) and storage._wrapped is empty:
            return response
        return super().process_response(request, response)


class ClientIPMiddleware:
    """Sets request.client_ip from the peer address and, behind trusted proxies only,
    X-Forwarded-For."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.client_ip = client_ip(request)
        return self.get_response(request)


class PublicBodyLimitMiddleware:
    """Refuses (413) a request body over settings.PUBLIC_MAX_BODY_BYTES unless an
    organizer sends it: the sign form needs a few kilobytes, while an organizer pastes a
    whole statement to import or saves a long translation (bounded in turn by
    DATA_UPLOAD_MAX_MEMORY_SIZE). Runs before anything reads the body."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.PUBLIC_MAX_BODY_BYTES and not request.user.is_staff:
            return render(request, "400.html", status=413)
        return self.get_response(request)


class DatabaseBusyMiddleware:
    """A locked database or a full disk gives a clear "try again" page (503), and since
    the transaction did not commit, nothing was acknowledged."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | OSError):
            return None
        logger.warning("database unavailable: %s", exception.__class__.__name__)
        response = render(request, "503.html", status=503)
        response["Retry-After"] = "5"
        return response
