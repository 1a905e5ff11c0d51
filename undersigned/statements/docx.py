"""The paragraphs of a Word (DOCX) file as plain text lines, for the statement parser.

Read with the standard library (a DOCX file is a zip of XML parts), so no dependency is
needed for the one thing the parser wants: the text, paragraph by paragraph, with the list
numbers that Word draws itself ("1.", "a)", bullets) written out, because in a statement
they carry the structure (sections and their sub-items).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# A statement's document.xml is some hundred kilobytes; refuse a zip bomb before reading it.
MAX_PART_BYTES = 20 * 1024 * 1024


class DocxError(ValueError):
    """The file is not a DOCX document that can be read."""


@dataclass
class _Level:
    fmt: str = "decimal"
    text: str = "%1."
    start: int = 1


@dataclass
class _Numbering:
    """Word's list definitions and the counters of the lists met so far."""

    levels: dict[str, dict[int, _Level]] = field(default_factory=dict)
    counters: dict[str, list[int]] = field(default_factory=dict)

    def marker(self, num_id: str, level: int) -> str:
        levels = self.levels.get(num_id, {})
        counters = self.counters.setdefault(num_id, [0] * 9)
        if not 0 <= level < 9:
            return ""
        definition = levels.get(level, _Level())
        counters[level] = (counters[level] or definition.start - 1) + 1
        for deeper in range(level + 1, 9):
            counters[deeper] = 0
        if definition.fmt == "bullet":
            return "-"
        if definition.fmt == "none":
            return ""
        text = definition.text
        for index in range(level, -1, -1):
            value = counters[index] or levels.get(index, _Level()).start
            fmt = levels.get(index, _Level()).fmt
            text = text.replace(f"%{index + 1}", _format_number(value, fmt))
        return text


def _letters(value: int) -> str:
    # Word goes a..z, then aa..zz.
    letter = chr(ord("a") + (value - 1) % 26)
    return letter * ((value - 1) // 26 + 1)


def _roman(value: int) -> str:
    numerals = [
        (1000, "m"),
        (900, "cm"),
        (500, "d"),
        (400, "cd"),
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ]
    result = ""
    for number, numeral in numerals:
        while value >= number:
            result, value = result + numeral, value - number
    return result


def _format_number(value: int, fmt: str) -> str:
    formats = {
        "lowerLetter": _letters,
        "upperLetter": lambda number: _letters(number).upper(),
        "lowerRoman": _roman,
        "upperRoman": lambda number: _roman(number).upper(),
    }
    return formats.get(fmt, str)(value)


def _read_part(archive: zipfile.ZipFile, name: str) -> ElementTree.Element | None:
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > MAX_PART_BYTES:
        raise DocxError(f"{name} is too large ({info.file_size} bytes)")
    # The parts are the user's own file, parsed by expat, which expands no external
    # entities and limits entity expansion (billion laughs).
    return ElementTree.fromstring(archive.read(info))  # noqa: S314


def _attribute(element: ElementTree.Element | None, name: str, default: str = "") -> str:
    return default if element is None else element.get(f"{_W}{name}", default)


def _numbering(root: ElementTree.Element | None) -> _Numbering:
    numbering = _Numbering()
    if root is None:
        return numbering
    abstract: dict[str, dict[int, _Level]] = {}
    for definition in root.iter(f"{_W}abstractNum"):
        levels = {}
        for level in definition.iter(f"{_W}lvl"):
            start = _attribute(level.find(f"{_W}start"), "val", "1")
            levels[int(_attribute(level, "ilvl", "0"))] = _Level(
                fmt=_attribute(level.find(f"{_W}numFmt"), "val", "decimal"),
                text=_attribute(level.find(f"{_W}lvlText"), "val", ""),
                start=int(start) if start.isdigit() else 1,
            )
        abstract[_attribute(definition, "abstractNumId")] = levels
    for num in root.iter(f"{_W}num"):
        abstract_id = _attribute(num.find(f"{_W}abstractNumId"), "val")
        numbering.levels[_attribute(num, "numId")] = abstract.get(abstract_id, {})
    return numbering


def _paragraph_text(paragraph: ElementTree.Element) -> str:
    """The paragraph's own text: runs, tabs and line breaks, not the paragraphs of a text
    box inside it (document.iter() meets those on their own)."""
    parts = []
    for node in paragraph:
        if node.tag == f"{_W}p":
            continue
        if node.tag == f"{_W}t" and node.text:
            parts.append(node.text)
        elif node.tag == f"{_W}tab":
            parts.append("\t")
        elif node.tag in {f"{_W}br", f"{_W}cr"}:
            parts.append("\n")
        elif node.tag != f"{_W}pPr":
            parts.append(_paragraph_text(node))
    return "".join(parts)


def _list_marker(paragraph: ElementTree.Element, numbering: _Numbering) -> str:
    properties = paragraph.find(f"{_W}pPr/{_W}numPr")
    if properties is None:
        return ""
    num_id = _attribute(properties.find(f"{_W}numId"), "val")
    level = _attribute(properties.find(f"{_W}ilvl"), "val", "0")
    if not num_id or num_id == "0" or not level.isdigit():
        return ""
    return numbering.marker(num_id, int(level))


def docx_paragraphs(path: str | Path) -> list[str]:
    """The text of each body paragraph (tables included, in reading order), with Word's
    list numbers written in front ("3." "a)" "-")."""
    try:
        with zipfile.ZipFile(path) as archive:
            document = _read_part(archive, "word/document.xml")
            numbering = _numbering(_read_part(archive, "word/numbering.xml"))
    except (zipfile.BadZipFile, ElementTree.ParseError) as exc:
        raise DocxError(f"not a readable DOCX file: {exc}") from exc
    if document is None:
        raise DocxError("not a DOCX file: it has no word/document.xml")
    paragraphs = []
    for paragraph in document.iter(f"{_W}p"):
        text = _paragraph_text(paragraph)
        marker = _list_marker(paragraph, numbering) if text.strip() else ""
        paragraphs.append(f"{marker} {text}" if marker else text)
    return paragraphs


def docx_text(path: str | Path) -> str:
    """The document as text for the parser: a blank line between paragraphs, since each
    Word paragraph is a block of its own (Word spaces them by style, not by empty ones)."""
    return "\n\n".join(paragraph for paragraph in docx_paragraphs(path) if paragraph.strip())
