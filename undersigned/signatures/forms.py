from __future__ import annotations

from functools import lru_cache

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from undersigned.core.countries import country_choices
from undersigned.core.text import NAME_MAX_LENGTH, clean_email, clean_line
from undersigned.signatures.models import Signature


@lru_cache(maxsize=64)
def _country_options(language: str) -> str:
    """All <option>s, escaped once per language, sorted by the names in that language."""
    with translation.override(language):
        options = [format_html('<option value="">{}</option>', _("Choose a country"))]
        options += [
            format_html('<option value="{}">{}</option>', code, name)
            for code, name in country_choices(language)
        ]
    return "".join(options)


class CountrySelect(forms.Select):
    """The country <select>, rendered from a per-language cache: Django's per-option
    templates would cost more than the rest of the statement page together."""

    def render(self, name, value, attrs=None, renderer=None) -> str:
        options = _country_options(translation.get_language() or "en")
        code = str(value or "")
        if code in countries:
            options = options.replace(f'value="{code}">', f'value="{code}" selected>', 1)
        final = flatatt(self.build_attrs(self.attrs, attrs))
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            final,
            mark_safe(options),  # noqa: S308 - built from format_html above
        )


class SharedField:
    """A field that every instance of its form shares: deep-copying returns the field.

    Django deep-copies each form's fields, widgets and choices per instance, in case an
    instance changes them. The sign form never does, and it is built for every one of
    thousands of submissions a second: sharing saves a fifth of a sign request's CPU.
    Use it only in forms that change no field or widget per instance."""

    def __deepcopy__(self, memo: dict) -> SharedField:
        memo[id(self)] = self
        return self


class SharedFields(dict):
    """A form's `base_fields` whose deep copy is a plain copy of the dict: every field in
    it is a SharedField, so copying each one only to get it back is work for nothing
    (the sign form: 101 → 69 µs, timeit, 2026-12-01)."""

    def __deepcopy__(self, memo: dict) -> dict:
        return dict(self)


class SharedCharField(SharedField, forms.CharField):
    pass


class SharedChoiceField(SharedField, forms.ChoiceField):
    pass


class SharedBooleanField(SharedField, forms.BooleanField):
    pass


@lru_cache(maxsize=1)
def _country_codes() -> frozenset[str]:
    """The codes django-countries lists: its own `in` builds its list of countries anew on
    every call, which every signature would pay."""
    return frozenset(code for code, _name in countries)


class CountryField(SharedField, forms.CharField):
    """An ISO 3166-1 alpha-2 code, checked against django-countries' list."""

    widget = CountrySelect
    default_error_messages = {"invalid_choice": _("Select a valid choice.")}

    def to_python(self, value):
        return super().to_python(value).strip().upper()

    def validate(self, value) -> None:
        super().validate(value)
        if value and value not in _country_codes():
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")


_SIGNATURE_FIELDS = ("kind", "name", "email", "country", "affiliation", "city", "show_name")


class SignForm(forms.Form):
    """The public sign form. Its HTML field names are part of the public interface."""

    kind = SharedChoiceField(
        label=_("I sign as"),
        choices=[
            (Signature.Kind.PERSON, _("an individual")),
            (Signature.Kind.ORGANIZATION, _("an organization")),
        ],
        initial=Signature.Kind.PERSON,
        widget=forms.RadioSelect,
    )
    name = SharedCharField(
        label=_("Name"),
        max_length=NAME_MAX_LENGTH * 2,
        help_text=_("Your full name, or the name of your organization."),
        widget=forms.TextInput(attrs={"autocomplete": "name", "dir": "auto"}),
    )
    email = SharedCharField(
        label=_("Email"),
        max_length=320,
        help_text=_("Only to confirm your signature. Never shown or shared."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "dir": "ltr"}),
    )
    country = CountryField(label=_("Country"))
    affiliation = SharedCharField(
        label=_("Affiliation"),
        required=False,
        max_length=NAME_MAX_LENGTH * 2,
        help_text=_('Optional, e.g. "member of …" or your organization\'s network.'),
        widget=forms.TextInput(attrs={"dir": "auto"}),
    )
    city = SharedCharField(
        label=_("City"),
        required=False,
        max_length=NAME_MAX_LENGTH * 2,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2", "dir": "auto"}),
    )
    show_name = SharedBooleanField(
        label=_("Show my name in the public list of signatories"),
        required=False,
        initial=True,
        help_text=_("If unchecked, your signature is counted but your name is not listed."),
    )
    consent = SharedBooleanField(
        label=_(
            "I agree that my name, country and the details above are stored to count and, "
            "if I chose so, list my signature, and that my email is used only to confirm it."
        ),
        required=True,
        error_messages={"required": _("Please agree to the processing of your data to sign.")},
    )
    # The honeypot: hidden from people by CSS, filled in by naive bots.
    # Named so that no browser autofill takes it for a real field: a person who filled it
    # would be silently discarded.
    leave_this_empty = SharedCharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def _clean_fields(self) -> None:
        """Django's own steps, without a BoundField per field: Django builds nine of them
        here only to read each field's value, half of the form's cost on every signature.
        This form has no prefix and no disabled fields, so each value is read directly."""
        for name, field in self.fields.items():
            value = field.widget.value_from_datadict(self.data, self.files, name)
            try:
                self.cleaned_data[name] = field.clean(value)
                clean_more = getattr(self, f"clean_{name}", None)
                if clean_more is not None:
                    self.cleaned_data[name] = clean_more()
            except ValidationError as error:
                self.add_error(name, error)

    def clean_name(self) -> str:
        return clean_line(self.cleaned_data["name"])

    def clean_affiliation(self) -> str:
        return clean_line(self.cleaned_data["affiliation"], required=False)

    def clean_city(self) -> str:
        return clean_line(self.cleaned_data["city"], required=False)

    def clean_email(self) -> str:
        return clean_email(self.cleaned_data["email"])

    def signature_fields(self) -> dict:
        """What services.signature_submit takes from a valid form."""
        data = self.cleaned_data
        return {name: data[name] for name in _SIGNATURE_FIELDS}

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("leave_this_empty"))


# Every field above is a SharedField: an instance needs no copies of them.
SignForm.base_fields = SharedFields(SignForm.base_fields)
