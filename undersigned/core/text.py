"""Normalization and validation of text that people type: names, places, emails."""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext_lazy as _

NAME_MAX_LENGTH = 200

# Bidirectional embedding, override and isolate controls: they can make a name display as
# something else than what it is ("Trojan Source").
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# A cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_PREFIXES = ("=", "+", "-", "@")
# Characters that draw nothing although Unicode does not file them as format or space.
_INVISIBLE_EXTRA = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f\u180e")
_WHITESPACE_RUN = re.compile(r"\s+")


def _is_invisible(char: str) -> bool:
    category = unicodedata.category(char)
    return (
        char.isspace()
        or category in {"Cf", "Zs", "Zl", "Zp", "Mn", "Me"}
        or char in _INVISIBLE_EXTRA
    )


def normalize_line(value: str) -> str:
    """NFC, with runs of white space folded to one space and the ends trimmed."""
    return _WHITESPACE_RUN.sub(" ", unicodedata.normalize("NFC", value)).strip()


def clean_line(value: str, *, max_length: int = NAME_MAX_LENGTH, required: bool = True) -> str:
    """Validate one line of a person's text (a name, a city, an affiliation).

    Refuses control characters, bidi controls, text made only of invisible characters and
    text that a spreadsheet would run as a formula. Returns the normalized text.
    """
    for char in value:
        if char in BIDI_CONTROLS:
            raise ValidationError(
                _("Remove the hidden text-direction characters from this field."),
                code="bidi",
            )
        if unicodedata.category(char) == "Cc" and char not in "\t\n\r":
            raise ValidationError(
                _("This field contains control characters, which are not allowed."),
                code="control",
            )
    if any(char in "\n\r" for char in value.strip()):
        raise ValidationError(_("Please keep this field on one line."), code="newline")
    text = normalize_line(value)
    if not text:
        if required:
            raise ValidationError(_("This field is required."), code="required")
        return ""
    if all(_is_invisible(char) for char in text):
        raise ValidationError(_("This field contains only invisible characters."), code="invisible")
    if text.startswith(FORMULA_PREFIXES):
        raise ValidationError(_("This field cannot start with =, +, - or @."), code="formula")
    if len(text) > max_length:
        raise ValidationError(
            _("Please use at most %(limit)d characters.") % {"limit": max_length},
            code="max_length",
        )
    return text


_email_validator = EmailValidator(message=_("Enter a valid email address."))


def normalize_email(value: str) -> str:
    """The form used for the one-signature-per-email rule: trimmed, NFKC, case-folded."""
    return unicodedata.normalize("NFKC", value.strip()).casefold()


def clean_email(value: str) -> str:
    """Validate an email address (internationalized domains allowed); return it trimmed."""
    email = unicodedata.normalize("NFKC", value.strip())
    if not email or len(email) > 254:
        raise ValidationError(_("Enter a valid email address."), code="invalid")
    if any(unicodedata.category(char) in {"Cc", "Cf"} for char in email):
        raise ValidationError(_("Enter a valid email address."), code="invalid")
    _email_validator(email)
    return email
