from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Series(models.Model):
    """Statements and conferences that follow one another (a declaration, the next
    conference, the manifesto it decided to write), shown as a timeline."""

    slug = models.SlugField(_("address"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=300)

    class Meta:
        verbose_name = _("series")
        verbose_name_plural = _("series")

    def __str__(self) -> str:
        return self.title


class Statement(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published: open for signatures")
        CLOSED = "closed", _("Closed: published, no longer signable")

    slug = models.SlugField(_("address"), max_length=80, unique=True, allow_unicode=False)
    title = models.CharField(_("title"), max_length=300)
    # The text as the organizer wrote or pasted it. Each save reads it into the blocks of
    # the statement's working version (services.statement_update); readers see blocks.
    body = models.TextField(
        _("text"),
        help_text=_(
            "Plain text or Markdown. Numbered sections (1., 2.), lettered items (a-, b)) "
            "and lists are recognised; raw HTML is shown as text, never run."
        ),
    )
    language = models.CharField(_("language of the text"), max_length=12)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    series = models.ForeignKey(
        Series,
        verbose_name=_("series"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="statements",
    )

    class Meta:
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.status in {self.Status.PUBLISHED, self.Status.CLOSED}

    @property
    def is_signable(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def get_absolute_url(self) -> str:
        return reverse("statements:detail", kwargs={"slug": self.slug})


class StatementTitle(models.Model):
    """The statement's title in one language: from the title block of an import (one line
    per language) or from a translator. The source language's title is Statement.title."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="titles")
    language = models.CharField(_("language"), max_length=12)
    text = models.CharField(_("title"), max_length=300)

    class Meta:
        verbose_name = _("title")
        verbose_name_plural = _("titles")
        constraints = [
            models.UniqueConstraint(fields=["statement", "language"], name="title_one_per_language")
        ]

    def __str__(self) -> str:
        return f"{self.language}: {self.text}"


class StatementVersion(models.Model):
    """One state of the text. A published version never changes: editing a statement
    whose latest version is published makes a new version (services.statement_update)."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=300)
    language = models.CharField(_("language of the text"), max_length=12)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    # Languages in which every block with text has an approved translation. Kept by the
    # translation services, so that the public page does not count rows to know them.
    languages = models.JSONField(default=list, blank=True)
    # Goes up with every change of its blocks' texts or translations or of the titles:
    # readers' pages of the version are cached under it (selectors.statement_reading).
    revision = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("version")
        verbose_name_plural = _("versions")
        ordering = ["statement", "number"]
        constraints = [
            models.UniqueConstraint(fields=["statement", "number"], name="version_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.statement.slug} v{self.number}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class Block(models.Model):
    """A piece of a version: heading, numbered section, lettered or bulleted item,
    paragraph, list, or the closing signature line ("Signed by the participating
    organizations", "— Conference Secretariat, Istanbul"). `key` is stable across
    versions (the same paragraph, amended, keeps its key), so that diffs and translations
    follow a block from version to version."""

    class Kind(models.TextChoices):
        HEADING = "heading", _("Heading")
        SECTION = "section", _("Section")
        ITEM = "item", _("Item")
        PARAGRAPH = "paragraph", _("Paragraph")
        LIST = "list", _("List")
        CLOSING = "closing", _("Closing signature line")

    version = models.ForeignKey(StatementVersion, on_delete=models.CASCADE, related_name="blocks")
    key = models.CharField(max_length=16)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    position = models.PositiveIntegerField()  # document order within the version
    kind = models.CharField(max_length=12, choices=Kind.choices)
    number = models.CharField(max_length=8, blank=True)  # "1", "a": as written
    marker = models.CharField(max_length=8, blank=True)  # "1.", "a-", "(c)", "•"
    text = models.TextField(blank=True)  # empty for a list, whose items hold the text
    language = models.CharField(max_length=12)
    source_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="block_key_unique"),
            models.UniqueConstraint(fields=["version", "position"], name="block_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.text[:60]}"


class BlockTranslation(models.Model):
    """One block in another language. `source_hash` is the hash of the source text it
    translates: when a new version changes that text, the copy carried into the new
    version is marked outdated."""

    class Origin(models.TextChoices):
        HUMAN = "human", _("Human")
        MACHINE = "machine", _("Machine")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        NEEDS_REVIEW = "needs_review", _("Needs review")
        APPROVED = "approved", _("Approved")
        OUTDATED = "outdated", _("Outdated")

    block = models.ForeignKey(Block, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(max_length=12)
    text = models.TextField()
    origin = models.CharField(max_length=8, choices=Origin.choices)
    state = models.CharField(max_length=12, choices=State.choices)
    translator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_hash = models.CharField(max_length=64)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["block", "language"], name="translation_one_per_block_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.block.key} [{self.language}] {self.state}"


class TranslationRequest(models.Model):
    """A language the statement is wanted in: requested by an organizer on the
    translations page, or by a conference when it adopts the text (its languages). The
    translations page lists these first, each with its progress. One row per language:
    asking again changes nothing."""

    statement = models.ForeignKey(
        Statement, on_delete=models.CASCADE, related_name="translation_requests"
    )
    language = models.CharField(_("language"), max_length=12)
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("requested translation")
        verbose_name_plural = _("requested translations")
        ordering = ["statement", "requested_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["statement", "language"], name="translation_request_one_per_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.statement.slug} [{self.language}]"
