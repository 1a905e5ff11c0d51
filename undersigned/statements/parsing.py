"""Read a statement as it was published (plain text, Markdown or DOCX paragraphs) into
structure: its titles per language, numbered sections with their lettered sub-items,
paragraphs, lists, headings and the closing signature line ("Signed by the participating
organizations", "— Conference Secretariat, Istanbul"), and the list of signatories at
its end.

Statements reach organizers as Word files, PDFs copied to text or e-mails, so the parser
expects stray spacing, typographic quotes and hand-made numbering, and it never guesses
silently: a line it cannot read with confidence is returned in ``unparsed`` so that a
person can look at it. It saves nothing and needs no database; only the country names
(django_countries, Babel) and the name rules of ``undersigned.core.text`` are used.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError

from undersigned.core.text import clean_line

# --- text normalization -----------------------------------------------------------------------

# Curly quotes become straight ones for reading structure and for names, so that they compare
# equal however they were typed; the text of a statement keeps its own quotes (tidy_text).
# Guillemets stay: they are how French, Russian or Greek quote, not a typographic accident.
# Every quote maps to one character, so a position in the tidied text is the same position
# in the normalized one.
_QUOTES = str.maketrans(
    {
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
    }
)
# Zero-width characters that word processors leave behind; they carry no text. The zero
# width non-joiner (U+200C) is not among them: Persian spelling needs it.
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u2060\ufeff\u00ad"))
_SPACES = re.compile(r"[^\S\r\n]+")
_SPACE_BEFORE_PUNCTUATION = re.compile(r" +(?=[,.)\]])")
_SPACE_BEFORE_MARK = re.compile(r" +(?=[;:!?](?:\s|$))")
_SPACE_AFTER_OPENING = re.compile(r"(?<=[(\[]) +")
_SPACE_INSIDE_QUOTES = re.compile(r"(?<=[\u201c\u201e\u2018]) +| +(?=[\u201d\u2019])")


def tidy_text(value: str) -> str:
    """One line with its stray spacing tidied and its typography kept: NFC, single spaces,
    no space inside quotes or before a comma or full stop. Words are never changed."""
    text = unicodedata.normalize("NFC", value).translate(_ZERO_WIDTH)
    text = _SPACES.sub(" ", text).strip()
    text = _SPACE_INSIDE_QUOTES.sub("", text)
    text = _SPACE_BEFORE_PUNCTUATION.sub("", text)
    return _SPACE_AFTER_OPENING.sub("", text)


def plain_quotes(text: str) -> str:
    """The text with straight quotes instead of curly ones, and of the same length."""
    return text.translate(_QUOTES)


def normalize_text(value: str) -> str:
    """One line with its typography made regular, for reading structure and comparing
    names: tidy_text, and straight quotes. Words are never changed."""
    return plain_quotes(tidy_text(value))


# Letters written two ways: the Turkish dotless i, Arabic and Persian yeh and kaf, teh
# marbuta; the tatweel only stretches a word and a full stop ends an abbreviation.
_FOLD_LETTERS = str.maketrans({"ı": "i", "ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "ـ": "", ".": " "})


def fold(value: str) -> str:
    """A key for comparing words across spellings: case, accents, Arabic vowel marks and
    the letter variants above do not count."""
    text = unicodedata.normalize("NFKD", value.casefold())
    text = "".join(char for char in text if unicodedata.category(char) not in {"Mn", "Cf"})
    return " ".join(text.translate(_FOLD_LETTERS).split())


# --- language detection -----------------------------------------------------------------------

# Languages that lingua tells apart among texts in the Latin script. Restricting it to the
# interface languages (and German, common among signatories) keeps short titles right:
# every extra candidate is one more way to be wrong about eight words.
_LATIN_LANGUAGES = ("en", "tr", "it", "es", "fr", "pt", "de")
_CYRILLIC_LANGUAGES = ("ru", "uk")
# Letters of the Persian alphabet that Arabic does not use; Sorani Kurdish has its own.
_PERSIAN_LETTERS = frozenset("پچژگکی")
_SORANI_LETTERS = frozenset("ەڕڵۆێ")
_UKRAINIAN_LETTERS = frozenset("іїєґ")
_RUSSIAN_LETTERS = frozenset("ыэъё")
# Kurmanji (Latin script) is unknown to lingua. Its circumflexed vowels ê, î, û occur in
# French and Portuguese too, and ş in Turkish, but only Kurmanji has both (Turkish writes
# î in "millî", "siyasî", so it is only a hint); and a few of its short words occur in no
# other candidate language.
_KURMANJI_VOWELS = frozenset("êîû")
_KURMANJI_ONLY_VOWELS = frozenset("êû")
_KURMANJI_WORDS = frozenset({"û", "jî", "ji", "bo", "ên", "yên", "li", "bi", "ku", "ya", "yê"})
_KURMANJI_STRONG_WORDS = frozenset({"û", "jî", "ên", "yên", "yê"})
_WORD = re.compile(r"[^\W\d_]+")


def _script_of(char: str) -> str | None:
    code = ord(char)
    if 0x0530 <= code <= 0x058F or 0xFB13 <= code <= 0xFB17:
        return "armenian"
    if 0x0370 <= code <= 0x03FF or 0x1F00 <= code <= 0x1FFF:
        return "greek"
    if 0x0400 <= code <= 0x052F:
        return "cyrillic"
    if 0x0600 <= code <= 0x06FF or 0x0750 <= code <= 0x077F or 0xFB50 <= code <= 0xFEFF:
        return "arabic"
    if (char.isalpha() and code < 0x0250) or 0x1E00 <= code <= 0x1EFF:
        return "latin"
    return "other" if char.isalpha() else None


def main_script(text: str) -> str | None:
    counts: dict[str, int] = {}
    for char in text:
        script = _script_of(char)
        if script:
            counts[script] = counts.get(script, 0) + 1
    return max(counts, key=counts.__getitem__) if counts else None


_SCRIPT_OF_LANGUAGE = {
    "hy": "armenian",
    "el": "greek",
    **dict.fromkeys(("ar", "fa", "ckb", "ur", "ps"), "arabic"),
    **dict.fromkeys(("ru", "uk", "bg", "sr", "mk", "be", "kk", "ky"), "cyrillic"),
}


def language_script(language: str) -> str:
    """The script a language is written in, as main_script names it (Latin unless known)."""
    return _SCRIPT_OF_LANGUAGE.get((language or "").split("-")[0], "latin")


def _is_kurmanji(text: str) -> bool:
    """Kurmanji by its letters or its short words, which must also be frequent: one Kurdish
    slogan does not make an English paragraph Kurdish."""
    words = _WORD.findall(text.casefold())
    kurdish = [word for word in words if word in _KURMANJI_WORDS or _KURMANJI_VOWELS & set(word)]
    if not words or len(kurdish) * 10 < len(words):
        return False
    letters = any("ş" in word for word in words) and any(
        _KURMANJI_ONLY_VOWELS & set(word) for word in kurdish
    )
    strong = any(word in _KURMANJI_STRONG_WORDS for word in kurdish)
    return letters or strong or len(set(kurdish) & _KURMANJI_WORDS) >= 2


@cache
def _lingua_detector(codes: tuple[str, ...]) -> Any:
    """Built once per set of candidates; lingua loads each language model on first use,
    from the installed package (nothing is fetched)."""
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    isos = [getattr(IsoCode639_1, code.upper()) for code in codes]
    return LanguageDetectorBuilder.from_iso_codes_639_1(*isos).build()


def _lingua(text: str, codes: tuple[str, ...]) -> str | None:
    language = _lingua_detector(codes).detect_language_of(text)
    return language.iso_code_639_1.name.lower() if language else None


@lru_cache(maxsize=2048)
def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of a text's language (``ku`` for Kurmanji, ``ckb`` for Sorani),
    or None when it has no letters or only letters of scripts it does not read (Hebrew,
    Chinese...).

    The script decides wherever it can (Armenian, Greek, Persian against Arabic), because
    a rule on letters is certain where a statistical model on a short title is not.
    """
    script = main_script(text)
    letters = set(text.casefold())
    if script is None or script == "other":
        return None
    if script == "armenian":
        return "hy"
    if script == "greek":
        return "el"
    if script == "arabic":
        if letters & _SORANI_LETTERS:
            return "ckb"
        return "fa" if letters & _PERSIAN_LETTERS else "ar"
    if script == "cyrillic":
        if letters & _UKRAINIAN_LETTERS:
            return "uk"
        if letters & _RUSSIAN_LETTERS:
            return "ru"
        return _lingua(text, _CYRILLIC_LANGUAGES)
    if _is_kurmanji(text):
        return "ku"
    return _lingua(text, _LATIN_LANGUAGES)


# --- countries --------------------------------------------------------------------------------

# The interface languages, in which a signatory list may name countries, then the
# languages of countries that signatories often come from, for the names people give their
# own country (Deutschland, Nederland, Polska). Earlier languages win a clash of names.
UI_LANGUAGES = ("en", "tr", "ku", "ar", "fa", "hy", "el", "it", "es", "fr", "pt", "ru", "uk")
COUNTRY_NAME_LANGUAGES = (*UI_LANGUAGES, "de", "nl", "sv", "da", "nb", "pl")
# Names that CLDR does not give but people write. None: a place without a country code,
# which is a country all the same for a signatory list (the line is read, the code is
# left empty rather than made up).
COUNTRY_ALIASES: dict[str, str | None] = {
    "USA": "US",
    "U.S.A.": "US",
    "U.S.": "US",
    "United States of America": "US",
    "America": "US",
    "ABD": "US",
    "UK": "GB",
    "U.K.": "GB",
    "Great Britain": "GB",
    "Britain": "GB",
    "England": "GB",
    "Scotland": "GB",
    "Wales": "GB",
    "Northern Ireland": "GB",
    "İngiltere": "GB",
    "Angleterre": "GB",
    "Inghilterra": "GB",
    "Inglaterra": "GB",
    "Англия": "GB",
    "Turkey": "TR",
    "Türkiye": "TR",
    "Turkiye": "TR",
    "Tirkiye": "TR",
    "Holland": "NL",
    "Hollanda": "NL",
    "Czech Republic": "CZ",
    "Ivory Coast": "CI",
    "Palestine": "PS",
    "State of Palestine": "PS",
    "Filistin": "PS",
    "Filîstîn": "PS",
    "Palestina": "PS",
    "Palestinë": "PS",
    "فلسطين": "PS",
    "فلسطین": "PS",
    "Παλαιστίνη": "PS",
    "Պաղեստին": "PS",
    "Палестина": "PS",
    "Macedonia": "MK",
    "Makedonya": "MK",
    "Kurdistan": None,
    "Kürdistan": None,
    "Kurdistana": None,
    "Curdistão": None,
    "Curdistán": None,
    "Kurdistán": None,
    "Курдистан": None,
    "Κουρδιστάν": None,
    "Քրդստան": None,
    "كردستان": None,
    "کوردستان": None,
    "Rojava": None,
    "Bakur": None,
    "Başûr": None,
    "Rojhilat": None,
    "Rojhelat": None,
    "Kosovo": None,
    "Kosova": None,
    "International": None,
    "Internationale": None,
    "Internazionale": None,
    "Internacional": None,
    "Uluslararası": None,
    "Navneteweyî": None,
    "Global": None,
    "Worldwide": None,
    "Europe": None,
    "Avrupa": None,
    "Europa": None,
}


@cache
def _country_index() -> dict[str, str | None]:
    """Folded country name -> ISO code, in every interface language.

    Only codes that django_countries knows are kept, so a code found here is one a
    signature can store. Where two languages fold two different countries to one key,
    the first language in COUNTRY_NAME_LANGUAGES wins; aliases win over all.
    """
    from babel import Locale
    from django.utils import translation
    from django_countries import countries

    with translation.override("en"):
        english = {code: str(name) for code, name in countries}
    index: dict[str, str | None] = {}
    for code, name in english.items():
        index.setdefault(fold(name), code)
    for language in COUNTRY_NAME_LANGUAGES:
        for code, name in Locale.parse(language).territories.items():
            if code in english:
                index.setdefault(fold(name), code)
    for alias, code in COUNTRY_ALIASES.items():
        index[fold(alias)] = code
    return index


_NOT_A_COUNTRY = object()


def lookup_country(value: str) -> str | None | object:
    """The ISO 3166-1 alpha-2 code of a country named in any interface language (or by its
    code, in capitals); None for a known place without a code (Kurdistan);
    ``_NOT_A_COUNTRY`` when unknown."""
    text = value.strip().strip(",;")
    key = fold(text)
    index = _country_index()
    for candidate in (key, key.removeprefix("the ")):
        if candidate in index:
            return index[candidate]
    if re.fullmatch(r"[A-Z]{2}", text):
        from django_countries import countries

        if text in countries:
            return text
    return _NOT_A_COUNTRY


def resolve_country(value: str) -> str | None:
    """The ISO code of a country name in any interface language, or None."""
    code = lookup_country(value)
    return None if code is _NOT_A_COUNTRY else code  # type: ignore[return-value]


def is_country(value: str) -> bool:
    return lookup_country(value) is not _NOT_A_COUNTRY


# --- signatories ------------------------------------------------------------------------------

# Stems of words that mark an organization, folded (see fold()). A word of the name that
# is a stem plus at most four letters counts: Turkish, Kurdish, Greek, Armenian and the
# Slavic languages inflect (Derneği, Dernekleri, Ассоциация, Συλλόγου), while a longer
# tail makes another word, often a surname (Chamberlain).
_ORGANIZATION_STEMS = """
association union federation federal network committee council foundation initiative
movement group centre center platform collective assembly organisation organization
alliance coalition league institute society cooperative confederation forum campaign
coordination solidarity syndicate commission observatory
dernek derneg sendika federasyon partisi platform birlig vakf meclis inisiyatif hareket
konfederasyon odasi kolektif merkez komite kooperatif grubu toplulug cephe konsey enstitu
kampanya dayanisma girisim orgut
komele yekit partiya tevger navend weqf encumen rexistin kongre
syndicat federation reseau comite conseil fondation mouvement groupe plateforme collectif
assemblee ligue coordination
associazione sindacat federazion partito comitato consiglio fondazione movimento gruppo
centro piattaforma collettivo assemblea coordinamento unione iniziativa circolo
asociacion sindicato federacion partido consejo fundacion movimiento grupo plataforma
colectivo asamblea coordinadora frente
associacao federacao conselho fundacao coletivo assembleia uniao
verein verband bundnis gewerkschaft netzwerk stiftung partei gruppe zentrum komitee
ассоциац союз парти федерац комитет движени объединени сеть центр фонд совет профсоюз
организац инициатив коалиц
асоціац спілк мереж комітет профспілк організац ініціатив
ομοσπονδ συλλογ κινημ ενωσ κομμ δικτυ επιτροπ συνδικ πρωτοβουλ οργανωσ κεντρ ιδρυμ
συμβουλ συνελευσ πλατφορμ συνασπισμ
միություն ասոցիացիա կուսակցություն կոմիտե խորհուրդ հիմնադրամ շարժում ցանց կենտրոն
նախաձեռնություն կազմակերպություն ֆեդերացիա
"""
# Whole words only: as stems they would take in names (Redford, Partington, Komar...).
_ORGANIZATION_WHOLE_WORDS = """party parties club chamber front trust office project bureau
agency ngo red rete rede rat bund koma tor tora ag agi ev inc ltd gmbh ggmbh рух рада"""
_ORGANIZATION_WORDS = frozenset(_ORGANIZATION_WHOLE_WORDS.split())
_ORGANIZATION_ARABIC = (
    "جمعیه",
    "جمعیت",
    "اتحاد",
    "حزب",
    "منظمه",
    "لجنه",
    "مجلس",
    "موسسه",
    "حرکه",
    "شبکه",
    "نقابه",
    "مرکز",
    "تجمع",
    "رابطه",
    "مبادره",
    "انجمن",
    "سازمان",
    "کمیته",
    "شورا",
    "بنیاد",
    "جنبش",
    "سندیکا",
    "کانون",
    "ائتلاف",
    "ایتلاف",
)
# Lower-case words allowed inside a person's name.
_NAME_PARTICLES = frozenset(
    {"de", "da", "das", "do", "dos", "del", "della", "di", "du", "la", "le", "van", "von"}
    | {"der", "den", "ter", "bin", "ibn", "al", "el", "y", "e", "ben", "bint", "zu", "af"}
)
_HONORIFICS = re.compile(r"^(?:(?:prof|dr|doç|av|mr|mrs|ms|mme|m|sr|sra|dott|ssa)\.\s*)+", re.I)


@cache
def _organization_stems() -> frozenset[str]:
    return frozenset(fold(stem) for stem in _ORGANIZATION_STEMS.split())


def _is_organization_name(name: str) -> bool:
    folded = fold(name)
    if any(fold(word) in folded for word in _ORGANIZATION_ARABIC):
        return True
    words = re.findall(r"[^\W_]+", folded)
    if any(word in _ORGANIZATION_WORDS for word in words):
        return True
    stems = _organization_stems()
    return any(word[: len(word) - tail] in stems for word in words for tail in range(5))


def _capitalized(word: str) -> bool:
    """True for a word that starts with a capital, or with a letter of a script that has
    no case (Arabic, Persian): a name in those scripts cannot be told by its capitals."""
    first = next((char for char in word if char.isalpha()), "")
    return bool(first) and not first.islower()


def _is_acronym(name: str) -> bool:
    return bool(re.fullmatch(r"[A-ZÇĞİÖŞÜ0-9&.\-]{2,12}", name)) and any(c.isalpha() for c in name)


def guess_kind(name: str) -> str:
    """person or organization, from the name alone.

    An organization keyword in any interface language wins; an acronym is an organization;
    two to four capitalized words (with particles such as "de" or "van") are a person;
    anything else is taken for an organization, whose names are the longer ones.
    """
    if _is_organization_name(name) or _is_acronym(name):
        return "organization"
    words = _HONORIFICS.sub("", name).replace("-", " ").split()
    named = [word for word in words if word.casefold() not in _NAME_PARTICLES]
    if 2 <= len(named) <= 4 and all(_capitalized(word) for word in named):
        return "person"
    return "organization"


def _looks_like_a_name(name: str) -> bool:
    """A name, not a sentence: short, and mostly capitalized unless it names an organization
    (French and Spanish organizations are written in sentence case)."""
    words = name.split()
    if not words or len(words) > 16 or not any(char.isalpha() for char in name):
        return False
    if _is_organization_name(name):
        return True
    named = [word for word in words if word.casefold() not in _NAME_PARTICLES]
    capitalized = sum(1 for word in named if _capitalized(word))
    return capitalized * 2 > len(named)


@dataclass
class Signatory:
    name: str
    kind: str
    country: str | None
    affiliation: str | None
    city: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "country": self.country,
            "affiliation": self.affiliation,
            "city": self.city,
        }


_LIST_MARKER = re.compile(r"^(?:[-*+•·▪◦‣►–—]\s*|\(?\d{1,4}\s?[.)\-–]\s*|\(\d{1,4}\)\s*)")
_PARENTHESIS_AT_END = re.compile(r"^(?P<head>.*?)\s*\((?P<inner>[^()]*)\)\s*[.,;]?$")
_DASH = re.compile(r"\s*[–—‒―]\s*|\s+-\s+")


def _strip_list_marker(text: str) -> str:
    return _LIST_MARKER.sub("", text, count=1)


def _split_place(inner: str) -> tuple[bool, str | None, str | None, str | None]:
    """Read "(Country)", "(City, Country)" or "(Country – Network)".

    Returns whether a country was found, its code, the city and the network. The network
    may also stand first: "(Network – Country)".
    """
    parts = _DASH.split(inner.strip(), maxsplit=1)
    candidates = [parts] if len(parts) == 1 else [parts, parts[::-1]]
    for place, *rest in candidates:
        pieces = [piece.strip() for piece in place.split(",") if piece.strip()]
        found = [piece for piece in pieces if is_country(piece)]
        if len(found) == 1:
            city = ", ".join(piece for piece in pieces if piece != found[0]) or None
            network = rest[0].strip() if rest and rest[0].strip() else None
            return True, resolve_country(found[0]), city, network
    return False, None, None, None


def _validated(value: str | None) -> str | None:
    """The project's rules for a person's text (clean_line); None when empty."""
    if value is None:
        return None
    return clean_line(value, required=False) or None


def parse_signatory(line: str, *, require_country: bool = True) -> Signatory | None:
    """One signatory from one line, or None when the line cannot be read with confidence.

    Formats: "Name (Country)", "Group: Name (Country)", "Organization (Country – Network)"
    and "Name (City, Country)", maybe numbered or bulleted. Without ``require_country``
    (under a "Signatories" heading) a bare "Name" or "Group: Name" is read too.
    """
    text = _strip_list_marker(normalize_text(line)).rstrip(",;")
    country = city = network = None
    match = _PARENTHESIS_AT_END.match(text)
    if match:
        found, country, city, network = _split_place(match.group("inner"))
        if not found:
            return None
        text = match.group("head")
    elif "(" in text or ")" in text or require_country:
        return None
    group, sep, name = text.partition(":")
    if not sep:
        group, name = "", text
    affiliation = ", ".join(part for part in (group.strip(), network) if part) or None
    try:
        name = clean_line(name.strip().rstrip("."))
        affiliation = _validated(affiliation)
        city = _validated(city)
    except ValidationError:
        return None
    if not _looks_like_a_name(name):
        return None
    return Signatory(name, guess_kind(name), country, affiliation, city)


# Beginnings of words that head a signatory list, folded, in the interface languages.
_SIGNATORIES_HEADINGS = """signator signatur signed signers undersigned imzaci imzalayan imzalar
imzeker imzekar signataire firmatari firmante firmas signatario assinatura assinante
подписант подписи підписант підписи υπογραφ ստորագր الموقع التوقيع امضا"""
_SIGNATORIES_HEADING_STEMS = tuple(fold(stem) for stem in _SIGNATORIES_HEADINGS.split())


def _is_signatories_heading(text: str) -> bool:
    """A short line such as "Signatories:", "## İmzacılar", "List of signatories" or
    "**Signataires**"; "Why we collect signatures" is a heading of the body."""
    stripped = re.sub(r"^#+\s*|[*_:#]+", "", text).strip()
    words = re.findall(r"[^\W_]+", fold(stripped))
    if not words or len(words) > 4 or stripped.endswith((".", "!", "?")):
        return False
    return any(word.startswith(_SIGNATORIES_HEADING_STEMS) for word in words[:3])


# --- body structure ---------------------------------------------------------------------------


@dataclass
class Block:
    kind: str  # heading, section, item, paragraph, list or closing (the signature line)
    text: str
    number: str | None = None
    marker: str | None = None
    children: list[Block] = field(default_factory=list)
    lines: list[str] = field(default_factory=list, repr=False)
    key: str | None = None  # the stored block this one continues, where known

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "number": self.number,
            "marker": self.marker,
            "text": self.text,
            "children": [child.as_dict() for child in self.children],
        }

    def add_line(self, text: str) -> None:
        self.lines.append(text)
        self.text = f"{self.text} {text}".strip()


_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+(?P<text>.*?)[\s#]*$")
_BOLD_LINE = re.compile(r"^(\*\*|__)(?P<text>[^*_]+?)\1:?$")
# "1.", "2)", "3-", "(4)". Directly followed by a letter, or by white space: "1.5 million"
# and "3-4 people" are no sections.
_SECTION = re.compile(
    r"^(?P<marker>(?P<number>\d{1,3})\s?[.)\-–—]|\((?P<pnumber>\d{1,3})\))"
    r"(?:\s+|(?=[^\W\d_]))(?P<text>\S.*)$"
)
# "a-", "b)", "(c)", "d." (also Greek and Cyrillic letters), always followed by a space:
# "e-mail" and "e.g." are words.
_LETTER = r"[a-zα-ωа-я]"
_ITEM = re.compile(
    rf"^(?P<marker>\((?P<pletter>{_LETTER})\)|(?P<letter>{_LETTER})\s?[.)\-–—])\s+(?P<text>\S.*)$"
)
_BULLET = re.compile(r"^(?P<marker>[-*+–—]|[•·▪◦‣►])(?:\s+|(?<=[•·▪◦‣►]))(?P<text>\S.*)$")
_SENTENCE_END = (".", ",", ";", ":", "!", "?", "…", "؟", "։", "·")


def _exclamatory(text: str) -> bool:
    return len(text) <= 120 and plain_quotes(text).rstrip("\"')»").endswith(("!", "¡"))


def _title_like(text: str) -> bool:
    """A short line that reads as a heading: no closing punctuation, and set in capitals,
    title case or a few words."""
    words = text.split()
    if not words or len(text) > 80 or len(words) > 10 or text.endswith(_SENTENCE_END):
        return False
    if not _capitalized(words[0]):
        return False
    letters = [char for char in text if char.isalpha()]
    if letters and all(not char.islower() for char in letters):
        return True
    significant = [word for word in words if len(word) > 3]
    titled = sum(1 for word in significant if _capitalized(word))
    return len(words) <= 5 or titled == len(significant)


class _BodyBuilder:
    """Reads body lines one by one into blocks, keeping track of the open section (which
    takes lettered items) and of the block that a wrapped line continues."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.section: Block | None = None
        self.current: Block | None = None
        self.after_blank = True

    def blank(self) -> None:
        self.after_blank = True
        self.current = None

    def add(self, line: _Line) -> None:
        """Read one non-blank line: its normalized text decides the structure, and the
        blocks take their text from its typeset form (same positions, its own quotes)."""
        handled = (
            self._heading(line) or self._section(line) or self._item(line) or self._bullet(line)
        )
        if not handled:
            self._text(line)
        self.after_blank = False

    def _top(self, block: Block) -> Block:
        self.blocks.append(block)
        self.current = block
        return block

    def _heading(self, line: _Line) -> bool:
        match = _MARKDOWN_HEADING.match(line.text) or _BOLD_LINE.match(line.text)
        if not match:
            return False
        self.section = None
        self._top(Block("heading", _typeset(match, line).strip(), lines=[line.typeset]))
        self.current = None
        return True

    def _section(self, line: _Line) -> bool:
        match = _SECTION.match(line.text)
        if not match:
            return False
        number = match.group("number") or match.group("pnumber")
        marker = _typeset(match, line, "marker")
        block = Block("section", _typeset(match, line), number, marker, lines=[line.typeset])
        self.section = self._top(block)
        return True

    def _item(self, line: _Line) -> bool:
        match = _ITEM.match(line.text)
        if not match:
            return False
        letter = match.group("letter") or match.group("pletter")
        marker = _typeset(match, line, "marker")
        item = Block("item", _typeset(match, line), letter, marker, lines=[line.typeset])
        if self.section is not None and self.blocks and self.blocks[-1] is self.section:
            self.section.children.append(item)
            self.current = item
        else:
            self.section = None
            self._top(item)
        return True

    def _bullet(self, line: _Line) -> bool:
        match = _BULLET.match(line.text)
        if not match:
            return False
        marker = _typeset(match, line, "marker")
        item = Block("item", _typeset(match, line), None, marker, lines=[line.typeset])
        if line.indent and self.section is not None and self.blocks[-1] is self.section:
            siblings = self.section.children
            if not siblings or siblings[-1].kind != "list":
                siblings.append(Block("list", ""))
            siblings[-1].children.append(item)
        else:
            if not self.blocks or self.blocks[-1].kind != "list":
                self.section = None
                self.blocks.append(Block("list", ""))
            self.blocks[-1].children.append(item)
        self.current = item
        return True

    def _text(self, line: _Line) -> None:
        text = line.typeset
        if self.current is not None and not self.after_blank:
            self.current.add_line(text)
        elif line.indent and self.section is not None and self.blocks[-1] is self.section:
            self.current = Block("paragraph", text, lines=[text])
            self.section.children.append(self.current)
        else:
            self.section = None
            self._top(Block("paragraph", text, lines=[text]))


def _typeset(match: re.Match[str], line: _Line, group: str = "text") -> str:
    """A group matched in a line's normalized text, taken from its typeset form."""
    return line.typeset[match.start(group) : match.end(group)]


def _slogans(block: Block) -> bool:
    return block.kind == "paragraph" and all(_exclamatory(line) for line in block.lines)


# How a closing signature line opens, in the interface languages: stems of its first
# words, folded (see fold()), each matching the start of one word ("the undersign" reads
# "The undersigned organizations"); a stem ending in $ is a whole word ("firman", they
# sign, and not "firmantes", signatories). "Signatories:" and its kin
# (_is_signatories_heading) close a text too when no list follows them; above a list
# they are its heading.
_CLOSING_OPENINGS = """
signed | undersign | the undersign | we the undersign | on behalf of
signe$ | soussign | les soussign | les organisations soussign | au nom d
firmado | firman$ | en nombre d | los abajo firmant | las abajo firmant
firmato | i sottoscritt | le sottoscritt | a nome d | per conto d
assinado | assinam | em nome d | os abaixo assinad | as abaixo assinad
unterzeichne | die unterzeichne | im namen
asagida imza | imza sahib
подписал | от имени | підписал | від імені | εκ μερους | για λογαριασμο
باسم | نيابه عن | از طرف | از سوی | به نمایندگی
"""
_CLOSING_OPENING_STEMS = tuple(
    tuple(fold(opening).split())
    for opening in _CLOSING_OPENINGS.replace("\n", "|").split("|")
    if opening.strip()
)
# ... or how it ends: "Konferans Sekreterliği adına" (on behalf of the secretariat).
_CLOSING_ENDINGS = frozenset(fold(word) for word in ("adına", "namına", "անունից"))
# Dashes that set an attribution apart: "— Conference Secretariat, Istanbul, 12 May 2024".
# A hyphen is a bullet too often to count.
_ATTRIBUTION_DASHES = frozenset("—–")
_CLOSING_MAX_CHARS = 160


def _closing_words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", fold(plain_quotes(text)))


def _is_attribution(text: str) -> bool:
    """A line that opens (or, in Turkish or Armenian, ends) as an attribution does:
    "Signed by…", "The undersigned…", "On behalf of…", "… adına"."""
    words = _closing_words(text)
    if words and words[-1] in _CLOSING_ENDINGS:
        return True
    return any(
        len(words) >= len(stems)
        and all(
            # A short stem ("a", "le", "of") is a whole word, unless it ends the opening
            # ("au nom d" reads "au nom de", "au nom des").
            word == stem.rstrip("$")
            if stem.endswith("$") or (len(stem) <= 3 and not last)
            else word.startswith(stem)
            for word, stem, last in zip(
                words, stems, [False] * (len(stems) - 1) + [True], strict=False
            )
        )
        for stems in _CLOSING_OPENING_STEMS
    )


def _short_line(text: str, *, words: int) -> bool:
    return 0 < len(text) <= _CLOSING_MAX_CHARS and len(text.split()) <= words


def is_closing_line(text: str) -> bool:
    """A short line that signs the text off: an attribution ("Signed by the participating
    organizations", "The undersigned organizations:", "On behalf of the secretariat") or
    a "Signatories:" line with no list below it. It is not closed like a sentence (a
    colon or a comma may end it): "The undersigned organizations call for peace." is the
    text's last paragraph, not its signature line."""
    bare = plain_quotes(text).strip().strip("*_").strip()
    if not _short_line(bare, words=12) or bare.endswith((".", "!", "?", ";", "…", "؟", "¡")):
        return False
    return _is_attribution(bare) or _is_signatories_heading(bare)


def _closing_block(block: Block) -> Block | None:
    """The last block of a body as its closing signature line, if it reads as one: a
    one-line paragraph (is_closing_line), or a one-line item set apart by a dash,
    "— Conference Secretariat, Istanbul, 12 May 2024", alone in its list. Neither ends
    with a full stop: that is how a person keeps such a line an ordinary paragraph."""
    if block.kind == "paragraph" and len(block.lines) == 1 and is_closing_line(block.text):
        return Block("closing", block.text, lines=list(block.lines))
    if block.kind != "list" or len(block.children) != 1:
        return None
    item = block.children[0]
    text = plain_quotes(item.text)
    if (
        item.marker in _ATTRIBUTION_DASHES
        and len(item.lines) == 1
        and _short_line(text, words=20)
        and _capitalized(text.lstrip("*_"))
        and not text.endswith((".", "!", "?", ";", ":", ",", "…", "؟"))
    ):
        return Block("closing", item.text, marker=item.marker, lines=list(item.lines))
    return None


def _finish_blocks(blocks: list[Block]) -> list[Block]:
    """Second look at paragraphs, now that their neighbours are known: a short line that
    signs the text off at its end becomes its closing signature line, runs of short
    exclamations become one list (the closing slogans), and a lone short title-like line
    becomes a heading."""
    if len(blocks) > 1:
        closing = _closing_block(blocks[-1])
        if closing is not None:
            blocks = [*blocks[:-1], closing]
    finished: list[Block] = []
    slogan_list: Block | None = None  # the list that the next exclamations join
    for index, block in enumerate(blocks):
        neighbours = blocks[max(index - 1, 0) : index] + blocks[index + 1 : index + 2]
        if _slogans(block) and (len(block.lines) > 1 or any(map(_slogans, neighbours))):
            items = [Block("item", line, lines=[line]) for line in block.lines]
            if slogan_list is None:
                slogan_list = Block("list", "")
                finished.append(slogan_list)
            slogan_list.children.extend(items)
            continue
        slogan_list = None
        if (
            block.kind == "paragraph"
            and len(block.lines) == 1
            and _title_like(plain_quotes(block.text))
        ):
            block.kind = "heading"
        finished.append(block)
    return finished


# --- the whole document -----------------------------------------------------------------------


@dataclass
class ParsedStatement:
    language: str | None
    titles: dict[str, str]
    blocks: list[Block]
    signatories: list[Signatory]
    unparsed: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "titles": dict(self.titles),
            "blocks": [block.as_dict() for block in self.blocks],
            "signatories": [signatory.as_dict() for signatory in self.signatories],
            "unparsed": list(self.unparsed),
        }

    def describe(self) -> str:
        """The reading for a person checking it before import: one line per title, block
        and signatory, indented as nested, and every unread line."""
        lines = [f"language: {self.language or '?'}"]
        lines += [f"title [{code}]: {title}" for code, title in self.titles.items()]
        lines += _describe_blocks(self.blocks, depth=0)
        lines.append(f"{len(self.signatories)} signatories")
        for signatory in self.signatories:
            details = ", ".join(
                part for part in (signatory.kind, signatory.country, signatory.affiliation) if part
            )
            lines.append(f"  {signatory.name} ({details})")
        lines.append(f"{len(self.unparsed)} unparsed lines")
        lines += [f"  ? {line}" for line in self.unparsed]
        return "\n".join(lines)


def _describe_blocks(blocks: list[Block], depth: int) -> list[str]:
    lines = []
    for block in blocks:
        number = f" {block.number}" if block.number else ""
        text = block.text if len(block.text) <= 70 else block.text[:69] + "…"
        label = f"{'  ' * depth}{block.kind}{number}"
        lines.append(f"{label}: {text}" if text else label)
        lines += _describe_blocks(block.children, depth + 1)
    return lines


@dataclass(frozen=True)
class _Line:
    text: str  # normalized, to read the structure by; empty for a blank line
    indent: int
    typeset: str  # tidied, with its own quotes: what is stored; as long as `text`


def _lines(text: str) -> list[_Line]:
    lines = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        expanded = raw.expandtabs(4).translate(_ZERO_WIDTH)
        indent = len(expanded) - len(expanded.lstrip())
        typeset = tidy_text(raw)
        lines.append(_Line(plain_quotes(typeset), indent, typeset))
    return lines


def _paragraph_ends(lines: list[_Line], start: int) -> int:
    end = start
    while end < len(lines) and lines[end].text:
        end += 1
    return end


def _skip_blank(lines: list[_Line], index: int) -> int:
    while index < len(lines) and not lines[index].text:
        index += 1
    return index


def _title_text(line: _Line) -> str:
    """A title line without its Markdown marks, in its own typography."""
    match = _MARKDOWN_HEADING.match(line.text) or _BOLD_LINE.match(line.text)
    return _typeset(match, line).strip() if match else line.typeset


def _could_be_title(text: str) -> bool:
    """A line that can be one of the titles: short, not numbered or bulleted, and not
    closed like a sentence (a Markdown heading may be)."""
    if _MARKDOWN_HEADING.match(text) or _BOLD_LINE.match(text):
        return True
    return (
        len(text) <= 250
        and not text.endswith((".", ",", ";"))
        and not _SECTION.match(text)
        and not _ITEM.match(text)
        and not _BULLET.match(text)
        and not _is_signatories_heading(text)
    )


def _read_titles(
    lines: list[_Line], start: int
) -> tuple[list[tuple[str | None, str]], list[str], int]:
    """The title block at the top: one title per line, each line in its own language.

    It is the first paragraph when every line of it can be a title, extended by the
    following one-line paragraphs while each brings a language not seen yet (titles set
    apart by blank lines). Adjacent lines in one language are one title broken in two.
    Returns (language, title) pairs, lines that fit no language, and where the body starts.
    """
    index = _skip_blank(lines, start)
    end = _paragraph_ends(lines, index)
    raw = [line.text for line in lines[index:end]]
    if not raw or len(raw) > 20 or not all(_could_be_title(text) for text in raw):
        return [], [], index
    first = [_title_text(line) for line in lines[index:end]]
    languages = {detect_language(plain_quotes(text)) for text in first}
    if len(languages) == 1 and len(" ".join(first)) > 200:
        # Prose broken into short lines (a PDF copied out), not a title.
        return [], [], index
    titles: list[tuple[str | None, str]] = []
    unparsed: list[str] = []
    for text in _join_continuations(first):
        _add_title(titles, unparsed, text)
    while titles and not unparsed:
        following = _skip_blank(lines, end)
        after = _paragraph_ends(lines, following)
        if after - following != 1:
            break
        text = lines[following].text
        seen = {language for language, _title in titles}
        if not _could_be_title(text) or detect_language(text) in seen:
            break
        text = _title_text(lines[following])
        titles.append((detect_language(plain_quotes(text)), text))
        end = after
    return titles, unparsed, end


def _join_continuations(lines: list[str]) -> list[str]:
    """A line that starts in lower case continues the title above it ("Joint Declaration"
    / "for the Rivers"): each title of a block starts with a capital or in a caseless
    script, and two words alone are too few to tell their language."""
    joined: list[str] = []
    for text in lines:
        first = next((char for char in text if char.isalpha()), "")
        if joined and first.islower():
            joined[-1] = f"{joined[-1]} {text}"
        else:
            joined.append(text)
    return joined


def _add_title(titles: list[tuple[str | None, str]], unparsed: list[str], text: str) -> None:
    language = detect_language(plain_quotes(text))
    if language is None:
        unparsed.append(text)
    elif titles and titles[-1][0] == language:
        titles[-1] = (language, f"{titles[-1][1]} {text}")
    elif any(seen == language for seen, _title in titles):
        # The same language twice, apart: one of the two guesses is wrong, so a person
        # should decide.
        unparsed.append(text)
    else:
        titles.append((language, text))


def _signatory_region(lines: list[_Line], start: int) -> tuple[int, bool]:
    """Where the signatory list begins, and whether a heading announces it.

    The last "Signatories"-like heading with a readable signatory below it wins (a body
    heading about signatures has none). Without one, the list is the run of lines
    at the end that read as "Name (Country)": at least three of them, with at most two
    lines in a row between them that only try to (they hold a parenthesis; they are kept
    as unparsed), and at most three lines of any kind after the last one (a date, a
    contact address), which are kept as unparsed too.
    """
    for index in range(len(lines) - 1, start - 1, -1):
        if lines[index].text and _is_signatories_heading(lines[index].text):
            below = (line.text for line in lines[index + 1 :] if line.text)
            if any(parse_signatory(text, require_country=False) for text in below):
                return index, True
    begin, readable, gap = len(lines), 0, 0
    for index in range(len(lines) - 1, start - 1, -1):
        text = lines[index].text
        if not text:
            continue
        if parse_signatory(text) is not None:
            begin, readable, gap = index, readable + 1, 0
            continue
        gap += 1
        attempt = "(" in text or ")" in text
        if (readable and (gap > 2 or not attempt or len(text) > 150)) or gap > 3:
            break
    return (begin, False) if readable >= 3 else (len(lines), False)


_GROUP_KINDS = {
    fold(word): kind
    for kind, words in {
        "organization": "organizations organisations örgütler kurumlar rêxistin "
        "organizzazioni organizaciones organizações организации організації οργανώσεις "
        "կազմակերպություններ المنظمات سازمان‌ها",
        "person": "individuals persons people kişiler bireyler kes personnes individus "
        "persone personas pessoas лица особи πρόσωπα άτομα անհատներ الأفراد افراد",
    }.items()
    for word in words.split()
}


def _read_signatories(
    lines: list[_Line], start: int, headed: bool
) -> tuple[list[Signatory], list[str]]:
    """Every line of the list is a signatory or goes to unparsed, none is dropped. A line
    "Organizations:" or "Germany:" that heads a group sets the kind or the country of the
    lines below it that do not say theirs."""
    signatories: list[Signatory] = []
    unparsed: list[str] = []
    kind: str | None = None
    country: str | None = None
    for line in lines[start + 1 if headed else start :]:
        text = line.text
        if not text:
            continue
        heading = re.sub(r"^#+\s*|[*_:]+", "", text).strip()
        if fold(heading) in _GROUP_KINDS:
            kind = _GROUP_KINDS[fold(heading)]
            continue
        if heading and is_country(heading):
            country = resolve_country(heading)
            continue
        signatory = parse_signatory(text, require_country=not headed)
        if signatory is None:
            unparsed.append(text)
            continue
        if kind and not _is_organization_name(signatory.name):
            signatory.kind = kind
        if signatory.country is None and country and "(" not in text:
            signatory.country = country
        signatories.append(signatory)
    return signatories, unparsed


def _texts(block: Block) -> list[str]:
    return [block.text, *(text for child in block.children for text in _texts(child))]


def _body_language(blocks: list[Block]) -> str | None:
    """The language of most of the body's text, judged block by block: a closing slogan in
    another language (Bijî aştî!) must not decide for the whole statement."""
    weights: dict[str, int] = {}
    for block in blocks:
        text = " ".join(part for part in _texts(block) if part)
        language = detect_language(plain_quotes(text[:1000])) if text else None
        if language:
            weights[language] = weights.get(language, 0) + len(text)
    return max(weights, key=weights.__getitem__) if weights else None


def _tidy_punctuation(text: str, language: str | None) -> str:
    """A space before ; : ! ? is French typography and a stray space anywhere else."""
    return text if language == "fr" else _SPACE_BEFORE_MARK.sub("", text)


def _tidy_blocks(blocks: list[Block], language: str | None) -> None:
    for block in blocks:
        block.text = _tidy_punctuation(block.text, language)
        _tidy_blocks(block.children, language)


def parse_statement(text: str, *, language: str | None = None) -> ParsedStatement:
    """Read a whole statement. ``language``, when given, is taken as the body's language
    instead of the detected one."""
    lines = _lines(text)
    titles, unparsed, body_start = _read_titles(lines, 0)
    region, headed = _signatory_region(lines, body_start)
    body_end = region
    if headed and _signs_off(lines[region].text):
        # "The undersigned organizations:" above the list: the text's closing signature
        # line as much as the list's heading, so it stays in the text.
        body_end = region + 1
    builder = _BodyBuilder()
    for line in lines[body_start:body_end]:
        if line.text:
            builder.add(line)
        else:
            builder.blank()
    blocks = _finish_blocks(builder.blocks)
    signatories, unread = (
        _read_signatories(lines, region, headed) if region < len(lines) else ([], [])
    )
    main = language or _body_language(blocks) or (titles[0][0] if titles else None)
    if len(titles) == 1 and main:
        # One title is in the body's language; the body is the longer text to judge by.
        titles = [(main, titles[0][1])]
    titles = [(code, _tidy_punctuation(title, code)) for code, title in titles]
    _tidy_blocks(blocks, main)
    return ParsedStatement(
        language=main,
        titles={code: title for code, title in titles if code},
        blocks=blocks,
        signatories=signatories,
        unparsed=unparsed + unread,
    )


def _signs_off(text: str) -> bool:
    """A plain line (no Markdown heading) that attributes the text, such as "Signed by:"
    or "The undersigned organizations:", not only a label such as "Signatories"."""
    if _MARKDOWN_HEADING.match(text) or _BOLD_LINE.match(text):
        return False
    return is_closing_line(text) and _is_attribution(text)


def parse_body(text: str, *, language: str | None = None) -> list[Block]:
    """Read a statement's body only (no title block, no signatory list): what an organizer
    types in the text box, whose title is a field of its own."""
    builder = _BodyBuilder()
    for line in _lines(text):
        if line.text:
            builder.add(line)
        else:
            builder.blank()
    blocks = _finish_blocks(builder.blocks)
    _tidy_blocks(blocks, language or _body_language(blocks))
    return blocks


def body_text(blocks: list[Block]) -> str:
    """Blocks written back as text that `parse_body` reads into the same blocks: what the
    organizer sees and edits after an import."""
    parts: list[str] = []
    for block in blocks:
        parts.append("\n".join(_block_lines(block, indent="")))
    return "\n\n".join(parts).strip() + "\n"


def _block_lines(block: Block, *, indent: str) -> list[str]:
    if block.kind == "heading":
        return [f"{indent}## {block.text}"]
    if block.kind == "list":
        if all(child.marker is None for child in block.children):
            return [f"{indent}{child.text}" for child in block.children]  # closing slogans
        return [f"{indent}{child.marker} {child.text}" for child in block.children]
    if block.kind in {"section", "item", "closing"} and block.marker:
        lines = [f"{indent}{block.marker} {block.text}"]
    else:
        lines = [f"{indent}{block.text}"]
    for child in block.children:
        # Items follow their section directly; paragraphs and lists inside it are indented.
        inner = "" if child.kind == "item" else "    "
        lines += ([""] if child.kind != "item" else []) + _block_lines(child, indent=inner)
    return lines


def read_statement_file(path: str | Path) -> str:
    """The text of a statement file: UTF-8 text or Markdown, or a DOCX document.

    Raises ValueError when it is neither."""
    if str(path).lower().endswith(".docx"):
        from undersigned.statements.docx import docx_text

        return docx_text(path)
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path} is not UTF-8 text ({exc.reason})") from exc
