"""Conferences: participants and their delegates, amendments to the draft's blocks, and
ballots with one vote per delegate (a database constraint)."""

from __future__ import annotations

from fractions import Fraction
from uuid import uuid4

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField

from undersigned.assembly.majority import Policy
from undersigned.statements.models import Series, Statement, StatementVersion


class Conference(models.Model):
    slug = models.SlugField(_("address"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    place = models.CharField(_("place"), max_length=200, blank=True, help_text=_("Empty: online."))
    hosts = models.TextField(_("host organizations"), blank=True, help_text=_("One per line."))
    languages = models.JSONField(_("languages"), default=list, blank=True)
    statement = models.ForeignKey(
        Statement,
        verbose_name=_("draft declaration"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="conferences",
    )
    amendment_deadline = models.DateTimeField(_("amendments until"), null=True, blank=True)
    series = models.ForeignKey(
        Series,
        verbose_name=_("series"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="conferences",
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("conference")
        verbose_name_plural = _("conferences")
        ordering = ["-starts_on"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("assembly:conference", kwargs={"slug": self.slug})

    @property
    def online(self) -> bool:
        return not self.place


class Participant(models.Model):
    """An organization taking part, with its delegates."""

    conference = models.ForeignKey(
        Conference, on_delete=models.CASCADE, related_name="participants"
    )
    name = models.CharField(_("organization"), max_length=200)
    country = CountryField(_("country"))
    network = models.CharField(_("network"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("participating organization")
        verbose_name_plural = _("participating organizations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["conference", "name"], name="participant_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.country.code})"


class Delegate(models.Model):
    class Role(models.TextChoices):
        CHAIR = "chair", _("Chair or secretariat")
        DELEGATE = "delegate", _("Delegate (votes)")
        OBSERVER = "observer", _("Observer (does not vote)")

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="delegates")
    participant = models.ForeignKey(
        Participant, null=True, blank=True, on_delete=models.CASCADE, related_name="delegates"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.DELEGATE)
    weight = models.PositiveIntegerField(_("votes"), default=1)
    language = models.CharField(
        _("language for mail"), max_length=12, choices=settings.LANGUAGES, default="en"
    )
    token = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("delegate")
        verbose_name_plural = _("delegates")
        ordering = ["participant__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["conference", "user"], name="delegate_once_per_conference"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def can_vote(self) -> bool:
        return self.role == self.Role.DELEGATE and self.weight > 0

    @property
    def chairs(self) -> bool:
        return self.role == self.Role.CHAIR


class Amendment(models.Model):
    class Action(models.TextChoices):
        REPLACE = "replace", _("Replace the text of the block")
        INSERT = "insert", _("Insert a new block after it")
        DELETE = "delete", _("Delete the block")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        ADMITTED = "admitted", _("Admitted")
        INADMISSIBLE = "inadmissible", _("Inadmissible")
        MERGED = "merged", _("Merged into another")
        ADOPTED = "adopted", _("Adopted")
        ADOPTED_MODIFIED = "adopted_modified", _("Adopted with modification")
        REJECTED = "rejected", pgettext_lazy("amendment", "Rejected")
        WITHDRAWN = "withdrawn", pgettext_lazy("amendment", "Withdrawn")
        REFERRED = "referred", _("Referred")
        OBSOLETE = "obsolete", _("Obsolete")
        NEEDS_REBASE = "needs_rebase", _("Needs rebase")

    OPEN = (Status.SUBMITTED, Status.ADMITTED, Status.NEEDS_REBASE)
    ADOPTED_STATES = (Status.ADOPTED, Status.ADOPTED_MODIFIED)

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="amendments")
    number = models.PositiveIntegerField(_("number"))
    version = models.ForeignKey(StatementVersion, on_delete=models.PROTECT, related_name="+")
    block_key = models.CharField(_("block"), max_length=16)
    action = models.CharField(_("change"), max_length=8, choices=Action.choices)
    text = models.TextField(_("new text"), blank=True)
    justification = models.TextField(_("justification"))
    proposer = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="amendments")
    submitted_by = models.ForeignKey(Delegate, on_delete=models.PROTECT, related_name="+")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="sub_amendments"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED
    )
    adopted_text = models.TextField(_("text as adopted"), blank=True)
    reason = models.TextField(_("reason"), blank=True)
    referred_to = models.CharField(_("referred to"), max_length=300, blank=True)
    # When referred to a later conference: that conference lists it, with this history.
    referred_conference = models.ForeignKey(
        Conference,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referred_amendments",
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # At the follow-up conference: the referred amendment this one carries over. The
    # original keeps its number, its co-signers, its ballots and the referral decision,
    # which is its history; this copy is debated, balloted and decided here.
    carried_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="carried_over",
        verbose_name=_("carried over from"),
    )
    # The text of the block this amendment was written against, when that is not the
    # block's text in `version`: after a rebase onto the text as another amendment
    # changed it, or when carried over onto a block that changed since. Empty: the
    # block's text in `version`.
    base_text = models.TextField(_("written against"), blank=True)
    cosigners = models.ManyToManyField(Participant, blank=True, related_name="cosigned")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")
        ordering = ["conference", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["conference", "number"], name="amendment_number_unique"
            ),
            models.UniqueConstraint(
                fields=["conference", "carried_from"], name="amendment_carried_over_once"
            ),
            models.CheckConstraint(
                condition=Q(action="delete") | ~Q(text=""), name="amendment_text_unless_delete"
            ),
        ]

    def __str__(self) -> str:
        return f"A{self.number}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class Ballot(models.Model):
    class Mode(models.TextChoices):
        ELECTRONIC = "electronic", _("Electronic")
        RECORDED = "recorded", _("Recorded in the hall")

    class State(models.TextChoices):
        DRAFT = "draft", _("Not open yet")
        OPEN = "open", pgettext_lazy("ballot state", "Open")
        CLOSED = "closed", _("Closed")

    class Base(models.TextChoices):
        CAST = "cast", _("yes + no")
        CAST_ABSTAIN = "cast_abstain", _("yes + no + abstentions")
        PRESENT = "present", _("present")
        ENTITLED = "entitled", _("entitled to vote")

    class QuorumOf(models.TextChoices):
        NONE = "", _("no quorum")
        ENTITLED = "entitled", _("of those entitled (must be present)")
        PRESENT = "present", _("of those present (must vote)")

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="ballots")
    title = models.CharField(_("question"), max_length=300)
    amendment = models.ForeignKey(
        Amendment, null=True, blank=True, on_delete=models.PROTECT, related_name="ballots"
    )
    version = models.ForeignKey(
        StatementVersion,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("For a vote on the whole text."),
    )
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.ELECTRONIC)
    secret = models.BooleanField(_("secret"), default=False)
    abstain_allowed = models.BooleanField(_("abstention is an option"), default=True)
    fraction_numerator = models.PositiveSmallIntegerField(default=1)
    fraction_denominator = models.PositiveSmallIntegerField(default=2)
    strict = models.BooleanField(_("more than the fraction (not: at least)"), default=True)
    base = models.CharField(_("base"), max_length=12, choices=Base.choices, default=Base.CAST)
    quorum_numerator = models.PositiveSmallIntegerField(null=True, blank=True)
    quorum_denominator = models.PositiveSmallIntegerField(null=True, blank=True)
    quorum_of = models.CharField(max_length=8, choices=QuorumOf.choices, default="", blank=True)
    present = models.PositiveIntegerField(_("present"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.DRAFT)
    results_public = models.BooleanField(_("results shown to everyone"), default=False)
    # Totals: kept as votes come in, final once closed; for a recorded ballot, entered.
    yes = models.PositiveIntegerField(default=0)
    no = models.PositiveIntegerField(default=0)
    abstain = models.PositiveIntegerField(default=0)
    voters = models.PositiveIntegerField(default=0)
    verdict_text = models.CharField(
        _("verdict as announced"),
        max_length=300,
        blank=True,
        help_text=_('When hands were not counted, e.g. "adopted by an overwhelming majority".'),
    )
    adopted = models.BooleanField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        ordering = ["conference", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fraction_numerator__gt=0)
                & Q(fraction_numerator__lte=models.F("fraction_denominator")),
                name="ballot_fraction_valid",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def needs_present(self) -> bool:
        """Whether the verdict depends on the number present: a base of those present,
        or a quorum (of those entitled, who must be present, or of those present)."""
        return self.base == self.Base.PRESENT or self.policy.quorum is not None

    @property
    def policy(self) -> Policy:
        quorum = None
        if self.quorum_of and self.quorum_numerator and self.quorum_denominator:
            quorum = Fraction(self.quorum_numerator, self.quorum_denominator)
        return Policy(
            fraction=Fraction(self.fraction_numerator, self.fraction_denominator),
            strict=self.strict,
            base=self.base,
            quorum=quorum,
            quorum_of=self.quorum_of if quorum else "",
        )


class Vote(models.Model):
    """One delegate's vote in one ballot: its weight split between yes, no and abstain.
    In a secret ballot the split is erased when the ballot closes; the row stays, to show
    that the delegate voted (and to keep them from voting twice)."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="votes")
    delegate = models.ForeignKey(Delegate, on_delete=models.PROTECT, related_name="votes")
    yes = models.PositiveIntegerField(null=True)
    no = models.PositiveIntegerField(null=True)
    abstain = models.PositiveIntegerField(null=True)
    cast_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ballot", "delegate"], name="one_vote_per_delegate")
        ]

    def __str__(self) -> str:
        return f"{self.ballot_id}/{self.delegate_id}"


class AgendaItem(models.Model):
    """A point of the conference's agenda, in order: the draft declaration, a motion, a
    report, the next conference."""

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="agenda")
    position = models.PositiveIntegerField(_("position"))
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda")
        ordering = ["conference", "position"]

    def __str__(self) -> str:
        return self.title


class Session(models.Model):
    """A session of the conference, with the link to its recording."""

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField(_("title"), max_length=300)
    starts_at = models.DateTimeField(_("starts"))
    video_url = models.URLField(_("recording"), blank=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["conference", "starts_at"]

    def __str__(self) -> str:
        return self.title


def _document_path(document: Document, filename: str) -> str:
    return f"conference-{document.conference_id}/{uuid4().hex}"


class Document(models.Model):
    """A document a participant submits; the public sees it once the secretariat has
    published it."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", pgettext_lazy("document", "Submitted")
        PUBLISHED = "published", pgettext_lazy("document", "Published")
        REJECTED = "rejected", pgettext_lazy("document", "Rejected")

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="documents")
    participant = models.ForeignKey(
        Participant, null=True, blank=True, on_delete=models.SET_NULL, related_name="documents"
    )
    title = models.CharField(_("title"), max_length=300)
    file = models.FileField(_("file"), upload_to=_document_path)
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["conference", "created"]

    def __str__(self) -> str:
        return self.title
