"""Forms of the administration pages: presentation and parsing only; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mederp.core.ratelimit.rules import MAX_BURST, MAX_PER_MINUTE, Limit
from mederp.identity import tokens
from mederp.identity.roles import ROLES, role_label


def role_choices() -> list[tuple[str, str]]:
    return [(name, role_label(name)) for name in ROLES]


def scope_choices() -> list[tuple[str, str]]:
    return [(s, s) for s in tokens.all_scopes()]


class DateTimeLocal(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class RoleField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Roles"))
        kwargs.setdefault("required", False)
        super().__init__(choices=role_choices, **kwargs)


class ReasonRequiredForm(forms.Form):
    """For actions that change an account or a key: why (AT-04)."""

    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class UserCreateForm(forms.Form):
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        help_text=_("Never reused, even after the account is deactivated."),
    )
    printed_name = forms.CharField(
        label=_("Printed name"),
        max_length=150,
        help_text=_("The full name shown on the user's electronic signatures."),
    )
    email = forms.EmailField(label=_("E-mail"), required=False)
    roles = RoleField()
    password = forms.CharField(
        label=_("Temporary password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("The user must change it at the first sign-in."),
    )


class UserEditForm(forms.Form):
    printed_name = forms.CharField(label=_("Printed name"), max_length=150)
    email = forms.EmailField(label=_("E-mail"), required=False)
    roles = RoleField()


class PasswordResetForm(forms.Form):
    temporary_password = forms.CharField(
        label=_("Temporary password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    temporary_password_again = forms.CharField(
        label=_("Temporary password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, again = data.get("temporary_password"), data.get("temporary_password_again")
        if first and again and first != again:
            self.add_error("temporary_password_again", _("The two passwords are not the same."))
        return data


DOCUMENT_TYPES = [
    ("national_id_card", _("Resident identity card (居民身份证)")),
    ("passport", _("Passport")),
    ("residence_permit", _("Residence permit")),
    ("employee_badge_hr", _("Employee record checked with HR")),
]


class IdentityVerificationForm(forms.Form):
    """ES-06: which document was checked. No document number: the fact is enough and the number
    is personal data (PIPL)."""

    document_type = forms.ChoiceField(label=_("Document checked"), choices=DOCUMENT_TYPES)
    note = forms.CharField(label=_("Note"), max_length=60, required=False)

    def document(self) -> str:
        note = self.cleaned_data.get("note", "").strip()
        kind = self.cleaned_data["document_type"]
        return f"{kind}: {note}" if note else kind


class ScopesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Scopes"))
        kwargs.setdefault(
            "help_text",
            _("What the key may do, per app: read (view) or write (everything else)."),
        )
        super().__init__(choices=scope_choices, **kwargs)


class ApiClientCreateForm(forms.Form):
    name = forms.SlugField(
        label=_("Client name"),
        max_length=100,
        help_text=_("The integrated system, e.g. mes or wms-shanghai."),
    )
    roles = RoleField(required=True)
    scopes = ScopesField()
    expires_at = forms.DateTimeField(label=_("Key expires"), required=False, widget=DateTimeLocal())


class KeyIssueForm(forms.Form):
    name = forms.CharField(label=_("Key name"), max_length=100, required=False)
    scopes = ScopesField()
    expires_at = forms.DateTimeField(label=_("Key expires"), required=False, widget=DateTimeLocal())


GRACE_CHOICES = [
    (0, _("None: the old key stops now")),
    (3600, _("1 hour")),
    (86400, _("1 day")),
    (7 * 86400, _("7 days")),
]


class KeyRotateForm(forms.Form):
    grace_seconds = forms.TypedChoiceField(
        label=_("Old key keeps working for"), choices=GRACE_CHOICES, coerce=int, initial=0
    )
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class ApiClientLimitForm(forms.Form):
    """A client's own rate limit; an empty figure means the site's default (shown as help)."""

    per_minute = forms.IntegerField(
        label=_("Requests per minute"), required=False, min_value=1, max_value=MAX_PER_MINUTE
    )
    burst = forms.IntegerField(
        label=_("Burst (requests at once)"), required=False, min_value=1, max_value=MAX_BURST
    )
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )

    def __init__(self, *args: Any, default: Limit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["per_minute"].help_text = _("Empty: the default, %(n)s.") % {
            "n": default.per_minute
        }
        self.fields["burst"].help_text = _("Empty: the default, %(n)s.") % {"n": default.burst}


class SecurityFilterForm(forms.Form):
    kind = forms.CharField(label=_("Kind"), required=False)
    user = forms.CharField(label=_("User"), required=False)
    client_ip = forms.CharField(label=_("IP address"), required=False, max_length=64)
    since = forms.DateTimeField(label=_("From"), required=False, widget=DateTimeLocal())
    until = forms.DateTimeField(label=_("Until"), required=False, widget=DateTimeLocal())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until <= since:
            self.add_error("until", _("The end must be after the start."))
        return data
