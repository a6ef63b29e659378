"""Catalog forms: presentation and field parsing only; rules live in the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from mederp.catalog.models import UnitOfMeasure


class ReasonForm(forms.Form):
    """Every edit of a regulated record asks why (AT-04)."""

    reason = forms.CharField(
        label=_("Reason for change"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class UomForm(forms.ModelForm):
    class Meta:
        model = UnitOfMeasure
        fields = ["code", "name_zh", "name_en", "is_active"]
