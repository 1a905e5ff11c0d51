"""The three-block statement "Rivers" and its Arabic translation, shared by the
translation tests."""

from __future__ import annotations

from undersigned.statements.services import statement_create, statement_publish, translation_save

BODY = "Water is life.\n\n1. Publish plans.\n\n2. Consult the people."
ARABIC = {
    "Water is life.": "الماء حياة.",
    "Publish plans.": "انشروا الخطط.",
    "Consult the people.": "استشيروا الناس.",
}


def rivers():
    """The statement, published."""
    statement = statement_create(title="Rivers", body=BODY, language="en", slug="rivers")
    return statement_publish(statement=statement)


def version_of(statement, number=None):
    """Its version `number`, else its latest."""
    versions = statement.versions.order_by("-number")
    return versions.get(number=number) if number else versions.first()


def translate(version, texts, *, state="approved", language="ar", title=""):
    """Save `texts` (source text -> translation) as a person's translation of `version`."""
    keys = {block.text: block.key for block in version.blocks.exclude(text="")}
    return translation_save(
        version=version,
        language=language,
        texts={keys[source]: text for source, text in texts.items()},
        title=title,
        state=state,
    )


class Echo:
    """A machine translation provider that answers each text with its target language's
    code before it."""

    name = "echo"

    def translate(self, text, *, source, target):
        return f"[{target}] {text}"


def use_echo_provider(monkeypatch) -> None:
    """Make Echo the configured machine translation provider for one test."""
    from undersigned.statements import translation

    monkeypatch.setattr(translation, "translation_provider", lambda: Echo())
