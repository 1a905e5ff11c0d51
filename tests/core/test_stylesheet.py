"""The stylesheet uses logical properties only, so right-to-left pages mirror by themselves."""

import re

from undersigned.core.catalogs import LOCALE_DIR

STYLESHEET = LOCALE_DIR.parent / "static" / "undersigned" / "site.css"
PHYSICAL = re.compile(
    r"^(?:(?:margin|padding|border|scroll-margin|scroll-padding)-(?:left|right|top|bottom)"
    r"(?:-[a-z]+)?|left|right|top|bottom|(?:min-|max-)?(?:width|height)"
    r"|border-(?:top|bottom)-(?:left|right)-radius)$"
)
SIDED_VALUES = re.compile(r"^(?:text-align|float|clear)$")


def _declarations() -> list[tuple[str, str]]:
    css = re.sub(r"/\*.*?\*/", "", STYLESHEET.read_text(), flags=re.S)
    found = []
    for block in re.findall(r"\{([^{}]*)\}", css):
        for declaration in block.split(";"):
            name, _sep, value = declaration.partition(":")
            if value:
                found.append((name.strip().lower(), value.strip().lower()))
    return found


def test_the_stylesheet_has_declarations():
    assert len(_declarations()) > 50


def test_no_physical_property_is_used():
    assert [name for name, _value in _declarations() if PHYSICAL.match(name)] == []


def test_no_side_is_named_in_alignment_or_floats():
    sided = [
        f"{name}: {value}"
        for name, value in _declarations()
        if SIDED_VALUES.match(name) and re.search(r"\b(left|right)\b", value)
    ]
    assert sided == []
