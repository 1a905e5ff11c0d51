"""What the WSGI server gets back from Django."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.http import HttpResponseBase

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


def whole_bodies(app: WSGIApp) -> WSGIApp:
    """Hand the server each complete (not streaming) response as a one-item list.

    Django returns the response object itself, which a WSGI server must treat as an
    iterable of unknown length, and granian streams such a body: the headers go out in
    one write and the body in another, handed from the request thread to the server's
    runtime through a channel (a GIL release and a thread wake-up for every response).
    Given a list, granian sends headers and body in one `writev` (seen with strace).
    Streaming responses (the CSV export, files) still stream."""

    def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
        response = app(environ, start_response)
        if not isinstance(response, HttpResponseBase) or response.streaming:
            return response
        try:
            content = response.content
        finally:
            response.close()  # what the server would have called: request_finished
        return [content]

    return application


def load_at_start() -> None:
    """Load what the first requests of a new server process would otherwise wait for:
    the URL configuration with every view module it imports, each of our templates
    compiled (with their tag libraries and context processors), the translations of
    every interface language, the cache and the SQL compiler. Without this a process's
    first statement page took 220 to 290 ms, and its first page in each other language
    75 ms more; with it about 56 and 31 ms (a warm page: about 9 ms; measured on the
    bench machine, 2026-11-30). It adds about 0.4 s and 10 MB to each server process's
    start."""
    from pathlib import Path

    from django.conf import settings
    from django.core.cache import caches
    from django.db import connection
    from django.template import engines
    from django.urls import get_resolver
    from django.utils.translation import trans_real

    import undersigned.statements.rendering  # noqa: F401 - markdown-it, 80 ms to import
    from undersigned.signatures.forms import SignForm

    get_resolver()._populate()
    engine = engines["django"]
    engine.engine.template_context_processors  # noqa: B018 - imports them
    for directory in engine.template_dirs:
        for path in sorted(Path(directory).rglob("*.html")):
            engine.get_template(path.relative_to(directory).as_posix())
    for code, _name in settings.LANGUAGES:
        trans_real.translation(code)
    caches["default"]  # noqa: B018 - imports its backend
    connection.ops.compiler("SQLCompiler")
    # What the sign form builds on first use, it builds in every thread that meets it
    # before one has finished: the first signatures after a start compiled Django's email
    # patterns and listed the countries dozens of times over (a tenth of a server
    # process's CPU in the first seconds of a sign run, py-spy).
    SignForm(
        {"kind": "person", "name": "A", "email": "a@example.org", "country": "FR", "consent": "on"}
    ).is_valid()
