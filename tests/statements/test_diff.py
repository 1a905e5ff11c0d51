"""The comparison of statement versions: word diffs in every script, the 60% replacement
rule, blocks matched by id, HTML safe to mark_safe and the unified diff download."""

from __future__ import annotations

import html
import itertools
import re

import pytest

from undersigned.statements.diff import (
    BlockChange,
    change_ratio,
    diff_block,
    diff_blocks,
    diff_words,
    render_html,
    tokenize,
    unified_diff,
)

# A dozen texts in several scripts, with the hard cases: Arabic vowel marks, Persian ZWNJ
# inside words, Armenian and Greek punctuation, Turkish dotted and dotless i (also as i +
# U+0307), a decomposed accent, CJK without spaces, and white space of several kinds.
SAMPLES = [
    'We, the undersigned, demand "peace" & water — now!',
    "نَحْنُ المُوَقِّعِينَ نُطَالِبُ بِالسَّلَامِ وَالمَاءِ.",
    "نحن الموقعين نطالب بالسلام والماء الآن",
    "ما امضاکنندگان می\u200cخواهیم که صلح و آب حق همه\u200cی مردم باشد.",
    "ما امضاکنندگان می\u200cخواستیم که صلح حق همه\u200cی مردم باشد؛",
    "Մենք՝ ստորագրողներս, պահանջում ենք խաղաղություն և ջուր։",
    "Εμείς, οι υπογράφοντες, ζητάμε ειρήνη και νερό· τώρα;",
    "Мы, нижеподписавшиеся, требуем мира и воды — сейчас!",
    "İstanbul'da ısrarla barış istiyoruz; Iğdır ve ilçeleri için.",
    "i\u0307stanbul'da israrla barış ıstıyoruz; IĞDIR",
    "我们，签名者，要求和平与水。我们要和平！",
    "Déclaration commune\u00a0: pour la paix,\n\tl'eau et 1.5 million de personnes",
    "",
]


def old_of(ops: list[tuple[str, str]]) -> str:
    return "".join(text for tag, text in ops if tag != "insert")


def new_of(ops: list[tuple[str, str]]) -> str:
    return "".join(text for tag, text in ops if tag != "delete")


def words(prefix: str, count: int, start: int = 0) -> list[str]:
    return [f"{prefix}{number}" for number in range(start, start + count)]


# --- tokens and word diffs --------------------------------------------------------------------


def test_identical_texts_give_only_equal_ops() -> None:
    text = "We demand peace, water and the right to live on our land."
    assert diff_words(text, text) == [("equal", text)]


def test_empty_texts_give_no_ops() -> None:
    assert diff_words("", "") == []


def test_inserted_word_is_one_insert_op() -> None:
    assert diff_words("we demand peace", "we demand lasting peace") == [
        ("equal", "we demand"),
        ("insert", " lasting"),
        ("equal", " peace"),
    ]


def test_deleted_word_is_one_delete_op() -> None:
    assert diff_words("we demand lasting peace", "we demand peace") == [
        ("equal", "we demand"),
        ("delete", " lasting"),
        ("equal", " peace"),
    ]


def test_replaced_word_is_a_delete_then_an_insert() -> None:
    assert diff_words("we demand peace now", "we demand justice now") == [
        ("equal", "we demand "),
        ("delete", "peace"),
        ("insert", "justice"),
        ("equal", " now"),
    ]


def test_neighbouring_replaced_words_form_one_change() -> None:
    assert diff_words("peace and water now", "justice for all now") == [
        ("delete", "peace and water"),
        ("insert", "justice for all"),
        ("equal", " now"),
    ]


def test_punctuation_only_change_leaves_the_words_equal() -> None:
    assert diff_words("We demand peace.", "We demand peace!") == [
        ("equal", "We demand peace"),
        ("delete", "."),
        ("insert", "!"),
    ]


def test_inserted_comma_is_the_only_change() -> None:
    assert diff_words("peace and water", "peace, and water") == [
        ("equal", "peace"),
        ("insert", ","),
        ("equal", " and water"),
    ]


def test_whitespace_only_change_is_shown_but_changes_no_word() -> None:
    assert diff_words("peace  and water ", "peace and water") == [
        ("equal", "peace "),
        ("delete", " "),
        ("equal", "and water"),
        ("delete", " "),
    ]
    change = diff_block("s1", "peace  and water ", "peace and water")
    assert (change.status, change.ratio) == ("changed", 0.0)


def test_rejoining_ops_reproduces_both_texts_in_every_script() -> None:
    variants = SAMPLES + [" ".join(reversed(text.split(" "))) for text in SAMPLES]
    for old, new in itertools.product(variants, repeat=2):
        ops = diff_words(old, new)
        assert old_of(ops) == old, (old, new)
        assert new_of(ops) == new, (old, new)
        assert all(text for _, text in ops), (old, new)
        assert all(a[0] != b[0] for a, b in itertools.pairwise(ops)), (old, new)


def test_rejoining_tokens_reproduces_the_text() -> None:
    for text in SAMPLES:
        assert "".join(tokenize(text)) == text


def test_words_whitespace_and_punctuation_are_separate_tokens() -> None:
    assert tokenize("peace,  water!") == ["peace", ",", "  ", "water", "!"]


def test_arabic_vowel_marks_stay_with_their_letter() -> None:
    assert tokenize("بِسْمِ اللهِ") == ["بِسْمِ", " ", "اللهِ"]
    assert diff_words("بِسْمِ اللهِ", "بِسْمِ اللهُ") == [
        ("equal", "بِسْمِ "),
        ("delete", "اللهِ"),
        ("insert", "اللهُ"),
    ]


def test_decomposed_accent_stays_with_its_letter() -> None:
    assert diff_words("cafe\u0301 noir", "cafe noir") == [
        ("delete", "cafe\u0301"),
        ("insert", "cafe"),
        ("equal", " noir"),
    ]


def test_persian_zwnj_keeps_the_word_whole() -> None:
    assert tokenize("می\u200cخواهیم صلح") == ["می\u200cخواهیم", " ", "صلح"]
    assert diff_words("می\u200cخواهیم صلح", "می\u200cخواستیم صلح") == [
        ("delete", "می\u200cخواهیم"),
        ("insert", "می\u200cخواستیم"),
        ("equal", " صلح"),
    ]


def test_each_cjk_ideograph_is_a_token() -> None:
    assert tokenize("我们爱和平。") == ["我", "们", "爱", "和", "平", "。"]
    assert diff_words("我们爱和平", "我们要和平") == [
        ("equal", "我们"),
        ("delete", "爱"),
        ("insert", "要"),
        ("equal", "和平"),
    ]


def test_turkish_dotted_and_dotless_i_are_different_words() -> None:
    assert diff_words("ısrar İstanbul", "israr İstanbul") == [
        ("delete", "ısrar"),
        ("insert", "israr"),
        ("equal", " İstanbul"),
    ]
    assert tokenize("i\u0307stanbul") == ["i\u0307stanbul"]


def test_armenian_greek_and_russian_words_are_compared_whole() -> None:
    assert diff_words("պահանջում ենք խաղաղություն", "պահանջում ենք ջուր")[-1] == (
        "insert",
        "ջուր",
    )
    assert diff_words("ζητάμε ειρήνη", "ζητάμε νερό")[1:] == [
        ("delete", "ειρήνη"),
        ("insert", "νερό"),
    ]
    assert diff_words("требуем мира", "требуем воды")[1:] == [
        ("delete", "мира"),
        ("insert", "воды"),
    ]


# --- change ratio -----------------------------------------------------------------------------


def test_change_ratio_of_identical_texts_is_zero() -> None:
    assert change_ratio("peace and water", "peace and water") == 0.0


def test_change_ratio_of_texts_without_common_words_is_one() -> None:
    assert change_ratio("peace and water", "justice for all") == 1.0


def test_change_ratio_counts_deleted_and_inserted_words_over_all_words() -> None:
    # One word of four replaced: one deleted plus one inserted, over eight words.
    assert change_ratio("a b c d", "a b c e") == 0.25
    # One word added to three: one inserted over seven words.
    assert change_ratio("a b c", "a b c d") == 1 / 7


def test_change_ratio_ignores_punctuation_and_spacing() -> None:
    assert change_ratio("peace, water", "peace;  water!") == 0.0


def test_change_ratio_counts_punctuation_when_there_are_no_words() -> None:
    assert change_ratio("—", "-") == 1.0
    assert change_ratio("", "") == 0.0


# --- the 60% rule -----------------------------------------------------------------------------


def block_with_common_words(common: int) -> tuple[str, str]:
    """Two texts of 100 words each sharing their first ``common`` words, so that the change
    ratio is exactly (200 - 2 * common) / 200."""
    old = " ".join(words("w", 100))
    new = " ".join(words("w", common) + words("x", 100 - common, start=common))
    return old, new


def test_block_changed_by_59_percent_is_interleaved() -> None:
    old, new = block_with_common_words(41)
    change = diff_block("s1", old, new)
    assert change.ratio == 0.59
    assert change.status == "changed"
    assert change.ops[0] == ("equal", " ".join(words("w", 41)) + " ")
    assert change.ops[1:] == (
        ("delete", " ".join(words("w", 59, start=41))),
        ("insert", " ".join(words("x", 59, start=41))),
    )


def test_block_changed_by_61_percent_is_replaced() -> None:
    old, new = block_with_common_words(39)
    change = diff_block("s1", old, new)
    assert change.ratio == 0.61
    assert change.status == "replaced"
    assert change.ops == (("delete", old), ("insert", new))


def test_block_changed_by_exactly_60_percent_is_still_interleaved() -> None:
    old, new = block_with_common_words(40)
    change = diff_block("s1", old, new)
    assert change.ratio == 0.6
    assert change.status == "changed"


def test_replacement_threshold_can_be_lowered() -> None:
    old, new = block_with_common_words(41)
    assert diff_block("s1", old, new, replace_above=0.5).status == "replaced"


def test_replacement_threshold_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(ValueError, match="replace_above"):
        diff_blocks([], [], replace_above=60)


# --- blocks -----------------------------------------------------------------------------------

OLD = [("title", "Joint Declaration"), ("s1", "We demand peace."), ("s2", "We demand water.")]


def statuses(changes: list[BlockChange]) -> list[tuple[str, str]]:
    return [(change.block_id, change.status) for change in changes]


def test_unchanged_block_has_one_equal_op_and_ratio_zero() -> None:
    (change,) = diff_blocks([("s1", "peace")], [("s1", "peace")])
    assert change == BlockChange("s1", "unchanged", "peace", "peace", (("equal", "peace"),), 0.0)


def test_changed_block_carries_its_word_diff() -> None:
    (change,) = diff_blocks([("s1", "We demand peace.")], [("s1", "We demand peace now.")])
    assert change.status == "changed"
    assert change.ops == (("equal", "We demand peace"), ("insert", " now"), ("equal", "."))


def test_block_only_in_new_version_is_added() -> None:
    new = [*OLD[:2], ("s1b", "We demand bread."), OLD[2]]
    changes = diff_blocks(OLD, new)
    assert statuses(changes) == [
        ("title", "unchanged"),
        ("s1", "unchanged"),
        ("s1b", "added"),
        ("s2", "unchanged"),
    ]
    assert changes[2].old_text is None
    assert changes[2].ops == (("insert", "We demand bread."),)


def test_block_only_in_old_version_is_removed_where_it_was() -> None:
    changes = diff_blocks(OLD, [OLD[0], OLD[2], ("s3", "Now.")])
    assert statuses(changes) == [
        ("title", "unchanged"),
        ("s1", "removed"),
        ("s2", "unchanged"),
        ("s3", "added"),
    ]
    assert changes[1].new_text is None
    assert changes[1].ops == (("delete", "We demand peace."),)


def test_removed_first_block_comes_first() -> None:
    changes = diff_blocks(OLD, OLD[1:])
    assert statuses(changes)[0] == ("title", "removed")


def test_blocks_follow_the_order_of_the_new_version_and_moves_are_flagged() -> None:
    changes = diff_blocks(OLD, [OLD[2], OLD[0], OLD[1]])
    assert [change.block_id for change in changes] == ["s2", "title", "s1"]
    assert [change.block_id for change in changes if change.moved] == ["s2"]
    assert {change.status for change in changes} == {"unchanged"}


def test_duplicate_block_id_is_refused() -> None:
    with pytest.raises(ValueError, match="'s1' occurs twice in the new version"):
        diff_blocks(OLD, [*OLD, ("s1", "again")])


# --- HTML -------------------------------------------------------------------------------------

HOSTILE_OLD = "Say \"no\" & 'yes' <script>alert(1)</script>"
HOSTILE_NEW = "Say \"yes\" & 'no' <img src=x onerror=alert(1)>"
TAG = re.compile(r"<[^>]*>")


def assert_safe(markup: str) -> None:
    assert set(TAG.findall(markup)) <= {"<ins>", "</ins>", "<del>", "</del>"}
    assert not re.search(r"[\"']", markup)


def test_rendered_html_escapes_markup_and_quotes() -> None:
    markup = render_html(diff_words(HOSTILE_OLD, HOSTILE_NEW))
    assert_safe(markup)
    assert "<script" not in markup and "<img" not in markup
    assert "&quot;" in markup and "&#x27;" in markup and "&amp;" in markup
    ops_text = html.unescape(TAG.sub("", markup))
    assert ops_text == "".join(text for _, text in diff_words(HOSTILE_OLD, HOSTILE_NEW))


def test_rendered_html_escapes_a_whole_script_tag_inside_ins_and_del() -> None:
    script = "<script>alert(1)</script>"
    markup = render_html([("delete", script), ("equal", '"'), ("insert", f"'{script}'")])
    assert markup == (
        "<del>&lt;script&gt;alert(1)&lt;/script&gt;</del>&quot;"
        "<ins>&#x27;&lt;script&gt;alert(1)&lt;/script&gt;&#x27;</ins>"
    )


def test_rendered_html_marks_insertions_and_deletions() -> None:
    assert render_html(diff_words("we demand peace", "we demand justice")) == (
        "we demand <del>peace</del><ins>justice</ins>"
    )


def test_replaced_block_renders_whole_old_then_whole_new_text() -> None:
    change = diff_block("s1", HOSTILE_OLD, "Entirely different words")
    assert change.status == "replaced"
    markup = render_html(change)
    assert markup == f"<del>{html.escape(HOSTILE_OLD)}</del> <ins>Entirely different words</ins>"
    assert_safe(markup)


def test_unchanged_added_and_removed_blocks_render_escaped() -> None:
    assert render_html(diff_block("s1", HOSTILE_OLD, HOSTILE_OLD)) == html.escape(HOSTILE_OLD)
    assert render_html(diff_block("s1", None, "<b>")) == "<ins>&lt;b&gt;</ins>"
    assert render_html(diff_block("s1", "<b>", None)) == "<del>&lt;b&gt;</del>"


# --- unified diff -----------------------------------------------------------------------------


def test_unified_diff_has_headers_hunks_and_signed_lines() -> None:
    new = [OLD[0], ("s1", "We demand lasting peace."), ("s3", "Now.")]
    assert unified_diff(OLD, new, old_label="version 1", new_label="version 2") == (
        "--- version 1\n"
        "+++ version 2\n"
        "@@ -1,3 +1,3 @@\n"
        " title: Joint Declaration\n"
        "-s1: We demand peace.\n"
        "-s2: We demand water.\n"
        "+s1: We demand lasting peace.\n"
        "+s3: Now.\n"
    )


def test_unified_diff_of_identical_versions_is_empty() -> None:
    assert unified_diff(OLD, OLD, old_label="v1", new_label="v2") == ""


def test_unified_diff_keeps_each_block_on_one_line() -> None:
    text = unified_diff(
        [("s1", "one")], [("s1", "two\nlines\u2028here")], old_label="v1", new_label="v\n2"
    )
    assert text.splitlines() == [
        "--- v1",
        "+++ v 2",
        "@@ -1 +1 @@",
        "-s1: one",
        "+s1: two lines here",
    ]
    assert text.endswith("\n")
