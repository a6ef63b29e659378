"""Deviation forms: presentation and field parsing only; the service decides (an inspection of
something else, or already completed, comes back as its coded refusal)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mederp.quality.disposition.models import DeviationState
from mederp.quality.inspections.models import Inspection, Stage


class DeviationFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Number, product, lot or serial")}
        ),
    )
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("any")), *DeviationState.choices]
    )


class FindItemForm(forms.Form):
    """Which lot or serial a new deviation is about, by its number."""

    number = forms.CharField(label=_("Lot or serial number"), max_length=64)
    product = forms.CharField(
        label=_("Product code"),
        required=False,
        max_length=32,
        help_text=_("Only when several products share the number."),
    )


class DeviationForm(forms.Form):
    """A deviation request for one lot or serial: the inspection it waives (one of those not
    completed) or a whole stage, and the three texts."""

    inspection = forms.TypedChoiceField(
        label=_("Inspection waived"), required=False, coerce=int, empty_value=None
    )
    stage = forms.ChoiceField(
        label=_("Or every inspection of the stage"),
        required=False,
        choices=[("", "—"), *Stage.choices],
    )
    reason = forms.CharField(
        label=_("Deviation"),
        help_text=_("What is done differently from the inspection, and for how long."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    justification = forms.CharField(
        label=_("Justification"), widget=forms.Textarea(attrs={"rows": 3})
    )
    risk_assessment = forms.CharField(
        label=_("Risk assessment"),
        help_text=_("The risk to the patient and the product, and how it is controlled."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, inspections: list[Inspection], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["inspection"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [
            ("", "—"),
            *(
                (str(i.pk), f"{i.number} · {i.get_stage_display()} · {i.get_state_display()}")
                for i in inspections
            ),
        ]
