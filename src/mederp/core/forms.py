from __future__ import annotations

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
