"""Read a form out of a rendered page and give back what a browser would post for it, so a
test submits what the person was shown rather than data made up beside the template."""

from __future__ import annotations

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[dict[str, str], dict[str, str]]] = []
        self._fields: dict[str, str] | None = None
        self._textarea: str | None = None
        self._select: str | None = None
        self._buffer: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._fields = {}
            self.forms.append((values, self._fields))
        if self._fields is None:
            return
        name = values.get("name")
        if tag == "input" and name:
            kind = values.get("type", "text").lower()
            if kind in {"submit", "button", "file", "image", "reset"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in values:
                return
            self._fields[name] = values.get("value", "on" if kind == "checkbox" else "")
        elif tag == "textarea" and name:
            self._textarea, self._buffer = name, []
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select:
            # The selected option, or the first one when none is (every option here has
            # a value).
            chosen = "selected" in values or self._select not in self._fields
            self._fields[self._select] = (
                values.get("value", "") if chosen else self._fields[self._select]
            )

    def handle_data(self, data: str) -> None:
        self._buffer.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea and self._fields is not None:
            text = "".join(self._buffer)
            self._fields[self._textarea] = text.removeprefix("\n")
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._fields = None


def form_data(
    html: str | bytes, *, form_class: str | None = None, containing: str | None = None
) -> dict[str, str]:
    """The fields of the first form of the page with `form_class` among its classes and a
    field named `containing` (either or both may be left out), as a browser would post
    them, without any submit button."""
    if isinstance(html, bytes):
        html = html.decode()
    reader = _FormReader()
    reader.feed(html)
    for attrs, fields in reader.forms:
        if form_class is not None and form_class not in attrs.get("class", "").split():
            continue
        if containing is not None and containing not in fields:
            continue
        return dict(fields)
    raise AssertionError(f"no such form on the page ({form_class=}, {containing=})")
