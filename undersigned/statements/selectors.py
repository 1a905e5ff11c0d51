import time

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import Http404

from undersigned.statements.models import Statement


def _visible_to(statement: Statement, user: AbstractBaseUser | AnonymousUser) -> bool:
    """Published and closed statements are public; organizers also see drafts."""
    return statement.is_public or getattr(user, "is_staff", False)


def statement_get_visible(*, slug: str, user: AbstractBaseUser | AnonymousUser) -> Statement:
    """A published or closed statement; organizers also see drafts (as a preview). Else 404."""
    try:
        statement = Statement.objects.get(slug=slug)
    except Statement.DoesNotExist as exc:
        raise Http404 from exc
    if _visible_to(statement, user):
        return statement
    raise Http404


# slug -> (monotonic expiry, statement or None): see statement_get_for_signing.
_signing_cache: dict[str, tuple[float, Statement | None]] = {}
SIGNING_CACHE_SECONDS = 2.0


def statement_get_for_signing(*, slug: str, user: AbstractBaseUser | AnonymousUser) -> Statement:
    """statement_get_visible for the sign form, from a copy at most two seconds old kept
    in this process: a statement that goes viral is looked up a thousand times a second.
    The copy is only read, and a stale one is harmless: the signature writer checks in
    its own transaction that the statement still takes signatures."""
    now = time.monotonic()
    cached = _signing_cache.get(slug)
    if cached is None or cached[0] < now:
        if len(_signing_cache) > 1000:
            _signing_cache.clear()
        cached = (now + SIGNING_CACHE_SECONDS, Statement.objects.filter(slug=slug).first())
        _signing_cache[slug] = cached
    statement = cached[1]
    if statement is not None and _visible_to(statement, user):
        return statement
    raise Http404


def statement_signing_cache_clear() -> None:
    _signing_cache.clear()


def statement_get_public(*, slug: str) -> Statement:
    return statement_get_visible(slug=slug, user=AnonymousUser())


def statement_list_public() -> list[Statement]:
    return list(
        Statement.objects.filter(
            status__in=[Statement.Status.PUBLISHED, Statement.Status.CLOSED]
        ).order_by("-published_at")[:50]
    )
