"""The statement's text as HTML for readers, built in Python (not in templates, which cost
more than the rest of the page) and cached by the selectors per version revision.

Every text is escaped; inline Markdown (emphasis, links) is rendered by markdown-it with
raw HTML off. Each block carries its own lang and dir."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from markdown_it import MarkdownIt

_inline = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def inline(text: str) -> str:
    return _inline.renderInline(text or "")


def _attrs(block) -> str:
    return f'lang="{escape(block.language)}" dir="{block.direction}"'


def _marker(block) -> str:
    return f'<span class="marker">{escape(block.marker)}</span> ' if block.marker else ""


def render_blocks(blocks: Iterable) -> str:
    parts: list[str] = []
    for block in blocks:
        key = escape(block.key)
        if block.kind == "heading":
            parts.append(f'<h2 id="{key}" {_attrs(block)}>{inline(block.text)}</h2>')
        elif block.kind == "list":
            items = "".join(
                f'<li id="{escape(item.key)}" {_attrs(item)}>{inline(item.text)}</li>'
                for item in block.children
            )
            parts.append(f'<ul class="block-list" id="{key}">{items}</ul>')
        elif block.kind in {"section", "item"}:
            children = render_blocks(block.children)
            parts.append(
                f'<div class="block-{block.kind}" id="{key}"><p {_attrs(block)}>'
                f"{_marker(block)}{inline(block.text)}</p>{children}</div>"
            )
        elif block.kind == "closing":
            parts.append(
                f'<p class="block-closing" id="{key}" {_attrs(block)}>'
                f"{_marker(block)}{inline(block.text)}</p>"
            )
        else:
            parts.append(f'<p id="{key}" {_attrs(block)}>{inline(block.text)}</p>')
    return "\n".join(parts)


def render_pairs(rows: Iterable) -> str:
    """Two readings of one version, block beside block."""
    parts = []
    for left, right in rows:
        if left.kind == "list":
            continue  # its items follow, each a pair
        parts.append(
            f'<div class="pair pair-{left.kind}" id="{escape(left.key)}">'
            f"<p {_attrs(left)}>{_marker(left)}{inline(left.text)}</p>"
            f"<p {_attrs(right)}>{_marker(right)}{inline(right.text)}</p></div>"
        )
    return "\n".join(parts)
