from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, OuterRef, Subquery
from django.http import Http404
from django.utils.safestring import mark_safe

from undersigned.core.templatetags.undersigned import text_direction
from undersigned.statements.models import (
    Block,
    BlockTranslation,
    Statement,
    StatementVersion,
    TranslationRequest,
)


def _visible_to(statement: Statement, user: AbstractBaseUser | AnonymousUser) -> bool:
    """Published and closed statements are public; organizers also see drafts."""
    return statement.is_public or getattr(user, "is_staff", False)


def statement_get_visible(*, slug: str, user: AbstractBaseUser | AnonymousUser) -> Statement:
    """A published or closed statement; organizers also see drafts (as a preview). Else 404."""
    try:
        statement = Statement.objects.get(slug=slug)
    except Statement.DoesNotExist as exc:
        raise Http404 from exc
    if _visible_to(statement, user):
        return statement
    raise Http404


# slug -> (monotonic expiry, statement or None): see statement_get_for_signing.
_signing_cache: dict[str, tuple[float, Statement | None]] = {}
SIGNING_CACHE_SECONDS = 2.0


def statement_get_for_signing(*, slug: str, user: AbstractBaseUser | AnonymousUser) -> Statement:
    """statement_get_visible for the sign form, from a copy at most two seconds old kept
    in this process: a statement that goes viral is looked up a thousand times a second.
    The copy is only read, and a stale one is harmless: the signature writer checks in
    its own transaction that the statement still takes signatures.

    One thread renews an expired copy while the others go on with it: under load the
    requests that came in during the query all made the same query, each waiting for
    the GIL behind the request threads at every step."""
    now = time.monotonic()
    cached = _signing_cache.get(slug)
    if cached is None or cached[0] < now:
        if len(_signing_cache) > 1000:
            _signing_cache.clear()
        if cached is not None:
            _signing_cache[slug] = (now + SIGNING_CACHE_SECONDS, cached[1])
        cached = (now + SIGNING_CACHE_SECONDS, Statement.objects.filter(slug=slug).first())
        _signing_cache[slug] = cached
    statement = cached[1]
    if statement is not None and _visible_to(statement, user):
        return statement
    raise Http404


def statement_signing_cache_clear() -> None:
    _signing_cache.clear()


def statement_get_public(*, slug: str) -> Statement:
    return statement_get_visible(slug=slug, user=AnonymousUser())


def statement_list_public() -> list[Statement]:
    """The latest public statements, each titled as its published version is (an edit
    in progress is a draft version, not shown)."""
    published_title = (
        StatementVersion.objects.filter(statement=OuterRef("pk"), published_at__isnull=False)
        .order_by("-number")
        .values("title")[:1]
    )
    statements = list(
        Statement.objects.filter(status__in=[Statement.Status.PUBLISHED, Statement.Status.CLOSED])
        .annotate(published_title=Subquery(published_title))
        .order_by("-published_at")[:50]
    )
    for statement in statements:
        statement.title = statement.published_title or statement.title
    return statements


# --- versions, blocks and translations ------------------------------------------------------


@dataclass
class ShownBlock:
    """A block as a reader sees it: in one language, with its children."""

    key: str
    kind: str
    number: str
    marker: str
    text: str
    language: str
    children: list[ShownBlock] = field(default_factory=list)

    @property
    def direction(self) -> str:
        return text_direction(self.language)


# statement id -> (monotonic expiry, the version readers see): looked up at most every
# two seconds per process, like the statement itself for signing.
_shown_cache: dict[int, tuple[float, StatementVersion | None]] = {}


def version_shown(*, statement: Statement, user: AbstractBaseUser | AnonymousUser):
    """The version a reader sees: the latest published one (as of at most two seconds
    ago). Organizers see the latest version, a draft included, as it is now."""
    versions = statement.versions.order_by("-number")
    if getattr(user, "is_staff", False):
        return versions.first()
    if not statement.is_public:
        return None
    now = time.monotonic()
    cached = _shown_cache.get(statement.pk)
    if cached is None or cached[0] < now:
        if len(_shown_cache) > 1000:
            _shown_cache.clear()
        shown = versions.filter(published_at__isnull=False).first() or versions.first()
        cached = (now + SIGNING_CACHE_SECONDS, shown)
        _shown_cache[statement.pk] = cached
    return cached[1]


def versions_visible(
    *, statement: Statement, user: AbstractBaseUser | AnonymousUser
) -> list[StatementVersion]:
    """Published versions; organizers also see the draft one."""
    versions = statement.versions.order_by("number")
    if not getattr(user, "is_staff", False):
        versions = versions.filter(published_at__isnull=False)
    return list(versions)


def version_get_visible(
    *, statement: Statement, number: int, user: AbstractBaseUser | AnonymousUser
) -> StatementVersion:
    for version in versions_visible(statement=statement, user=user):
        if version.number == number:
            return version
    raise Http404


@dataclass
class Comparison:
    old: StatementVersion
    new: StatementVersion
    changes: list  # diff.BlockChange, in the new version's order
    kinds: dict[str, str]  # block key -> kind
    title_change: object  # diff.BlockChange of the titles

    @property
    def changed(self) -> int:
        return sum(change.status != "unchanged" or change.moved for change in self.changes)


def _texts(version: StatementVersion) -> list[tuple[str, str]]:
    return [(block.key, block.text) for block in version_blocks(version=version) if block.text]


def versions_compare(*, old: StatementVersion, new: StatementVersion) -> Comparison:
    from undersigned.statements import diff

    kinds = dict(Block.objects.filter(version__in=[old, new]).values_list("key", "kind").distinct())
    return Comparison(
        old=old,
        new=new,
        changes=diff.diff_blocks(_texts(old), _texts(new)),
        kinds=kinds,
        title_change=diff.diff_block("title", old.title, new.title),
    )


def versions_unified_diff(*, old: StatementVersion, new: StatementVersion) -> str:
    from undersigned.statements import diff

    slug = old.statement.slug
    return diff.unified_diff(
        [("title", old.title), *_texts(old)],
        [("title", new.title), *_texts(new)],
        old_label=f"{slug} version {old.number}",
        new_label=f"{slug} version {new.number}",
    )


def version_languages(*, version: StatementVersion) -> list[str]:
    """Languages with an approved translation of every block that has text."""
    return list(version.languages)


def version_languages_recount(*, version: StatementVersion) -> list[str]:
    """What version.languages should hold, counted from the rows (for the services)."""
    needed = version.blocks.exclude(text="").count()
    if not needed:
        return []
    rows = (
        BlockTranslation.objects.filter(
            block__version=version, state=BlockTranslation.State.APPROVED
        )
        .exclude(block__text="")
        .values("language")
        .annotate(done=Count("id"))
    )
    return sorted(row["language"] for row in rows if row["done"] == needed)


def version_blocks(*, version: StatementVersion) -> list[Block]:
    return list(version.blocks.order_by("position"))


def version_reading(*, version: StatementVersion, language: str) -> list[ShownBlock]:
    """The version's block tree in `language`: the source text, or the approved
    translations when `language` is another one."""
    blocks = version_blocks(version=version)
    texts: dict[int, str] = {}
    if language != version.language:
        texts = dict(
            BlockTranslation.objects.filter(
                block__version=version,
                language=language,
                state=BlockTranslation.State.APPROVED,
            ).values_list("block_id", "text")
        )
    shown: dict[int, ShownBlock] = {}
    roots: list[ShownBlock] = []
    for block in blocks:
        translated = block.pk in texts
        item = ShownBlock(
            key=block.key,
            kind=block.kind,
            number=block.number,
            marker=block.marker,
            text=texts[block.pk] if translated else block.text,
            language=language if translated else block.language,
        )
        shown[block.pk] = item
        if block.parent_id is None:
            roots.append(item)
        else:
            shown[block.parent_id].children.append(item)
    return roots


def statement_titles(*, statement: Statement, version: StatementVersion | None) -> dict[str, str]:
    """Language code -> title; the version's own title in its language."""
    titles = dict(statement.titles.values_list("language", "text"))
    if version is not None:
        titles[version.language] = version.title
    return titles


def reader_language(
    *, choice: str, interface: str, accepted: list[str], source: str, available: list[str]
) -> str:
    """The language a reader sees the text in, among the original (`source`) and its
    approved translations (`available`): their explicit choice (?lang=), else the first
    language their browser accepts (`accepted`, in the order of its q values) that the
    text exists in, else the interface language, else the original. A regional code
    ("ar-EG") falls back to its language ("ar")."""
    offered = {source, *available}
    for candidate in (choice, *accepted, interface):
        code = (candidate or "").lower()
        for option in (code, code.split("-")[0]):
            if option in offered:
                return option
    return source


@dataclass
class Reading:
    """What the statement page shows of the text."""

    version: StatementVersion | None
    language: str  # the language the text is shown in
    source_language: str
    title: str
    blocks: list[ShownBlock]
    languages: list[str]  # the original and its approved translations
    titles: dict[str, str]
    compare_language: str = ""  # a second language shown side by side
    compare_title: str = ""
    rows: list[tuple[ShownBlock, ShownBlock]] = field(default_factory=list)
    body_html: str = ""  # the blocks (or the pairs side by side), escaped: rendering.py

    @property
    def is_translation(self) -> bool:
        return self.language != self.source_language

    @property
    def title_language(self) -> str:
        return self.language if self.language in self.titles else self.source_language

    @property
    def compare_title_language(self) -> str:
        if self.compare_language in self.titles:
            return self.compare_language
        return self.source_language


def _pairs(left: list[ShownBlock], right: list[ShownBlock]) -> list[tuple[ShownBlock, ShownBlock]]:
    """Blocks of two readings of one version, side by side in document order."""
    pairs: list[tuple[ShownBlock, ShownBlock]] = []
    for one, other in zip(left, right, strict=True):
        pairs.append((one, other))
        pairs.extend(_pairs(one.children, other.children))
    return pairs


# (version id, revision, language, compare) -> Reading, in this process: a version's
# revision changes with any change of what a reader sees of it (services).
_reading_cache: dict[tuple[int, int, str, str], Reading] = {}


def statement_reading(
    *,
    statement: Statement,
    user: AbstractBaseUser | AnonymousUser,
    choice: str = "",
    interface: str = "",
    accepted: list[str] | None = None,
    compare: str = "",
) -> Reading:
    """What the statement page shows of the text: one query when the version's reading
    has been built before in this process (it is then only read, never changed)."""
    version = version_shown(statement=statement, user=user)
    if version is None:
        return Reading(None, statement.language, statement.language, statement.title, [], [], {})
    available = version_languages(version=version)
    language = reader_language(
        choice=choice,
        interface=interface,
        accepted=accepted or [],
        source=version.language,
        available=available,
    )
    languages = [version.language, *available]
    compare = compare if compare != language and compare in languages else ""
    key = (version.pk, version.revision, language, compare)
    reading = _reading_cache.get(key)
    if reading is None:
        reading = _build_reading(version, language, languages, compare)
        if len(_reading_cache) >= 512:
            _reading_cache.clear()
        _reading_cache[key] = reading
    return reading


def statement_reading_cache_clear() -> None:
    _reading_cache.clear()
    _shown_cache.clear()


def _build_reading(
    version: StatementVersion, language: str, languages: list[str], compare: str
) -> Reading:
    from undersigned.statements.rendering import render_blocks, render_pairs

    titles = statement_titles(statement=version.statement, version=version)
    blocks = version_reading(version=version, language=language)
    reading = Reading(
        version=version,
        language=language,
        source_language=version.language,
        title=titles.get(language, version.title),
        blocks=blocks,
        languages=languages,
        titles=titles,
    )
    if compare:
        reading.compare_language = compare
        reading.compare_title = titles.get(compare, version.title)
        reading.rows = _pairs(blocks, version_reading(version=version, language=compare))
        reading.body_html = mark_safe(render_pairs(reading.rows))  # noqa: S308 - escaped
    else:
        reading.body_html = mark_safe(render_blocks(blocks))  # noqa: S308 - escaped
    return reading


@dataclass
class TranslationRow:
    block: Block
    translation: BlockTranslation | None
    source_diff_html: str = ""  # for an outdated translation: what changed in the source


def translation_workspace(*, version: StatementVersion, language: str) -> list[TranslationRow]:
    """Every block with text beside its translation in `language`; an outdated one comes
    with the change of its source since the text it translates."""
    from undersigned.statements import diff

    translations = {
        t.block_id: t
        for t in BlockTranslation.objects.filter(block__version=version, language=language)
    }
    rows = []
    for block in version.blocks.exclude(text="").order_by("position"):
        translation = translations.get(block.pk)
        row = TranslationRow(block=block, translation=translation)
        if translation is not None and translation.source_hash != block.source_hash:
            old = (
                Block.objects.filter(
                    version__statement_id=version.statement_id,
                    key=block.key,
                    source_hash=translation.source_hash,
                )
                .values_list("text", flat=True)
                .first()
            )
            if old is not None:
                row.source_diff_html = diff.render_html(diff.diff_block(block.key, old, block.text))
        rows.append(row)
    return rows


# --- requested translations and their progress ---------------------------------------------


def translation_progress_version(*, statement: Statement) -> StatementVersion | None:
    """The version whose translation progress is followed: the one readers see (the
    latest published), else, before publication, the latest."""
    versions = statement.versions.order_by("-number")
    return versions.filter(published_at__isnull=False).first() or versions.first()


@dataclass
class LanguageProgress:
    """How far one language has got on one version: its blocks with text, counted by the
    state of their translation."""

    language: str
    total: int
    approved: int = 0
    needs_review: int = 0
    draft: int = 0
    outdated: int = 0
    requested: TranslationRequest | None = None

    @property
    def missing(self) -> int:
        """Blocks with no translation at all."""
        return self.total - self.approved - self.needs_review - self.draft - self.outdated

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.approved == self.total

    @property
    def direction(self) -> str:
        return text_direction(self.language)


def translation_progress(
    *, version: StatementVersion, languages: list[str]
) -> list[LanguageProgress]:
    """The progress of each of `languages` on `version`, in that order: two queries, the
    version's blocks and its translations counted by language and state."""
    total = version.blocks.exclude(text="").count()
    progress = {code: LanguageProgress(language=code, total=total) for code in languages}
    counts = (
        BlockTranslation.objects.filter(block__version=version, language__in=languages)
        .exclude(block__text="")
        .values_list("language", "state")
        .annotate(count=Count("id"))
        .order_by()
    )
    for language, state, count in counts:
        if state in {choice for choice, _label in BlockTranslation.State.choices}:
            setattr(progress[language], state, count)
    return list(progress.values())


@dataclass
class RequestedTranslations:
    version: StatementVersion | None
    languages: list[LanguageProgress]  # the requested ones, in the order asked for


def translations_requested(*, statement: Statement) -> RequestedTranslations:
    """The languages requested for the statement, oldest request first, each with its
    progress on the version readers see."""
    requests = list(statement.translation_requests.order_by("requested_at", "pk"))
    version = translation_progress_version(statement=statement)
    if version is None:
        return RequestedTranslations(version=None, languages=[])
    languages = translation_progress(version=version, languages=[r.language for r in requests])
    for item, request in zip(languages, requests, strict=True):
        item.requested = request
    return RequestedTranslations(version=version, languages=languages)


@dataclass
class TimelineEntry:
    when: object  # a date
    kind: str  # "statement" or "conference"
    title: str
    url: str
    current: bool = False


def series_timeline(*, series, current: object = None) -> list[TimelineEntry]:
    """The public statements and the conferences of a series, by date."""
    if series is None:
        return []
    entries = [
        TimelineEntry(
            when=statement.published_at.date(),
            kind="statement",
            title=statement.title,
            url=statement.get_absolute_url(),
            current=statement == current,
        )
        for statement in series.statements.filter(
            status__in=[Statement.Status.PUBLISHED, Statement.Status.CLOSED]
        )
        if statement.published_at
    ]
    entries += [
        TimelineEntry(
            when=conference.starts_on,
            kind="conference",
            title=conference.title,
            url=conference.get_absolute_url(),
            current=conference == current,
        )
        for conference in series.conferences.all()
    ]
    return sorted(entries, key=lambda entry: entry.when)
