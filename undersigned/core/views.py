from email import policy
from email.parser import BytesParser
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token

from undersigned.core.mail import outbox_messages


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: answers without touching the database."""
    return HttpResponse(b"ok", content_type="text/plain; charset=utf-8")


def _require_dev_mode() -> None:
    if not settings.DEV_MODE:
        raise Http404


def _read_message(path: Path) -> dict:
    with open(path, "rb") as handle:
        message = BytesParser(policy=policy.default).parse(handle)
    body = message.get_body(preferencelist=("plain",))
    return {
        "name": path.name,
        "to": message["To"],
        "subject": message["Subject"],
        "date": message["Date"],
        "language": message["Content-Language"] or "",
        "body": body.get_content() if body else "",
    }


@never_cache
def outbox(request: HttpRequest) -> HttpResponse:
    """Development only: the mail that would have been sent, newest first."""
    _require_dev_mode()
    messages = [_read_message(path) for path in outbox_messages()]
    return render(request, "core/outbox.html", {"messages": messages})


@never_cache
def outbox_message(request: HttpRequest, name: str) -> HttpResponse:
    _require_dev_mode()
    path = Path(settings.OUTBOX_DIR) / name
    if "/" in name or not name.endswith(".eml") or not path.is_file():
        raise Http404
    return render(request, "core/outbox_message.html", {"message": _read_message(path)})


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "400.html", status=400)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)
