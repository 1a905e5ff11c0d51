from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import Http404

from undersigned.statements.models import Statement


def statement_get_visible(*, slug: str, user: AbstractBaseUser | AnonymousUser) -> Statement:
    """A published or closed statement; organizers also see drafts (as a preview). Else 404."""
    try:
        statement = Statement.objects.get(slug=slug)
    except Statement.DoesNotExist as exc:
        raise Http404 from exc
    if statement.is_public or getattr(user, "is_staff", False):
        return statement
    raise Http404


def statement_get_public(*, slug: str) -> Statement:
    return statement_get_visible(slug=slug, user=AnonymousUser())


def statement_list_public() -> list[Statement]:
    return list(
        Statement.objects.filter(
            status__in=[Statement.Status.PUBLISHED, Statement.Status.CLOSED]
        ).order_by("-published_at")[:50]
    )
