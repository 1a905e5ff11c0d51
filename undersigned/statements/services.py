"""Every write to statements. Each function owns its transaction and writes an audit entry."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from difflib import SequenceMatcher

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from undersigned.core.audit import audit_record
from undersigned.statements import parsing
from undersigned.statements.models import (
    Block,
    BlockTranslation,
    Statement,
    StatementTitle,
    StatementVersion,
    TranslationRequest,
)

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")


def source_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def split_markdown(text: str) -> tuple[str, str]:
    """The first heading becomes the title, the rest the body."""
    lines = text.replace("\r\n", "\n").split("\n")
    for index, line in enumerate(lines):
        match = _HEADING.match(line)
        if match and match.group(1).strip():
            body = "\n".join(lines[:index] + lines[index + 1 :]).strip()
            return match.group(1).strip(), body
        if line.strip():
            break
    raise ValidationError(_("The file must start with a heading, which becomes the title."))


def _unique_slug(title: str) -> str:
    base = slugify(title)[:60].strip("-") or "statement"
    slug, number = base, 2
    while Statement.objects.filter(slug=slug).exists():
        slug, number = f"{base}-{number}", number + 1
    return slug


# --- versions and blocks -----------------------------------------------------------------------


def _flatten(
    blocks: list[parsing.Block], parent: int | None = None, flat: list | None = None
) -> list[tuple[int | None, parsing.Block]]:
    """The tree in document order, each block with the index of its parent."""
    flat = [] if flat is None else flat
    for block in blocks:
        flat.append((parent, block))
        _flatten(block.children, len(flat) - 1, flat)
    return flat


def _matched_keys(old: list[Block], new: list[parsing.Block]) -> list[str | None]:
    """For each new block, the key of the old block it continues, or None for a new one.
    Blocks are aligned on (kind, text): an unchanged block keeps its key, and within a run
    of changed blocks each new block continues the old one of the same kind at the same
    place, so that an amended paragraph is the same paragraph, amended."""
    keys: list[str | None] = [None] * len(new)
    matcher = SequenceMatcher(
        None, [(b.kind, b.text) for b in old], [(b.kind, b.text) for b in new], autojunk=False
    )
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for offset in range(i2 - i1):
                keys[j1 + offset] = old[i1 + offset].key
        elif tag == "replace":
            for offset in range(min(i2 - i1, j2 - j1)):
                if _continues(old[i1 + offset].kind, new[j1 + offset].kind):
                    keys[j1 + offset] = old[i1 + offset].key
    return keys


def _continues(old_kind: str, new_kind: str) -> bool:
    """Whether a changed block can continue an old one of `old_kind`: one of the same
    kind, or a paragraph or heading now read as the closing signature line (or back),
    which is the same line, so its key and its translations stay."""
    kinds = {old_kind, new_kind}
    return old_kind == new_kind or (
        "closing" in kinds and kinds <= {"paragraph", "heading", "closing"}
    )


def _next_key_number(statement: Statement) -> int:
    keys = Block.objects.filter(version__statement=statement).values_list("key", flat=True)
    numbers = [int(key[1:]) for key in keys if key[1:].isdigit()]
    return max(numbers, default=0) + 1


def _block_language(text: str, language: str) -> str:
    """A block in another script than the statement's (an Arabic slogan in an English
    text) gets its own language, so that it runs in its own direction."""
    if not text or len(text) < 3:
        return language
    main = parsing.main_script(text)
    if main and main != parsing.language_script(language):
        return parsing.detect_language(text) or language
    return language


def _write_blocks(
    *, version: StatementVersion, tree: list[parsing.Block], previous: list[Block]
) -> list[Block]:
    flat = _flatten(tree)
    matched = _matched_keys(previous, [block for _parent, block in flat])
    explicit = {block.key for _parent, block in flat if block.key}
    keys = [
        block.key or (key if key not in explicit else None)
        for (_parent, block), key in zip(flat, matched, strict=True)
    ]
    # Keys are never reused, not even those of a draft's blocks that are being replaced.
    number = max(
        [_next_key_number(version.statement)]
        + [int(b.key[1:]) + 1 for b in previous if b.key[1:].isdigit()]
    )
    rows: list[Block] = []
    for position, ((parent, block), key) in enumerate(zip(flat, keys, strict=True)):
        if key is None:
            key, number = f"b{number}", number + 1
        rows.append(
            Block(
                version=version,
                key=key,
                position=position,
                kind=block.kind,
                number=block.number or "",
                marker=block.marker or "",
                text=block.text,
                language=_block_language(block.text, version.language),
                source_hash=source_hash(block.text),
                parent=rows[parent] if parent is not None else None,
            )
        )
    # Parents first, one level at a time, so that each child points at a saved row.
    for depth_rows in _by_depth(rows):
        for row in depth_rows:
            row.parent_id = row.parent.pk if row.parent is not None else None
        Block.objects.bulk_create(depth_rows)
    return rows


def _by_depth(rows: list[Block]) -> list[list[Block]]:
    levels: dict[int, list[Block]] = {}
    for row in rows:
        depth, parent = 0, row.parent
        while parent is not None:
            depth, parent = depth + 1, parent.parent
        levels.setdefault(depth, []).append(row)
    return [levels[depth] for depth in sorted(levels)]


def _carry_translations(old: list[Block], new: list[Block]) -> int:
    """Copy the translations of the old blocks to the new blocks with the same key. A copy
    whose source text changed becomes outdated; it keeps the hash of the text it
    translates, so that the translator is shown what changed. Returns how many became
    outdated."""
    by_key = {block.key: block for block in new}
    translations = BlockTranslation.objects.filter(block__in=[b.pk for b in old]).select_related(
        "block"
    )
    copies, outdated = [], 0
    for translation in translations:
        block = by_key.get(translation.block.key)
        if block is None:
            continue
        state = translation.state
        if block.source_hash != translation.source_hash:
            state = BlockTranslation.State.OUTDATED
            outdated += 1
        copies.append(
            BlockTranslation(
                block=block,
                language=translation.language,
                text=translation.text,
                origin=translation.origin,
                state=state,
                translator_id=translation.translator_id,
                source_hash=translation.source_hash,
            )
        )
    BlockTranslation.objects.bulk_create(copies)
    return outdated


def _latest_version(statement: Statement) -> StatementVersion | None:
    return statement.versions.order_by("-number").first()


def _save_version(
    *, statement: Statement, tree: list[parsing.Block]
) -> tuple[StatementVersion, bool, int]:
    """Put the statement's text into its working version: a new version when the latest
    is published (a published version never changes), else the draft version, rewritten.
    Returns the version, whether it is new, and how many translated blocks became
    outdated."""
    latest = _latest_version(statement)
    if latest is not None and not latest.is_published:
        previous = list(latest.blocks.all())
        keep = {b.key: b for b in previous}
        latest.title, latest.language = statement.title, statement.language
        latest.save(update_fields=["title", "language"])
        # Translations of the draft move to the rewritten blocks; then the old rows go.
        saved = list(BlockTranslation.objects.filter(block__version=latest).select_related("block"))
        latest.blocks.all().delete()
        rows = _write_blocks(version=latest, tree=tree, previous=previous)
        outdated = _restore_translations(saved, rows, keep)
        _recount_languages(latest)
        return latest, False, outdated
    version = StatementVersion.objects.create(
        statement=statement,
        number=(latest.number + 1) if latest else 1,
        title=statement.title,
        language=statement.language,
    )
    previous = list(latest.blocks.all()) if latest else []
    rows = _write_blocks(version=version, tree=tree, previous=previous)
    outdated = _carry_translations(previous, rows)
    _recount_languages(version)
    return version, True, outdated


@transaction.atomic
def version_create(
    *,
    statement: Statement,
    tree: list[parsing.Block],
    base: StatementVersion,
    actor: AbstractBaseUser | None = None,
    actor_label: str = "",
    note: str = "",
) -> StatementVersion:
    """A new version from a block tree that continues `base` (a conference's consolidated
    text): blocks keep base's keys where they continue its blocks, translations follow.
    `base` is fixed from now on, and the statement's text becomes the new version's."""
    statement = Statement.objects.select_for_update().get(pk=statement.pk)
    if base.published_at is None:
        base.published_at = timezone.now()  # fixed: amendments and the redline refer to it
        base.save(update_fields=["published_at"])
    latest = _latest_version(statement)
    version = StatementVersion.objects.create(
        statement=statement,
        number=latest.number + 1,
        title=base.title,
        language=base.language,
    )
    previous = list(base.blocks.all())
    rows = _write_blocks(version=version, tree=tree, previous=previous)
    _carry_translations(previous, rows)
    _recount_languages(version)
    statement.body = parsing.body_text(tree)
    statement.save(update_fields=["body", "updated"])
    audit_record(
        action="statement.version_create",
        target=statement,
        actor=actor,
        actor_label=actor_label,
        data={"version": version.number, "from": base.number, "note": note},
    )
    return version


def _recount_languages(version: StatementVersion) -> None:
    from undersigned.statements.selectors import version_languages_recount

    version.languages = version_languages_recount(version=version)
    version.revision += 1
    version.save(update_fields=["languages", "revision"])


def _restore_translations(
    saved: list[BlockTranslation], rows: list[Block], old: dict[str, Block]
) -> int:
    by_key = {block.key: block for block in rows}
    outdated = 0
    copies = []
    for translation in saved:
        block = by_key.get(translation.block.key)
        if block is None:
            continue
        translation.pk = None
        translation.block = block
        if block.source_hash != translation.source_hash:
            translation.state = BlockTranslation.State.OUTDATED
            outdated += 1
        copies.append(translation)
    BlockTranslation.objects.bulk_create(copies)
    return outdated


def statement_validate(*, title: str, body: str, language: str) -> None:
    if not title.strip():
        raise ValidationError(_("A statement needs a title."))
    if not body.strip():
        raise ValidationError(_("A statement needs a text."))
    if not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*", language):
        raise ValidationError(_("The language must be a code such as en, fr or pt-BR."))


@transaction.atomic
def statement_create(
    *,
    title: str,
    body: str,
    language: str,
    slug: str = "",
    titles: dict[str, str] | None = None,
    actor: AbstractBaseUser | None = None,
    actor_label: str = "",
) -> Statement:
    """A draft statement with its first version. `titles` adds the title in other
    languages (an imported title block); the title in `language` is `title`."""
    statement_validate(title=title, body=body, language=language)
    statement = Statement.objects.create(
        slug=slug or _unique_slug(title), title=title.strip(), body=body, language=language
    )
    version, _new, _outdated = _save_version(
        statement=statement, tree=parsing.parse_body(body, language=language)
    )
    StatementTitle.objects.bulk_create(
        StatementTitle(statement=statement, language=code, text=text.strip()[:300])
        for code, text in (titles or {}).items()
        if code != language and text.strip()
    )
    audit_record(
        action="statement.create",
        target=statement,
        actor=actor,
        actor_label=actor_label,
        data={"title": statement.title, "slug": statement.slug, "version": version.number},
    )
    return statement


@transaction.atomic
def statement_update(
    *,
    statement: Statement,
    title: str,
    body: str,
    language: str,
    slug: str,
    actor: AbstractBaseUser | None = None,
) -> Statement:
    """Change the text or its address. A change of text goes into the working version: a
    new one when the latest version is published, which stays as it was."""
    statement_validate(title=title, body=body, language=language)
    statement = Statement.objects.select_for_update().get(pk=statement.pk)
    title = title.strip()
    changed = [
        field
        for field, value in (
            ("title", title),
            ("body", body),
            ("language", language),
            ("slug", slug),
        )
        if getattr(statement, field) != value
    ]
    statement.title, statement.body, statement.language, statement.slug = (
        title,
        body,
        language,
        slug,
    )
    statement.save()
    data: dict = {"changed": changed}
    if set(changed) & {"title", "body", "language"}:
        version, new, outdated = _save_version(
            statement=statement, tree=parsing.parse_body(body, language=language)
        )
        data.update(version=version.number, new_version=new, outdated_translations=outdated)
    audit_record(action="statement.update", target=statement, actor=actor, data=data)
    return statement


@transaction.atomic
def statement_publish(
    *, statement: Statement, actor: AbstractBaseUser | None = None, actor_label: str = ""
) -> Statement:
    """Publish the statement, and its latest version if that is a draft: from then on
    that version never changes."""
    statement = Statement.objects.select_for_update().get(pk=statement.pk)
    now = timezone.now()
    version = _latest_version(statement)
    if version is not None and not version.is_published:
        version.published_at = now
        version.save(update_fields=["published_at"])
        audit_record(
            action="statement.version_publish",
            target=statement,
            actor=actor,
            actor_label=actor_label,
            data={"version": version.number},
        )
    if statement.status != Statement.Status.PUBLISHED:
        previous = statement.status
        statement.status = Statement.Status.PUBLISHED
        statement.published_at = statement.published_at or now
        statement.closed_at = None
        statement.save(update_fields=["status", "published_at", "closed_at", "updated"])
        audit_record(
            action="statement.publish",
            target=statement,
            actor=actor,
            actor_label=actor_label,
            data={"from": previous},
        )
    return statement


@transaction.atomic
def statement_close(*, statement: Statement, actor: AbstractBaseUser | None = None) -> Statement:
    statement = Statement.objects.select_for_update().get(pk=statement.pk)
    if statement.status == Statement.Status.PUBLISHED:
        statement.status = Statement.Status.CLOSED
        statement.closed_at = timezone.now()
        statement.save(update_fields=["status", "closed_at", "updated"])
        audit_record(action="statement.close", target=statement, actor=actor)
    return statement


# --- translations ----------------------------------------------------------------------------

_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")


def _check_target(version: StatementVersion, language: str) -> None:
    if not _LANGUAGE_CODE.fullmatch(language):
        raise ValidationError(_("The language must be a code such as en, fr or pt-BR."))
    if language == version.language:
        raise ValidationError(_("This is the language of the original text."))


@transaction.atomic
def translation_save(
    *,
    version: StatementVersion,
    language: str,
    texts: dict[str, str],
    title: str = "",
    state: str = BlockTranslation.State.DRAFT,
    marks: dict[str, str] | None = None,
    actor: AbstractBaseUser | None = None,
) -> int:
    """Store a person's translation of some blocks (block key -> text).

    `state` goes only to the blocks the person wrote: a new translation, or a changed
    text. A block whose text is unchanged keeps its text, origin, translator and state
    (an outdated one stays outdated) unless `marks` (block key -> state) gives it another
    state: that is how a person approves a machine draft or confirms an outdated block
    without editing it. A block that changes state is confirmed against the current
    source. An empty text removes the block's translation. Returns how many blocks
    changed."""
    _check_target(version, language)
    allowed = {choice for choice, _label in BlockTranslation.State.choices} - {
        BlockTranslation.State.OUTDATED
    }
    marks = marks or {}
    if state not in allowed:
        raise ValidationError(_("Unknown state."))
    blocks = {block.key: block for block in version.blocks.exclude(text="")}
    existing = {
        t.block.key: t
        for t in BlockTranslation.objects.filter(block__version=version, language=language)
        .select_related("block")
        .select_for_update()
    }
    changed = 0
    marked: dict[str, str] = {}  # block key -> the state a mark gave it
    for key in [*texts, *(key for key in marks if key not in texts)]:
        block = blocks.get(key)
        if block is None:
            continue
        current = existing.get(key)
        mark = marks.get(key) or None
        if current is not None and mark in {current.state, BlockTranslation.State.OUTDATED}:
            mark = None  # the state the block has, as the screen showed it: no choice made
        if mark is not None and mark not in allowed:
            raise ValidationError(_("Unknown state."))
        raw = texts.get(key)
        if raw is None:
            raw = current.text if current is not None else ""
        # A browser posts the line breaks of a text area as CRLF.
        text = raw.replace("\r\n", "\n").replace("\r", "\n").strip()
        if not text:
            if current is not None:
                current.delete()
                changed += 1
            continue
        if mark is not None:
            marked[key] = mark
        if current is None:
            BlockTranslation.objects.create(
                block=block,
                language=language,
                text=text,
                origin=BlockTranslation.Origin.HUMAN,
                state=mark or state,
                translator=actor,
                source_hash=block.source_hash,
            )
            changed += 1
            continue
        same_text = current.text == text
        if same_text and mark is None:
            continue  # untouched: neither written nor marked
        if not same_text:
            current.origin = BlockTranslation.Origin.HUMAN
            current.translator = actor
            current.text = text
        # The person wrote or looked at this block: it now translates the current source.
        current.source_hash = block.source_hash
        current.state = mark or state
        current.save()
        changed += 1
    title = title.strip()[:300]
    if title:
        StatementTitle.objects.update_or_create(
            statement=version.statement, language=language, defaults={"text": title}
        )
    _recount_languages(version)
    audit_record(
        action="translation.save",
        target=version.statement,
        actor=actor,
        data={
            "version": version.number,
            "language": language,
            "blocks": changed,
            "state": state,
            "marked": marked,
        },
    )
    return changed


class MachineTranslationOff(Exception):
    """No machine translation provider is configured."""


def translation_machine_fill(
    *, version: StatementVersion, language: str, actor: AbstractBaseUser | None = None
) -> int:
    """Fill the blocks that have no translation in `language` with the provider's output,
    stored as origin machine and state needs review: a person approves them, or not.
    The provider is asked outside any transaction. Returns how many blocks were filled.
    Raises MachineTranslationOff, or translation.TranslationError from the provider."""
    from undersigned.statements.translation import translation_provider

    provider = translation_provider()
    if provider is None:
        raise MachineTranslationOff()
    _check_target(version, language)
    done = set(
        BlockTranslation.objects.filter(block__version=version, language=language).values_list(
            "block_id", flat=True
        )
    )
    todo = [b for b in version.blocks.exclude(text="") if b.pk not in done]
    drafts = [
        (block, provider.translate(block.text, source=block.language, target=language))
        for block in todo
    ]
    with transaction.atomic():
        BlockTranslation.objects.bulk_create(
            [
                BlockTranslation(
                    block=block,
                    language=language,
                    text=text.strip(),
                    origin=BlockTranslation.Origin.MACHINE,
                    state=BlockTranslation.State.NEEDS_REVIEW,
                    translator=None,
                    source_hash=block.source_hash,
                )
                for block, text in drafts
                if text.strip()
            ],
            ignore_conflicts=True,  # a person saved this block meanwhile: theirs stays
        )
        _recount_languages(version)
        audit_record(
            action="translation.machine",
            target=version.statement,
            actor=actor,
            data={"version": version.number, "language": language, "provider": provider.name},
        )
    return len(drafts)


def language_code(code: str) -> str:
    """`code` as a requested language is stored ("pt-BR " -> "pt-br", as Django and the
    conference admin write it), or "" when it is not a language code."""
    code = (code or "").strip().lower()
    return code if _LANGUAGE_CODE.fullmatch(code) else ""


@transaction.atomic
def translations_request(
    *,
    statement: Statement,
    languages: Iterable[str],
    actor: AbstractBaseUser | None = None,
    actor_label: str = "",
) -> list[str]:
    """Ask for the statement in these languages: they are listed first, with their
    progress, on its translations page. The statement's own language is left out, and a
    language asked for before stays as it was (asking again changes nothing). When a
    machine translation provider is configured, a machine draft of the version readers
    see is queued for each newly requested language (tasks.translation_machine_draft: the
    provider is asked by the worker, after this transaction, never inside it).

    Raises ValidationError, requesting nothing, if any code is not a language code.
    Returns the newly requested languages, in the order given."""
    from undersigned.statements import translation
    from undersigned.statements.selectors import translation_progress_version
    from undersigned.statements.tasks import translation_machine_draft

    if isinstance(languages, str):
        languages = [languages]
    given = [(code, language_code(str(code))) for code in languages]
    invalid = [str(code).strip() for code, clean in given if not clean]
    if invalid:
        shown = ", ".join(code for code in invalid if code)
        message = _("The language must be a code such as en, fr or pt-BR.")
        raise ValidationError(f"{message} ({shown})" if shown else message)
    statement = Statement.objects.select_for_update().get(pk=statement.pk)
    source = language_code(statement.language)
    existing = set(statement.translation_requests.values_list("language", flat=True))
    new = [
        code
        for code in dict.fromkeys(clean for _code, clean in given)
        if code != source and code not in existing
    ]
    if not new:
        return []
    now = timezone.now()
    TranslationRequest.objects.bulk_create(
        TranslationRequest(statement=statement, language=code, requested_at=now, requested_by=actor)
        for code in new
    )
    data: dict = {"languages": new}
    version = translation_progress_version(statement=statement)
    if version is not None and translation.translation_provider() is not None:
        for code in new:
            # Queued in this transaction: the drafts are asked for exactly when the
            # request exists; the worker runs them once it is committed.
            translation_machine_draft.enqueue(version.pk, code)
        data["machine_drafts"] = {"version": version.number, "languages": new}
    audit_record(
        action="translation.request",
        target=statement,
        actor=actor,
        actor_label=actor_label,
        data=data,
    )
    return new


# --- import ----------------------------------------------------------------------------------


def statement_import(
    *,
    parsed: parsing.ParsedStatement,
    language: str,
    titles: dict[str, str],
    slug: str = "",
    signatories: bool = False,
    actor: AbstractBaseUser | None = None,
    actor_label: str = "",
):
    """A draft statement from a parsed text, as the organizer checked it in the preview:
    `titles` (language -> title, as corrected) and the language of the text. With
    `signatories`, the signatory list is added as signatures that are imported, not
    verified by email; lines without a country are reported, not added.
    Returns (statement, signature import report or None)."""
    from undersigned.signatures.exchange import ImportLine, ImportReport, import_records

    title = (titles.get(language) or next(iter(titles.values()), "")).strip()
    if not parsed.blocks:
        raise ValidationError(_("No text was found to import."))
    with transaction.atomic():
        statement = statement_create(
            title=title,
            body=parsing.body_text(parsed.blocks),
            language=language,
            slug=slug,
            titles=titles,
            actor=actor,
            actor_label=actor_label,
        )
        report = None
        if signatories and parsed.signatories:
            report = ImportReport()
            records = []
            for number, signatory in enumerate(parsed.signatories, start=1):
                if not signatory.country:
                    reason = _("no country")
                    report.lines.append(ImportLine(number, "reject", signatory.name, reason))
                    continue
                records.append(
                    (
                        number,
                        {
                            "kind": signatory.kind,
                            "name": signatory.name,
                            "country": signatory.country,
                            "affiliation": signatory.affiliation or "",
                            "city": signatory.city or "",
                            "email": "",
                            "show_name": True,
                        },
                    )
                )
            import_records(
                records,
                statement=statement,
                actor=actor,
                actor_label=actor_label or "import",
                report=report,
            )
    return statement, report


@transaction.atomic
def series_set(
    *, series, statements: list, conferences: list, actor: AbstractBaseUser | None = None
) -> None:
    """Make exactly these statements and conferences the members of the series."""
    series.statements.exclude(pk__in=[s.pk for s in statements]).update(series=None)
    Statement.objects.filter(pk__in=[s.pk for s in statements]).update(series=series)
    series.conferences.exclude(pk__in=[c.pk for c in conferences]).update(series=None)
    for conference in conferences:
        type(conference).objects.filter(pk=conference.pk).update(series=series)
    audit_record(
        action="series.set",
        target=series,
        actor=actor,
        data={"statements": [s.pk for s in statements], "conferences": [c.pk for c in conferences]},
    )
