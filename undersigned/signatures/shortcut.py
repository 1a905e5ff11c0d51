"""The sign POST, answered before Django's general request machinery.

When a statement goes viral nearly every request is the same one: an anonymous signer
posts a valid form. Django's handler spends most of that request's CPU on machinery it
does not need: thirteen middleware, URL resolution, the request signals, a request object
with its lazy session and user. In process, with the writer stubbed, a sign took 863–1,038
µs through Django and 340–435 µs here; at full load on two cores (the bench's sign run,
12 s each) 477 and 488 signs/s through Django became 960 and 1,078 (2026-12-01, AMD EPYC
VM; docs/performance.md).

The shortcut answers only that common case, and only when it reaches what Django would:

- a POST to the sign address (taken from the URL configuration) in a language of
  settings.LANGUAGES, with no script prefix;
- a Host that ALLOWED_HOSTS accepts;
- an urlencoded body within PUBLIC_MAX_BODY_BYTES;
- no session cookie: a signed-in organizer may see drafts, which Django decides;
- CSRF as CsrfViewMiddleware checks it, with Django's own token functions: an Origin,
  when sent, that is ours exactly; the form's token matching the cookie's secret. Over
  HTTPS without an Origin (Django then checks the Referer) the request goes to Django;
- a statement that takes signatures, a valid form, an empty honeypot;
- a submission the writer takes.

Everything else goes to Django with the body it arrived with, and gets the page and
status it would get without the shortcut. A submission the writer refused or failed to
write is submitted once more there, which is safe: a second submission with the same
email finds the first instead of making another, and Django then explains the refusal.
The redirect carries the headers Django's middleware gives the same response; a test
compares the two, and the shortcut turns itself off when the middleware is not the list
it was checked against.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable, Iterable
from urllib.parse import parse_qsl

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, parse_cookie
from django.http.request import split_domain_port, validate_host
from django.middleware.csrf import (
    CSRF_SECRET_LENGTH,
    InvalidTokenFormat,
    _check_token_format,
    _does_token_match,
)
from django.urls import reverse
from django.utils import translation

from undersigned.core.net import client_address
from undersigned.signatures import services
from undersigned.signatures.forms import SignForm
from undersigned.signatures.views import _signed_url
from undersigned.statements.selectors import statement_get_for_signing

logger = logging.getLogger(__name__)

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]

# The middleware whose effect on a valid sign POST the shortcut reproduces. With any other
# list it stands aside: a new middleware may refuse or change what it would let through.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "undersigned.core.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "undersigned.core.middleware.PublicBodyLimitMiddleware",
    "undersigned.core.middleware.LazyMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "undersigned.core.middleware.ClientIPMiddleware",
    "undersigned.core.middleware.DatabaseBusyMiddleware",
]

_SLUG = "slug-placeholder"
_FORM_TYPES = {
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=utf-8",
}
_ANONYMOUS = AnonymousUser()


def unsupported_settings() -> list[str]:
    """Why the shortcut cannot stand in for Django under the current settings, if it
    cannot: each of these changes what Django does with a sign POST."""
    reasons = []
    if list(settings.MIDDLEWARE) != MIDDLEWARE:
        reasons.append("MIDDLEWARE is not the list the shortcut was checked against")
    for name in ("CSRF_USE_SESSIONS", "USE_X_FORWARDED_HOST", "PREPEND_WWW", "FORCE_SCRIPT_NAME"):
        if getattr(settings, name):
            reasons.append(f"{name} is set")
    if settings.SECURE_SSL_REDIRECT or settings.SECURE_PROXY_SSL_HEADER:
        reasons.append("HTTPS is decided by settings (SECURE_SSL_REDIRECT, ...)")
    if settings.DEFAULT_CHARSET.lower() != "utf-8":
        reasons.append("DEFAULT_CHARSET is not utf-8")
    return reasons


def _path_pattern() -> re.Pattern:
    """The sign address in every language, from the URL configuration."""
    codes = [code for code, _name in settings.LANGUAGES]
    shapes = set()
    for code in codes:
        with translation.override(code):
            path = reverse("signatures:sign", kwargs={"slug": _SLUG})
        shapes.add(path.replace(f"/{code}/", "/", 1))
    if len(shapes) != 1:
        raise ValueError(f"the sign address differs between languages: {sorted(shapes)}")
    before, _slug, after = shapes.pop().partition(_SLUG)
    languages = "|".join(re.escape(code) for code in codes)
    return re.compile(
        rf"/(?P<language>{languages}){re.escape(before)}(?P<slug>[-a-zA-Z0-9_]+){re.escape(after)}"
    )


def _headers(*, secure: bool) -> list[tuple[str, str]]:
    """What the middleware adds to the redirect (SecurityMiddleware, the policy,
    CommonMiddleware's length, XFrameOptionsMiddleware), but Location and the language."""
    from undersigned.core.middleware import _policy_header

    headers = [
        ("Content-Type", f"text/html; charset={settings.DEFAULT_CHARSET}"),
        ("Content-Length", "0"),
    ]
    if secure and settings.SECURE_HSTS_SECONDS:
        value = f"max-age={settings.SECURE_HSTS_SECONDS}"
        if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
            value += "; includeSubDomains"
        if settings.SECURE_HSTS_PRELOAD:
            value += "; preload"
        headers.append(("Strict-Transport-Security", value))
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers.append(("X-Content-Type-Options", "nosniff"))
    if settings.SECURE_REFERRER_POLICY:
        headers.append(("Referrer-Policy", settings.SECURE_REFERRER_POLICY))
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        headers.append(("Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY))
    headers.append(
        ("Content-Security-Policy", _policy_header(settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]))
    )
    headers.append(("X-Frame-Options", settings.X_FRAME_OPTIONS))
    return headers


class SignShortcut:
    """WSGI middleware: answers the common sign POST itself (see the module's note) and
    hands every other request to `app`."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app
        reasons = unsupported_settings()
        self.enabled = not reasons
        if reasons:
            logger.warning("sign shortcut off: %s", "; ".join(reasons))
            return
        self.path = _path_pattern()
        self.headers = {secure: _headers(secure=secure) for secure in (False, True)}
        self.max_body = settings.PUBLIC_MAX_BODY_BYTES
        self.max_fields = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        self.allowed_hosts = list(settings.ALLOWED_HOSTS)
        self.trusted_origins = {
            origin for origin in settings.CSRF_TRUSTED_ORIGINS if "*" not in origin
        }
        self.session_cookie = settings.SESSION_COOKIE_NAME
        self.csrf_cookie = settings.CSRF_COOKIE_NAME

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if not self.enabled or environ.get("REQUEST_METHOD") != "POST":
            return self.app(environ, start_response)
        match = self.path.fullmatch(environ.get("PATH_INFO", ""))
        if match is None or environ.get("SCRIPT_NAME"):
            return self.app(environ, start_response)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return self.app(environ, start_response)
        if not 0 < length <= self.max_body:
            return self.app(environ, start_response)
        body = environ["wsgi.input"].read(length)
        try:
            answer = None
            if len(body) == length:  # else the client went away: Django says so
                answer = self._sign(environ, body, match["language"], match["slug"])
        except Exception:  # Django meets the same failure and handles it as it does
            logger.debug("sign shortcut handed a request over", exc_info=True)
            answer = None
        if answer is None:
            environ["wsgi.input"] = io.BytesIO(body)
            return self.app(environ, start_response)
        headers, location = answer
        start_response("302 Found", [*headers, ("Location", location)])
        return [b""]

    def _sign(
        self, environ: dict, body: bytes, language: str, slug: str
    ) -> tuple[list[tuple[str, str]], str] | None:
        """Sign, and return the redirect's headers and address; None for Django to answer."""
        if environ.get("CONTENT_TYPE", "").lower() not in _FORM_TYPES:
            return None
        host = environ.get("HTTP_HOST", "")
        domain, _port = split_domain_port(host)
        if not domain or not validate_host(domain, self.allowed_hosts):
            return None
        secure = environ.get("wsgi.url_scheme") == "https"
        cookies = parse_cookie(environ.get("HTTP_COOKIE", ""))
        if self.session_cookie in cookies:
            return None
        origin = environ.get("HTTP_ORIGIN")
        if origin is None:
            if secure:
                return None  # Django checks the Referer
        elif origin != f"{'https' if secure else 'http'}://{host}" and (
            origin not in self.trusted_origins
        ):
            return None
        data = self._fields(body)
        if data is None or not self._token_matches(cookies.get(self.csrf_cookie, ""), data):
            return None
        try:
            statement = statement_get_for_signing(slug=slug, user=_ANONYMOUS)
        except Http404:
            return None
        if not statement.is_signable:
            return None
        form = SignForm(data)
        if not form.is_valid() or form.is_bot:
            return None
        services.signature_submit(
            statement=statement,
            **form.signature_fields(),
            language=language,
            client_ip=client_address(environ),
        )
        headers = [*self.headers[secure], ("Content-Language", language)]
        return headers, _signed_url(statement.slug, language)

    def _fields(self, body: bytes) -> dict[str, str] | None:
        """The form's fields, each with its last value: what QueryDict.get gives, which is
        all the sign form reads, parsed in a third of QueryDict's time. None for a body
        that is not UTF-8 (Django reads it as Latin-1)."""
        try:
            text = body.decode()
        except UnicodeDecodeError:
            return None
        # More fields than Django takes raise ValueError: Django then refuses the request.
        return dict(parse_qsl(text, keep_blank_values=True, max_num_fields=self.max_fields))

    @staticmethod
    def _token_matches(secret: str, data: dict[str, str]) -> bool:
        """CsrfViewMiddleware's check of a form token against an unmasked cookie secret
        (a masked one, from Django before 4.0, needs a new cookie: Django's to set)."""
        token = data.get("csrfmiddlewaretoken", "")
        if len(secret) != CSRF_SECRET_LENGTH or not token:
            return False
        try:
            _check_token_format(secret)
            _check_token_format(token)
        except InvalidTokenFormat:
            return False
        return _does_token_match(token, secret)
