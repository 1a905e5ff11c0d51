from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from undersigned.assembly.models import Amendment, Ballot

FRACTIONS = [("1/2", "1/2"), ("2/3", "2/3"), ("3/4", "3/4")]


class _Form(forms.Form):
    """A conference form whose labels go without Django's colon."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class AmendmentForm(_Form):
    block = forms.ChoiceField(label=_("Block"))
    action = forms.ChoiceField(
        label=_("Change"), choices=Amendment.Action.choices, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label=_("New text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "dir": "auto"}),
        help_text=_("Not needed to delete a block."),
    )
    justification = forms.CharField(
        label=_("Justification"), widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"})
    )

    def __init__(self, *args, blocks=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["block"].choices = [
            (block.key, f"{block.marker or block.get_kind_display()} {block.text[:70]}")
            for block in blocks
        ]


class DecisionForm(_Form):
    def __init__(self, *args, conference=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from undersigned.assembly.models import Conference

        others = Conference.objects.exclude(pk=getattr(conference, "pk", None))
        self.fields["referred_conference"].queryset = others.order_by("-starts_on")

    status = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (s.value, s.label)
            for s in (
                Amendment.Status.ADMITTED,
                Amendment.Status.INADMISSIBLE,
                Amendment.Status.ADOPTED,
                Amendment.Status.ADOPTED_MODIFIED,
                Amendment.Status.REJECTED,
                Amendment.Status.REFERRED,
                Amendment.Status.MERGED,
                Amendment.Status.OBSOLETE,
            )
        ],
    )
    reason = forms.CharField(label=_("Reason"), required=False)
    adopted_text = forms.CharField(
        label=_("Text as adopted"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
    )
    referred_to = forms.CharField(label=_("Referred to"), required=False)
    referred_conference = forms.ModelChoiceField(
        label=_("Follow-up conference"), queryset=None, required=False
    )
    merged_into = forms.IntegerField(
        label=_("Merged into amendment number"), required=False, min_value=1
    )


class SubAmendmentForm(_Form):
    """An amendment to an amendment: another text for the same change."""

    text = forms.CharField(
        label=_("New text"), widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"})
    )
    justification = forms.CharField(
        label=_("Justification"), widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"})
    )


class RebaseForm(_Form):
    """An amendment rewritten against the block's current text."""

    text = forms.CharField(
        label=_("New text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "dir": "auto"}),
        help_text=_("Not needed to delete a block."),
    )
    justification = forms.CharField(
        label=_("Justification"), widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"})
    )


class PresentForm(forms.Form):
    present = forms.IntegerField(
        label=_("Present"),
        min_value=0,
        help_text=_("In votes: a delegation with three votes counts three."),
    )


class BallotForm(_Form):
    title = forms.CharField(label=_("Question"), max_length=300)
    subject = forms.ChoiceField(label=_("On"), required=False)
    mode = forms.ChoiceField(label=_("Mode"), choices=Ballot.Mode.choices)
    secret = forms.BooleanField(label=_("Secret ballot"), required=False)
    abstain_allowed = forms.BooleanField(label=_("Abstention is an option"), required=False)
    fraction = forms.CharField(
        label=_("Required majority"),
        initial="1/2",
        help_text=_("A fraction: 1/2, 2/3, 3/4 or any other, such as 3/5."),
        widget=forms.TextInput(attrs={"list": "fractions", "inputmode": "numeric"}),
    )
    strict = forms.BooleanField(
        label=_("More than that fraction (otherwise: at least)"), required=False, initial=True
    )
    base = forms.ChoiceField(label=_("Of"), choices=Ballot.Base.choices)
    quorum = forms.ChoiceField(
        label=_("Quorum"), choices=[("", _("none")), *FRACTIONS], required=False
    )
    quorum_of = forms.ChoiceField(
        label=_("Quorum of"), choices=Ballot.QuorumOf.choices[1:], required=False
    )

    def __init__(self, *args, subjects=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = [("", _("a motion")), *subjects]

    def clean_fraction(self) -> str:
        value = self.cleaned_data["fraction"].replace(" ", "")
        numerator, _slash, denominator = value.partition("/")
        if not (numerator.isdigit() and denominator.isdigit()):
            raise forms.ValidationError(_("A fraction: 1/2, 2/3, 3/4 or any other, such as 3/5."))
        if not 0 < int(numerator) <= int(denominator) <= 1000:
            raise forms.ValidationError(_("A fraction: 1/2, 2/3, 3/4 or any other, such as 3/5."))
        return f"{int(numerator)}/{int(denominator)}"


def _fraction(value: str) -> tuple[int, int]:
    numerator, denominator = value.split("/")
    return int(numerator), int(denominator)


class RecordForm(forms.Form):
    yes = forms.IntegerField(label=_("Yes"), min_value=0, required=False)
    no = forms.IntegerField(label=_("No"), min_value=0, required=False)
    abstain = forms.IntegerField(label=_("Abstentions"), min_value=0, required=False)
    present = forms.IntegerField(label=_("Present"), min_value=0, required=False)
    verdict_text = forms.CharField(label=_("Verdict as announced"), required=False)
    adopted = forms.TypedChoiceField(
        label=_("Outcome when hands were not counted"),
        choices=[("", "—"), ("yes", _("adopted")), ("no", _("not adopted"))],
        required=False,
        coerce=lambda value: value == "yes",
        empty_value=None,
    )


class DelegateLoginForm(AuthenticationForm):
    """Delegates who set a password sign in with their email and it."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Email")
        self.fields["username"].widget.attrs["autocomplete"] = "email"

    def clean(self):
        username = self.cleaned_data.get("username")
        if username:
            self.cleaned_data["username"] = username.strip().casefold()
        return super().clean()
