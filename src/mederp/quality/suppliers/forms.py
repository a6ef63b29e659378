"""Supplier evaluation forms: presentation and field parsing only; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mederp.partners.models import Partner
from mederp.quality.suppliers.models import EvaluationStatus

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ScorecardFilterForm(forms.Form):
    period_start = forms.DateField(label=_("From"), required=False, widget=DATE)
    period_end = forms.DateField(label=_("Until"), required=False, widget=DATE)
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Supplier code or name")}),
    )


class EvaluationForm(forms.Form):
    supplier = forms.ModelChoiceField(
        label=_("Supplier"), queryset=Partner.objects.filter(is_supplier=True).order_by("code")
    )
    period_start = forms.DateField(
        label=_("From"), required=False, widget=DATE, help_text=_("Default: 12 months back")
    )
    period_end = forms.DateField(
        label=_("Until"), required=False, widget=DATE, help_text=_("Default: today")
    )
    proposed_status = forms.ChoiceField(
        label=_("Proposed status"), choices=EvaluationStatus.choices
    )
    rationale = forms.CharField(
        label=_("Rationale"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Why this status: the figures, audits, corrective actions."),
    )

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "supplier": data["supplier"],
            "period_start": data.get("period_start"),
            "period_end": data.get("period_end"),
            "proposed_status": data["proposed_status"],
            "rationale": data["rationale"],
        }
