"""Checks on people's text: which characters a line and an email may not hold."""

import sys
import unicodedata

import pytest
from django.core.exceptions import ValidationError

from undersigned.core.text import BIDI_CONTROLS, clean_email, clean_line


def _refused_in_line(char: str) -> str | None:
    try:
        clean_line(f"a{char}b")
    except ValidationError as error:
        return error.code
    return None


def test_a_line_refuses_exactly_the_control_and_bidi_characters():
    # Every one of them is in the first plane: all of it, and a sample of the others.
    for point in [*range(0x10000), *range(0x10000, sys.maxunicode + 1, 257)]:
        char = chr(point)
        if char in BIDI_CONTROLS:
            expected = "bidi"
        elif unicodedata.category(char) == "Cc" and char not in "\t\n\r":
            expected = "control"
        elif char in "\n\r":
            expected = "newline"
        else:
            expected = None
        assert _refused_in_line(char) == expected, hex(point)


def test_the_first_refused_character_decides_the_message():
    with pytest.raises(ValidationError) as bidi_first:
        clean_line("a\u202eb\x07c")
    with pytest.raises(ValidationError) as control_first:
        clean_line("a\x07b\u202ec")
    assert (bidi_first.value.code, control_first.value.code) == ("bidi", "control")


@pytest.mark.parametrize("char", ["\x00", "\x1f", "\x7f", "\x85", "\u200b", "\u2066", "\ufeff"])
def test_an_email_with_a_control_or_format_character_is_refused(char):
    with pytest.raises(ValidationError):
        clean_email(f"ana{char}@example.org")


def test_an_internationalized_email_is_taken():
    assert clean_email(" ana@exämple.org ") == "ana@exämple.org"
