"""The UI's gettext catalogs: compiled at install and build time, checked by the tests.

Compiling with Babel, which is pure Python, means no machine needs GNU gettext to install
Undersigned; only translators refreshing the catalogs (`make messages`) do. This module
imports nothing from Django or the project, so the wheel build can use it.

    python -m undersigned.core.catalogs [LOCALE_DIR]     compile every django.po found
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


@dataclass
class CatalogReport:
    language: str
    total: int = 0
    untranslated: list[str] = field(default_factory=list)
    fuzzy: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.untranslated and not self.fuzzy


def _po_files(locale_dir: Path) -> list[Path]:
    return sorted(locale_dir.glob("*/LC_MESSAGES/django.po"))


def _read(path: Path):
    with open(path, "rb") as handle:
        return read_po(handle, locale=None, abort_invalid=True)


def _label(message) -> str:
    """The msgid, or the singular msgid of a plural entry."""
    return message.id if isinstance(message.id, str) else message.id[0]


def catalog_report(path: Path) -> CatalogReport:
    catalog = _read(path)
    report = CatalogReport(language=path.parent.parent.name)
    for message in catalog:
        if not message.id:
            continue  # the header
        report.total += 1
        label = _label(message)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            report.untranslated.append(label)
        if message.fuzzy:
            report.fuzzy.append(label)
    return report


def message_ids(path: Path) -> set[str]:
    """The msgids of a catalog (the singular of plural entries), header left out."""
    return {_label(message) for message in _read(path) if message.id}


def compile_catalogs(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Write django.mo beside every django.po; returns the files written. Fuzzy entries
    are left out, as msgfmt does."""
    written = []
    for path in _po_files(locale_dir):
        catalog = _read(path)
        target = path.with_suffix(".mo")
        with open(target, "wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        written.append(target)
    return written


def main(argv: list[str]) -> int:
    locale_dir = Path(argv[0]) if argv else LOCALE_DIR
    written = compile_catalogs(locale_dir)
    print(f"compiled {len(written)} catalogs in {locale_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
