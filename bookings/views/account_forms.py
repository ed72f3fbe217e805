"""The forms of the client's account pages. They check the shape of what
was typed; the rules (a taken email, a weak password, a consent that needs
a phone number) are the services', and their refusals land on the fields
they name (``show_refusal``)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from clinic.errors import DomainError
from clinic.models import Client

# The profile's model rules (check constraints) report on the whole record;
# each is shown next to the field that can put it right.
CONSTRAINT_FIELDS = {
    "client_has_phone_or_email": "phone",
    "client_email_reminders_need_email": "email_reminders",
    "client_sms_reminders_need_phone": "sms_reminders",
    "client_whatsapp_reminders_need_phone": "whatsapp_reminders",
}
PHONE_ERRORS = {"invalid": _("Enter a phone number, such as 98400 12345 or +91 98400 12345.")}


def phone_field(*, label, required: bool) -> PhoneNumberField:
    return PhoneNumberField(
        label=label, required=required, error_messages=PHONE_ERRORS,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )


class AccountForm(forms.Form):
    """Errors are tied to their inputs (``aria-describedby``,
    ``aria-invalid``), so a screen reader reads each with its field."""

    required_css_class = "required"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("data-testid", f"field-{name}")

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                bound = self[name]
                described = [f"{bound.auto_id}_error"]
                if self.fields[name].help_text:
                    described.append(f"{bound.auto_id}_helptext")
                self.fields[name].widget.attrs.update({"aria-describedby": " ".join(described),
                                                       "aria-invalid": "true"})

    def show_refusal(self, error: DomainError) -> None:
        """Put a service's refusal on the fields it names; a message about
        the whole record goes next to the field that can fix it, if any."""
        on_fields = error.field_messages
        for name, messages in on_fields.items():
            self.add_error(name if name in self.fields else None, messages)
        if any(error.message in messages for messages in on_fields.values()):
            return
        field = constraint_field(error.message)
        if field in self.fields:
            self.add_error(field, error.message)
        elif not on_fields:
            self.add_error(None, error.message)

    @property
    def error_list(self) -> list[tuple[str | None, str]]:
        """(input id or None, message) for the summary at the top of the form."""
        listed = []
        for name, errors in self.errors.items():
            anchor = None if name == NON_FIELD_ERRORS else self[name].auto_id
            listed.extend((anchor, str(message)) for message in errors)
        return listed


def constraint_field(message: str) -> str | None:
    for constraint in Client._meta.constraints:
        if str(getattr(constraint, "violation_error_message", "")) == message:
            return CONSTRAINT_FIELDS.get(constraint.name)
    return None


class SignInForm(AccountForm):
    email = forms.EmailField(label=_("Email address"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(label=_("Password"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class SignUpForm(AccountForm):
    full_name = forms.CharField(label=_("Your name"), max_length=150,
                                widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(label=_("Email address"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    phone = phone_field(label=_("Mobile number (optional)"), required=False)
    password = forms.CharField(
        label=_("Password"), strip=False,
        help_text=_("At least 8 characters; not only digits, and not a common password."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    preferred_language = forms.ChoiceField(label=_("Language for messages and pages"), choices=Client.Language.choices)
    email_reminders = forms.BooleanField(label=_("Send me reminders by email"), required=False)
    sms_reminders = forms.BooleanField(label=_("Send me reminders by SMS"), required=False)
    whatsapp_reminders = forms.BooleanField(label=_("Send me reminders on WhatsApp"), required=False)


class CodeRequestForm(AccountForm):
    phone = phone_field(label=_("Mobile number"), required=True)


class CodeForm(AccountForm):
    code = forms.RegexField(
        label=_("The 6-digit code"), regex=r"^\s*\d{6}\s*$", max_length=12,
        error_messages={"invalid": _("The code has 6 digits.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class ProfileForm(AccountForm):
    full_name = forms.CharField(label=_("Your name"), max_length=150,
                                widget=forms.TextInput(attrs={"autocomplete": "name"}))
    phone = phone_field(label=_("Mobile number"), required=False)
    date_of_birth = forms.DateField(label=_("Date of birth (optional)"), required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    preferred_language = forms.ChoiceField(label=_("Language for messages and pages"), choices=Client.Language.choices)
    email_reminders = forms.BooleanField(label=_("Reminders by email"), required=False)
    sms_reminders = forms.BooleanField(label=_("Reminders by SMS"), required=False)
    whatsapp_reminders = forms.BooleanField(label=_("Reminders on WhatsApp"), required=False)
    emergency_contact_name = forms.CharField(label=_("Emergency contact's name (optional)"), max_length=150,
                                             required=False)
    emergency_contact_phone = phone_field(label=_("Emergency contact's number (optional)"), required=False)

    def changes(self) -> dict:
        """The cleaned values as the profile service takes them."""
        return {
            name: (str(value) if value else "") if name.endswith("phone") else value
            for name, value in self.cleaned_data.items()
        }


class ResetRequestForm(AccountForm):
    email = forms.EmailField(label=_("Email address"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))


class NewPasswordForm(SetPasswordForm, AccountForm):
    """Django's new-password form (two entries, the password rules)."""
