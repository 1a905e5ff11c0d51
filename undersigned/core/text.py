"""Normalization and validation of text that people type: names, places, emails."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from anyascii import anyascii
from confusable_homoglyphs.utils import load as load_confusables_data
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
# What a line may not hold: the bidi controls, and the control characters (category Cc,
# which Unicode fixes as U+0000-U+001F and U+007F-U+009F) but tab, line feed and carriage
# return. One search in C: the same test character by character in Python was a tenth of
# the sign form's time.
_REFUSED_IN_LINE = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
    + "".join(f"\\u{ord(char):04x}" for char in sorted(BIDI_CONTROLS))
    + "]"
)
_ASCII_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


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
    refused = _REFUSED_IN_LINE.search(value)  # the first one decides which error
    if refused and refused.group() in BIDI_CONTROLS:
        raise ValidationError(
            _("Remove the hidden text-direction characters from this field."),
            code="bidi",
        )
    if refused:
        raise ValidationError(
            _("This field contains control characters, which are not allowed."),
            code="control",
        )
    inner = value.strip()
    if "\n" in inner or "\r" in inner:
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


def _has_control_or_format(text: str) -> bool:
    return any(unicodedata.category(char) in {"Cc", "Cf"} for char in text)


def clean_email(value: str) -> str:
    """Validate an email address (internationalized domains allowed); return it trimmed."""
    email = unicodedata.normalize("NFKC", value.strip())
    if not email or len(email) > 254:
        raise ValidationError(_("Enter a valid email address."), code="invalid")
    if _ASCII_CONTROL.search(email) if email.isascii() else _has_control_or_format(email):
        raise ValidationError(_("Enter a valid email address."), code="invalid")
    _email_validator(email)
    return email


# --- Keys for finding names across scripts and spotting lookalikes --------------------------

KEY_MAX_LENGTH = 400


def search_key(value: str) -> str:
    """The text in ASCII letters and digits, case-folded, words separated by one space:
    "Айсин" and "Aysin" both give "aysin", so a search typed on any keyboard finds both."""
    ascii_text = anyascii(unicodedata.normalize("NFKC", value)).casefold()
    return " ".join(re.findall(r"[a-z0-9]+", ascii_text))[:KEY_MAX_LENGTH]


@cache
def _prototypes() -> dict[str, str]:
    """Each character of Unicode's confusables list (as shipped by confusable-homoglyphs)
    mapped to one representative of the characters it can be mistaken for: the lowest
    code point among them, so Cyrillic "а" and Greek "α" both become Latin "a"."""
    data = load_confusables_data("confusables.json")
    prototypes: dict[str, str] = {}
    for char, lookalikes in data.items():
        singles = [item["c"] for item in lookalikes if len(item["c"]) == 1]
        prototypes[char] = min([char, *singles])
    # Settle chains (x -> y -> z) so that every member of a group gets the same one.
    for char, target in prototypes.items():
        while prototypes.get(target, target) != target:
            target = prototypes[target]
        prototypes[char] = target
    return prototypes


def confusable_skeleton(value: str) -> str:
    """What the text looks like, after the idea of Unicode's skeleton (UTS #39): two names
    with the same skeleton are hard to tell apart on screen, e.g. "Ahmet" typed with a
    Cyrillic "а". Case-folded, since moderators compare names, not case."""
    prototypes = _prototypes()
    decomposed = unicodedata.normalize("NFD", normalize_line(value).casefold())
    mapped = "".join(prototypes.get(char, char) for char in decomposed)
    return unicodedata.normalize("NFD", mapped)[:KEY_MAX_LENGTH]


def name_collated(field: str, language: str):
    """An expression that sorts `field` as `language` does: the ICU collation of that
    language on PostgreSQL (und-x-icu, the root order, for a language without one), the
    column itself elsewhere (SQLite compares code points)."""
    from django.db import connection
    from django.db.models import F
    from django.db.models.functions import Collate

    if connection.vendor != "postgresql":
        return F(field)
    return Collate(F(field), _icu_collation(language.split("-")[0].lower()))


@cache
def _icu_collation(language: str) -> str:
    from django.db import connection

    name = f"{language}-x-icu"
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_collation WHERE collname = %s", [name])
        return name if cursor.fetchone() else "und-x-icu"
