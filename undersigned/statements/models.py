from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Statement(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published: open for signatures")
        CLOSED = "closed", _("Closed: published, no longer signable")

    slug = models.SlugField(_("address"), max_length=80, unique=True, allow_unicode=False)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(
        _("text"), help_text=_("Markdown. Raw HTML is shown as text, never run.")
    )
    # Rendered by services.render_body from `body`; never edited by hand.
    body_html = models.TextField(editable=False, default="")
    language = models.CharField(_("language of the text"), max_length=12)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

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
