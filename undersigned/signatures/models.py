from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from undersigned.core.text import KEY_MAX_LENGTH, NAME_MAX_LENGTH
from undersigned.statements.models import Statement


class Signature(models.Model):
    class Kind(models.TextChoices):
        # The values sort organizations before people, which is the order of the public list.
        ORGANIZATION = "organization", _("Organization")
        PERSON = "person", _("Person")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for email confirmation")
        AWAITING_APPROVAL = "awaiting_approval", _("Confirmed, waiting for approval")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Source(models.TextChoices):
        WEB = "web", _("Signed on the web")
        IMPORT = "import", _("Imported, not verified by email")

    statement = models.ForeignKey(
        Statement,
        verbose_name=_("statement"),
        on_delete=models.PROTECT,
        related_name="signatures",
    )
    kind = models.CharField(_("signs as"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH, blank=True)
    email = models.CharField(_("email"), max_length=254, blank=True)
    # Trimmed, NFKC, case-folded. NULL once withdrawn (and for imports without an address),
    # so the unique constraint below never counts erased rows.
    email_normalized = models.CharField(max_length=254, null=True, blank=True, editable=False)
    country = CountryField(_("country"))
    affiliation = models.CharField(_("affiliation"), max_length=NAME_MAX_LENGTH, blank=True)
    city = models.CharField(_("city"), max_length=NAME_MAX_LENGTH, blank=True)
    show_name = models.BooleanField(_("name shown in the public list"), default=True)
    # Derived from the name (core.text): found from any keyboard (set when signing), and
    # lookalikes spotted (skeleton and looks_like, set once confirmed or imported).
    search_key = models.CharField(max_length=KEY_MAX_LENGTH, blank=True, editable=False)
    skeleton = models.CharField(max_length=KEY_MAX_LENGTH, blank=True, editable=False)
    looks_like = models.ForeignKey(
        "self",
        verbose_name=_("looks like"),
        help_text=_(
            "Another signature of this statement whose name looks the same on screen but is "
            "spelled with other characters: a likely duplicate."
        ),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    source = models.CharField(_("source"), max_length=8, choices=Source.choices, default=Source.WEB)
    language = models.CharField(_("language of the signer"), max_length=12, default="en")
    ip_hash = models.CharField(max_length=32, blank=True, editable=False)
    token_hash = models.CharField(max_length=64, null=True, blank=True, editable=False)
    token_expires = models.DateTimeField(null=True, blank=True, editable=False)
    mails_sent = models.PositiveSmallIntegerField(default=0, editable=False)
    last_mail_at = models.DateTimeField(null=True, blank=True, editable=False)
    created = models.DateTimeField(_("signed"), auto_now_add=True)
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    decided_at = models.DateTimeField(_("approved or rejected"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        constraints = [
            models.UniqueConstraint(
                fields=["statement", "email_normalized"], name="one_signature_per_email"
            ),
            models.UniqueConstraint(fields=["token_hash"], name="unique_token_hash"),
            models.CheckConstraint(
                condition=Q(kind__in=["person", "organization"]), name="signature_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=["pending", "awaiting_approval", "verified", "rejected", "withdrawn"]
                ),
                name="signature_status_valid",
            ),
        ]
        indexes = [
            # The public list: keyset over (kind, country, id) among listed signatures.
            models.Index(
                fields=["statement", "kind", "country", "id"],
                condition=Q(status="verified", show_name=True),
                name="signature_public_list",
            ),
            models.Index(fields=["statement", "ip_hash", "created"], name="signature_rate"),
            models.Index(fields=["statement", "status", "id"], name="signature_status"),
            # Set at confirmation or import (see services.lookalike_mark): pending rows stay
            # out, so the signing path maintains no index for it.
            models.Index(
                fields=["statement", "skeleton"],
                condition=~Q(skeleton=""),
                name="signature_skeleton",
            ),
        ]

    def __str__(self) -> str:
        return self.name or f"#{self.pk}"

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.VERIFIED and self.show_name


class SignatureCounter(models.Model):
    """Counts of verified signatures for one statement, country and kind.

    Kept by the services in the same transaction as the change they count, so pages read
    a few rows here instead of counting the signatures table. `undersigned recount`
    rebuilds them from the signatures.
    """

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="counters")
    country = models.CharField(max_length=2)
    kind = models.CharField(max_length=12, choices=Signature.Kind.choices)
    verified = models.BigIntegerField(default=0)
    listed = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["statement", "country", "kind"], name="one_counter_per_group"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.statement_id}/{self.country}/{self.kind}: {self.verified}"
