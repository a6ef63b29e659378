from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class AuditFilterForm(forms.Form):
    record_type = forms.CharField(label=_("Record type"), required=False)
    record_id = forms.CharField(label=_("Record id"), required=False)
    actor = forms.CharField(label=_("User"), required=False)
    since = forms.DateTimeField(
        label=_("From"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    until = forms.DateTimeField(
        label=_("Until"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until <= since:
            self.add_error("until", _("The end must be after the start."))
        return data


class ReasonForm(forms.Form):
    """Every edit of a regulated record asks why (AT-04); the service refuses a blank reason."""

    reason = forms.CharField(
        label=_("Reason for change"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class SignForm(forms.Form):
    """The sign dialog (21 CFR 11.50, 11.200(a)(1); ES-08, ES-09), reusable on any page.

    ``meaning`` is fixed by the page (hidden); without one the form confirms an unsigned
    workflow step and asks only for a reason. The TOTP field appears when the caller says the
    session needs it (identity decides: the first signature of a session needs every
    component). Whether a reason is required is the service's decision: its refusal comes back
    on the form.
    """

    meaning = forms.CharField(widget=forms.HiddenInput, required=False)
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    totp = forms.CharField(
        label=_("Authenticator code"),
        required=False,
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 8}
        ),
    )
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(
        self,
        *args: Any,
        meaning: str | None = None,
        needs_totp: bool = True,
        reason_required: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.signed = meaning is not None
        self.fields["meaning"].initial = meaning or ""
        if not self.signed:
            del self.fields["password"]
        if not self.signed or not needs_totp:
            del self.fields["totp"]
        if reason_required:
            self.fields["reason"].required = True
            self.fields["reason"].widget.attrs["required"] = True
        elif self.signed:
            self.fields["reason"].label = _("Reason (optional)")

    def credentials(self) -> dict[str, Any]:
        """The keyword arguments a workflow service takes: reason, and password/TOTP to sign."""
        data = self.cleaned_data
        values: dict[str, Any] = {"reason": data.get("reason", "")}
        if self.signed:
            values["password"] = data.get("password", "")
            values["totp"] = (data.get("totp") or "").strip() or None
        return values
