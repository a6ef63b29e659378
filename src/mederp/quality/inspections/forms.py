"""Inspection forms: presentation and field parsing only; the services decide (limits, sampling
overlaps, values outside the plan come back as coded refusals)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from mederp.catalog.models import Product
from mederp.quality.inspections.models import (
    CharacteristicKind,
    InspectionOutcome,
    InspectionState,
    PlanState,
    Stage,
)

ANY = ("", _("any"))


class InspectionFilterForm(forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), required=False, choices=[ANY, *Stage.choices])
    state = forms.ChoiceField(
        label=pgettext_lazy("inspection filter", "State"),
        required=False,
        choices=[ANY, *InspectionState.choices],
    )
    result = forms.ChoiceField(
        label=pgettext_lazy("inspection filter", "Result"),
        required=False,
        choices=[ANY, *InspectionOutcome.choices],
    )
    q = forms.CharField(label=_("Number, product, lot"), required=False, max_length=200)


class PlanFilterForm(forms.Form):
    product = forms.ModelChoiceField(
        label=_("Product"), required=False, queryset=Product.objects.order_by("code")
    )
    stage = forms.ChoiceField(label=_("Stage"), required=False, choices=[ANY, *Stage.choices])
    state = forms.ChoiceField(
        label=pgettext_lazy("plan filter", "State"),
        required=False,
        choices=[ANY, *PlanState.choices],
    )


class PlanHeaderForm(forms.Form):
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.order_by("code"))
    stage = forms.ChoiceField(label=_("Stage"), choices=Stage.choices)
    title = forms.CharField(label=_("Title"), required=False, max_length=200)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CharacteristicRowForm(forms.Form):
    name = forms.CharField(label=_("Characteristic"), required=False, max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=CharacteristicKind.choices)
    lower_limit = forms.CharField(label=_("Lower limit"), required=False, max_length=40)
    upper_limit = forms.CharField(label=_("Upper limit"), required=False, max_length=40)
    unit = forms.CharField(label=_("Unit"), required=False, max_length=32)
    critical = forms.BooleanField(label=_("Critical"), required=False)


class SamplingRowForm(forms.Form):
    lot_size_from = forms.CharField(label=_("Lot size from"), required=False, max_length=40)
    lot_size_to = forms.CharField(
        label=_("Lot size to"),
        required=False,
        max_length=40,
        help_text=_("Empty: and above."),
    )
    sample_size = forms.CharField(label=_("Sample size"), required=False, max_length=40)


CharacteristicFormSet = forms.formset_factory(CharacteristicRowForm, extra=3)
SamplingFormSet = forms.formset_factory(SamplingRowForm, extra=2)
