"""Recall forms: presentation and field parsing only; the services decide (a bad class, an
unknown lot or a quantity beyond what was shipped comes back as the service's coded refusal).
Quantities stay text until the service reads them exactly."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mederp.compliance import recall_rules
from mederp.compliance.models import Disposition, NotificationMethod, RecallClass, RecallState

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class RecallFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Number, reason, lot or product")}
        ),
    )
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("any")), *RecallState.choices]
    )


class OpenRecallForm(forms.Form):
    """The decision and the opener's signature (21 CFR 11.200(a)(1)): password, and the TOTP
    code at the first signature of a session."""

    lots = forms.CharField(
        label=_("Lots and serials"),
        help_text=_(
            "One per line: a lot number, a serial number, or scan the label. Everything made "
            "from them is recalled too."
        ),
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "autofocus": True}),
        strip=False,
    )
    product = forms.CharField(
        label=_("Product code"),
        required=False,
        max_length=32,
        help_text=_("Only when several products share a lot number."),
    )
    classification = forms.ChoiceField(
        label=_("Recall class"), choices=RecallClass.choices, initial=RecallClass.CLASS_II
    )
    reason = forms.CharField(
        label=_("Reason for the recall"), widget=forms.Textarea(attrs={"rows": 3})
    )
    decision_date = forms.DateField(
        label=_("Decision date"),
        required=False,
        widget=DATE,
        help_text=_("Default: today. Consignees must be notified within 1, 3 or 7 days of it."),
    )
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

    def __init__(self, *args: Any, needs_totp: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The FDA class and China's level side by side (RC-01), in the request's language.
        field = self.fields["classification"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(c.value, recall_rules.class_label(c.value)) for c in RecallClass]
        if not needs_totp:
            del self.fields["totp"]

    def references(self) -> list[str]:
        text = self.cleaned_data.get("lots") or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


class NotifyForm(forms.Form):
    consignee = forms.CharField(widget=forms.HiddenInput, max_length=32)
    via = forms.ChoiceField(label=_("By way of"), choices=NotificationMethod.choices)
    notified_at = forms.DateTimeField(
        label=_("Notified at"), required=False, widget=DATETIME, help_text=_("Default: now")
    )
    notes = forms.CharField(label=_("Notes"), required=False, max_length=2000)


class AcknowledgeForm(forms.Form):
    consignee = forms.CharField(widget=forms.HiddenInput, max_length=32)
    acknowledged_at = forms.DateTimeField(
        label=_("Acknowledged at"), required=False, widget=DATETIME, help_text=_("Default: now")
    )
    notes = forms.CharField(label=_("Notes"), required=False, max_length=2000)


class AccountForm(forms.Form):
    quantity_returned = forms.CharField(
        label=_("Returned since the recall (total)"), max_length=32, initial="0"
    )
    quantity_accounted = forms.CharField(
        label=_("Otherwise accounted for (total)"), max_length=32, initial="0"
    )
    disposition = forms.ChoiceField(
        label=_("Disposition"), required=False, choices=Disposition.choices
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
