"""Organizer accounts: staff users in the Organizers group, which holds what they may do."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from undersigned.core.audit import audit_record
from undersigned.core.text import clean_email

ORGANIZERS = "Organizers"
_ORGANIZER_PERMISSIONS = {
    "statements": [
        "add_statement",
        "change_statement",
        "view_statement",
        "add_series",
        "change_series",
        "view_series",
    ],
    "assembly": [
        "add_conference",
        "change_conference",
        "view_conference",
        "add_participant",
        "change_participant",
        "delete_participant",
        "view_participant",
        "add_delegate",
        "change_delegate",
        "delete_delegate",
        "view_delegate",
        "add_agendaitem",
        "change_agendaitem",
        "delete_agendaitem",
        "view_agendaitem",
        "add_session",
        "change_session",
        "delete_session",
        "view_session",
        "view_amendment",
        "view_ballot",
    ],
    "signatures": ["change_signature", "view_signature", "view_signaturecounter"],
    "core": ["view_auditentry"],
}


def organizers_group() -> Group:
    group, _created = Group.objects.get_or_create(name=ORGANIZERS)
    wanted = Permission.objects.filter(
        content_type__app_label__in=list(_ORGANIZER_PERMISSIONS),
        codename__in=[code for codes in _ORGANIZER_PERMISSIONS.values() for code in codes],
    )
    group.permissions.add(*wanted)
    return group


@transaction.atomic
def organizer_create(*, email: str, password: str | None = None) -> tuple[AbstractUser, str]:
    """Create (or update) an organizer. Returns the user and the password it now has."""
    email = clean_email(email)
    password = password or secrets.token_urlsafe(12)
    User = get_user_model()
    user, created = User.objects.get_or_create(username=email.casefold(), defaults={"email": email})
    validate_password(password, user)
    user.email = email
    user.is_staff = True
    user.is_active = True
    user.set_password(password)
    user.save()
    user.groups.add(organizers_group())
    audit_record(
        action="organizer.create" if created else "organizer.update",
        target=user,
        actor_label="cli",
        data={"email": email},
    )
    return user, password
