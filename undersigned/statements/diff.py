"""Compare two versions of a statement, block by block and word by word.

Coalitions amend statements in many languages, so the comparison is made on words of any
script: a word is a run of letters and digits together with its combining marks (Arabic
vowel signs, accents written as separate code points) and the zero-width joiners that
Persian spells inside words; every CJK ideograph or kana is a word of its own, since those
scripts put no space between words. The white space and punctuation between words are
tokens too, so that joining the tokens gives back the text exactly: a redline that silently
loses a comma or a space would be a redline that cannot be trusted.

Blocks are matched by their stable id, never by position or by similarity: an amendment
refers to "section 3", and section 3 stays section 3 when another one is inserted before
it. A block that changed too much to be read as an interleaved redline is shown as
replaced. The module is pure Python (difflib, html) and touches no database, so the version
comparison pages, the amendment redlines and the plain-text download all share it.
"""

from __future__ import annotations

import bisect
import difflib
import html
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "BlockChange",
    "Op",
    "change_ratio",
    "diff_block",
    "diff_blocks",
    "diff_words",
    "render_html",
    "tokenize",
    "unified_diff",
]

OpTag = Literal["equal", "insert", "delete"]
Op = tuple[OpTag, str]
Status = Literal["unchanged", "changed", "replaced", "added", "removed"]

REPLACE_ABOVE = 0.6
"""Above this change ratio a block is shown as replaced: interleaving more than 60% of
deleted and inserted words leaves nothing a reader can follow."""

# --- tokens ----------------------------------------------------------------------------------

# Zero-width non-joiner and joiner: Persian writes "می‌خواهم" with a ZWNJ inside the word,
# and emoji sequences use the ZWJ. Both belong to the word they sit in, like a mark.
_JOINERS = frozenset("\u200c\u200d")
# Ideographs and kana: CJK unified ideographs (with extension A and the supplementary
# planes B-H), compatibility ideographs, Hiragana, Katakana and the half-width Katakana.
_IDEOGRAPH_RANGES = (
    (0x3040, 0x30FF),
    (0x31F0, 0x31FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0xFF66, 0xFF9F),
    (0x20000, 0x3FFFF),
)

_Kind = Literal["word", "ideograph", "space", "mark", "other"]


def _kind(char: str) -> _Kind:
    """What a character is to the tokeniser; marks and joiners only extend a token."""
    if char in _JOINERS:
        return "mark"
    category = unicodedata.category(char)
    if category[0] == "M":
        return "mark"
    code = ord(char)
    if any(low <= code <= high for low, high in _IDEOGRAPH_RANGES):
        return "ideograph"
    if category[0] in "LN":
        return "word"
    if char.isspace():
        return "space"
    return "other"


def tokenize(text: str) -> list[str]:
    """Split ``text`` into words, runs of white space and single other characters
    (punctuation, symbols), so that ``"".join(tokenize(text)) == text`` always holds.

    A combining mark or joiner stays on the token before it, whatever that token is, so a
    vowel sign is never shown as inserted on its own. A mark with nothing before it starts
    a word."""
    tokens: list[list[str]] = []
    previous: _Kind | None = None
    for char in text:
        kind = _kind(char)
        if kind == "mark":
            if tokens:
                tokens[-1].append(char)
                continue
            kind = "word"
        if kind == previous and kind in ("word", "space"):
            tokens[-1].append(char)
        else:
            tokens.append([char])
        previous = kind
    return ["".join(chars) for chars in tokens]


def _is_word(token: str) -> bool:
    return _kind(token[0]) in ("word", "ideograph", "mark")


# --- word diff -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Unit:
    """A word or punctuation mark with the white space before it. Only ``token`` is
    compared: white space is half of all tokens and matches anywhere, so leaving it out
    of the matching makes it many times faster and keeps the alignment on the words."""

    space: str
    token: str  # "" for the end of the text, which carries the trailing white space

    @property
    def text(self) -> str:
        return self.space + self.token


def _units(text: str) -> list[_Unit]:
    units: list[_Unit] = []
    space = ""
    for token in tokenize(text):
        if token.isspace():
            space = token
        else:
            units.append(_Unit(space, token))
            space = ""
    units.append(_Unit(space, ""))
    return units


@dataclass(slots=True)
class _Group:
    """A run of text that is either the same on both sides or changed (``old`` became
    ``new``); a changed run is shown as one deletion followed by one insertion."""

    equal: bool
    old: str = ""
    new: str = ""


def _add(groups: list[_Group], equal: bool, old: str, new: str) -> None:
    if not old and not new:
        return
    if groups and groups[-1].equal == equal:
        groups[-1].old += old
        groups[-1].new += new
    else:
        groups.append(_Group(equal, old, new))


@dataclass(frozen=True, slots=True)
class _Alignment:
    """Two texts as units and the SequenceMatcher opcodes that align their tokens. The
    word diff and the change ratio both come from this one alignment, so that a block's
    ratio always describes the redline shown, and the matching (the costly part, as
    autojunk is off) runs once per block."""

    old: list[_Unit]
    new: list[_Unit]
    opcodes: list[tuple[str, int, int, int, int]]

    @classmethod
    def of(cls, old: str, new: str) -> _Alignment:
        units_old, units_new = _units(old), _units(new)
        matcher = difflib.SequenceMatcher(
            None,
            [unit.token for unit in units_old],
            [unit.token for unit in units_new],
            autojunk=False,
        )
        return cls(units_old, units_new, matcher.get_opcodes())

    def kept(self, counted: Callable[[_Unit], bool]) -> tuple[int, int]:
        """How many counted units the two texts hold together, and how many of them the
        alignment keeps (counting each kept unit once per side)."""
        total = sum(map(counted, self.old)) + sum(map(counted, self.new))
        kept = sum(
            2 * sum(map(counted, self.old[i1:i2]))
            for tag, i1, i2, _, _ in self.opcodes
            if tag == "equal"
        )
        return total, kept


def _groups(alignment: _Alignment) -> list[_Group]:
    old, new = alignment.old, alignment.new
    groups: list[_Group] = []
    for tag, i1, i2, j1, j2 in alignment.opcodes:
        if tag != "equal":
            removed = "".join(unit.text for unit in old[i1:i2])
            _add(groups, False, removed, "".join(unit.text for unit in new[j1:j2]))
            continue
        for unit_old, unit_new in zip(old[i1:i2], new[j1:j2], strict=True):
            if unit_old.space == unit_new.space:
                _add(groups, True, unit_old.text, unit_new.text)
            else:
                _add(groups, False, unit_old.space, unit_new.space)
                _add(groups, True, unit_old.token, unit_new.token)
    return groups


def _hoist_spaces(groups: list[_Group]) -> list[_Group]:
    """Move the white space that both sides of a change begin with out of it: "we
    demand <del>peace</del><ins>justice</ins>" rather than a struck-through space."""
    hoisted: list[_Group] = []
    for group in groups:
        shared = "" if group.equal else _shared_leading_space(group.old, group.new)
        if shared:
            _add(hoisted, True, shared, shared)
            group = _Group(False, group.old[len(shared) :], group.new[len(shared) :])
        _add(hoisted, group.equal, group.old, group.new)
    return hoisted


def _shared_leading_space(old: str, new: str) -> str:
    length = 0
    for char_old, char_new in zip(old, new, strict=False):
        if char_old != char_new or not char_old.isspace():
            break
        length += 1
    return old[:length]


def _ops(groups: list[_Group]) -> Iterator[Op]:
    for group in groups:
        if group.equal:
            yield ("equal", group.old)
            continue
        if group.old:
            yield ("delete", group.old)
        if group.new:
            yield ("insert", group.new)


def diff_words(old: str, new: str) -> list[Op]:
    """The word-level difference between two texts, as ``(tag, text)`` operations in
    reading order, where ``tag`` is ``"equal"``, ``"delete"`` or ``"insert"``.

    Joining the texts of the equal and delete operations gives ``old`` back exactly, and
    joining the equal and insert ones gives ``new``: nothing is normalised, so callers that
    want "é" and "e" + U+0301 to compare equal store NFC text (the parser does). Words and
    punctuation are aligned by :class:`difflib.SequenceMatcher`; white space travels with
    the token after it, so an inserted word brings its space along. Within a change the
    deleted text comes before the inserted text."""
    return _word_ops(_Alignment.of(old, new))


def _word_ops(alignment: _Alignment) -> list[Op]:
    return list(_ops(_hoist_spaces(_groups(alignment))))


def change_ratio(old: str, new: str) -> float:
    """The share of the words that changed, from 0 (identical words) to 1 (none in common).

    Precisely: with ``W_old`` and ``W_new`` the numbers of words in each text (see
    :func:`tokenize`; white space and punctuation are not words) and ``K`` the number of
    words that :func:`diff_words` shows as equal, the ratio is
    ``(W_old + W_new - 2 * K) / (W_old + W_new)``: the deleted words plus the inserted
    words, over all the words on both sides. The words are aligned together with the
    punctuation, as in the redline, so the ratio always describes the redline shown.

    Punctuation does not count, so that fixing a comma never makes a block "replaced";
    only when neither text has a word (a block that is a lone dash, say) are the
    punctuation marks counted instead. Two texts with nothing countable give 0."""
    return _ratio(_Alignment.of(old, new))


def _ratio(alignment: _Alignment) -> float:
    total, kept = alignment.kept(_is_word_unit)
    if not total:
        total, kept = alignment.kept(_is_mark_unit)
    return (total - kept) / total if total else 0.0


def _is_word_unit(unit: _Unit) -> bool:
    return bool(unit.token) and _is_word(unit.token)


def _is_mark_unit(unit: _Unit) -> bool:
    return bool(unit.token)


# --- blocks ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BlockChange:
    """What happened to one block between two versions.

    ``status`` describes the text: "unchanged", "changed" (shown interleaved), "replaced"
    (changed by more than the threshold), "added" or "removed". ``moved`` is separate,
    because a section can be moved and amended at once: it is true for a block present on
    both sides that left the order the other blocks kept. ``old_text`` is None for an
    added block and ``new_text`` None for a removed one. ``ops`` are the operations to
    show: the word diff for a changed block, a single delete and insert for a replaced
    one. ``ratio`` is :func:`change_ratio` (1 for added and removed blocks)."""

    block_id: str
    status: Status
    old_text: str | None
    new_text: str | None
    ops: tuple[Op, ...]
    ratio: float
    moved: bool = False


def diff_block(
    block_id: str,
    old_text: str | None,
    new_text: str | None,
    *,
    replace_above: float = REPLACE_ABOVE,
    moved: bool = False,
) -> BlockChange:
    """Compare one block's two texts (None where the block does not exist on that side);
    an amendment redline calls this directly for the one block it changes."""
    _check_threshold(replace_above)
    if old_text is None and new_text is None:
        raise ValueError(f"block {block_id!r} exists in neither version")
    if old_text is None:
        return BlockChange(block_id, "added", None, new_text, _one("insert", new_text), 1.0)
    if new_text is None:
        return BlockChange(block_id, "removed", old_text, None, _one("delete", old_text), 1.0)
    if old_text == new_text:
        ops = _one("equal", old_text)
        return BlockChange(block_id, "unchanged", old_text, new_text, ops, 0.0, moved)
    alignment = _Alignment.of(old_text, new_text)
    ratio = _ratio(alignment)
    if ratio > replace_above:
        ops = _one("delete", old_text) + _one("insert", new_text)
        return BlockChange(block_id, "replaced", old_text, new_text, ops, ratio, moved)
    ops = tuple(_word_ops(alignment))
    return BlockChange(block_id, "changed", old_text, new_text, ops, ratio, moved)


def _one(tag: OpTag, text: str | None) -> tuple[Op, ...]:
    return ((tag, text),) if text else ()


def _check_threshold(replace_above: float) -> None:
    if not 0 <= replace_above <= 1:
        raise ValueError(f"replace_above must lie between 0 and 1, not {replace_above!r}")


def diff_blocks(
    old: Sequence[tuple[str, str]],
    new: Sequence[tuple[str, str]],
    *,
    replace_above: float = REPLACE_ABOVE,
) -> list[BlockChange]:
    """Compare two versions given as ``(block_id, text)`` pairs in document order.

    Blocks are matched by id. The result follows the new version; a removed block comes
    right after the old block it followed, counting only blocks that stayed in place
    (or first if there is none), so a reader sees it where it was. Ids must be unique
    within a version: a duplicate would make the matching ambiguous."""
    _check_threshold(replace_above)
    old_texts, new_texts = _by_id(old, "old"), _by_id(new, "new")
    moved = _moved_ids(list(old_texts), list(new_texts))
    removed_after = _removed_by_anchor(list(old_texts), set(new_texts), moved)

    def change(block_id: str) -> BlockChange:
        return diff_block(
            block_id,
            old_texts.get(block_id),
            new_texts.get(block_id),
            replace_above=replace_above,
            moved=block_id in moved,
        )

    changes = [change(block_id) for block_id in removed_after.get(None, [])]
    for block_id in new_texts:
        changes.append(change(block_id))
        changes.extend(change(removed) for removed in removed_after.get(block_id, []))
    return changes


def _by_id(blocks: Sequence[tuple[str, str]], side: str) -> dict[str, str]:
    texts: dict[str, str] = {}
    for block_id, text in blocks:
        if block_id in texts:
            raise ValueError(f"block id {block_id!r} occurs twice in the {side} version")
        texts[block_id] = text
    return texts


def _removed_by_anchor(
    old_ids: list[str], new_ids: set[str], moved: set[str]
) -> dict[str | None, list[str]]:
    """Removed ids (old only) grouped by the nearest preceding old block that is still
    present and was not moved, None for those that no such block precedes. A moved block
    is no landmark: the removed block would travel with it to where it never was."""
    groups: dict[str | None, list[str]] = {}
    anchor: str | None = None
    for block_id in old_ids:
        if block_id not in new_ids:
            groups.setdefault(anchor, []).append(block_id)
        elif block_id not in moved:
            anchor = block_id
    return groups


def _moved_ids(old_ids: list[str], new_ids: list[str]) -> set[str]:
    """The ids on both sides that are not in a longest run of ids keeping their relative
    order: the fewest blocks that explain the new order as moves."""
    position = {block_id: index for index, block_id in enumerate(old_ids)}
    common = [block_id for block_id in new_ids if block_id in position]
    kept = _longest_increasing(common, position)
    return set(common) - kept


def _longest_increasing(ids: list[str], position: dict[str, int]) -> set[str]:
    """A longest subsequence of ``ids`` whose old positions increase (patience sorting,
    O(n log n)): the blocks that kept their order."""
    tails: list[int] = []  # tails[k]: index in ids ending the best run of length k + 1
    tail_positions: list[int] = []  # their old positions, increasing, for bisect
    previous: list[int | None] = [None] * len(ids)
    for index, block_id in enumerate(ids):
        length = bisect.bisect_left(tail_positions, position[block_id])
        previous[index] = tails[length - 1] if length else None
        if length == len(tails):
            tails.append(index)
            tail_positions.append(position[block_id])
        else:
            tails[length] = index
            tail_positions[length] = position[block_id]
    kept: set[str] = set()
    cursor = tails[-1] if tails else None
    while cursor is not None:
        kept.add(ids[cursor])
        cursor = previous[cursor]
    return kept


# --- output ----------------------------------------------------------------------------------

_TAGS: dict[OpTag, tuple[str, str]] = {
    "equal": ("", ""),
    "insert": ("<ins>", "</ins>"),
    "delete": ("<del>", "</del>"),
}


def render_html(diff: Sequence[Op] | BlockChange) -> str:
    """The difference as HTML in which every text is escaped (quotes included) and the
    only markup is ``<ins>`` and ``<del>`` without attributes, so templates may pass it
    through ``mark_safe``. A replaced block reads "<del>old</del> <ins>new</ins>", with a
    space, since the two texts are whole alternatives rather than parts of one sentence."""
    if isinstance(diff, BlockChange):
        separator = " " if diff.status == "replaced" else ""
        return separator.join(_render_op(op) for op in diff.ops)
    return "".join(_render_op(op) for op in diff)


def _render_op(op: Op) -> str:
    tag, text = op
    opening, closing = _TAGS[tag]
    return f"{opening}{html.escape(text, quote=True)}{closing}"


# Every line boundary str.splitlines knows: one of them inside a block would split it.
_LINE_BREAKS = re.compile(r"\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")


def _line(block_id: str, text: str) -> str:
    return _LINE_BREAKS.sub(" ", f"{block_id}: {text}")


def unified_diff(
    old: Sequence[tuple[str, str]],
    new: Sequence[tuple[str, str]],
    *,
    old_label: str,
    new_label: str,
    context: int = 3,
) -> str:
    """The two versions as a unified diff, like ``diff -u`` between two files holding
    one ``"block_id: text"`` line per block in document order, with ``old_label`` and
    ``new_label`` on the ``---``/``+++`` header lines. Line breaks inside a block (or a
    label) are written as spaces so that each block stays one line. Identical versions
    give "" (as ``diff -u`` prints nothing); otherwise the text ends in a newline."""
    lines = difflib.unified_diff(
        [_line(block_id, text) for block_id, text in old],
        [_line(block_id, text) for block_id, text in new],
        fromfile=_LINE_BREAKS.sub(" ", old_label),
        tofile=_LINE_BREAKS.sub(" ", new_label),
        n=context,
        lineterm="",
    )
    return "".join(f"{line}\n" for line in lines)
