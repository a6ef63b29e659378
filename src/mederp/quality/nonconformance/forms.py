"""NCR forms: presentation and field parsing only; the services decide (a quantity above the
stock on hand, a lot of another product or a wrong password come back as coded refusals)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from mederp.catalog.models import Product
from mederp.partners.models import Partner
from mederp.quality.nonconformance.models import Disposition, NcrState, Severity, Source

#: Sources raised by hand; receipts, inspections and complaints open their NCRs themselves.
MANUAL_SOURCES = [(s.value, s.label) for s in (Source.AUDIT, Source.PRODUCTION, Source.OTHER)]


class NcrFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=pgettext_lazy("ncr filter", "State"),
        required=False,
        choices=[("", _("any")), *NcrState.choices],
    )
    source = forms.ChoiceField(
        label=_("Source"), required=False, choices=[("", _("any")), *Source.choices]
    )
    product = forms.ModelChoiceField(
        label=_("Product"), required=False, queryset=Product.objects.order_by("code")
    )
    supplier = forms.ModelChoiceField(
        label=_("Supplier"),
        required=False,
        queryset=Partner.objects.filter(is_supplier=True).order_by("code"),
    )


class RaiseNcrForm(forms.Form):
    source = forms.ChoiceField(label=_("Source"), choices=MANUAL_SOURCES)
    source_ref = forms.CharField(label=_("Source reference"), required=False, max_length=120)
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.order_by("code"))
    supplier = forms.ModelChoiceField(
        label=_("Supplier"),
        required=False,
        queryset=Partner.objects.filter(is_supplier=True).order_by("code"),
    )
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Severity.choices, initial=Severity.MAJOR
    )
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    lot_or_serial = forms.CharField(
        label=_("Lot or serial number"),
        required=False,
        max_length=64,
        help_text=_("The affected lot or serial (leave empty when no stock is affected)."),
    )
    quantity = forms.CharField(label=_("Quantity"), required=False, max_length=32)


class InvestigationForm(forms.Form):
    investigation = forms.CharField(
        label=_("Investigation"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    root_cause = forms.CharField(
        label=_("Root cause"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    capa_id = forms.IntegerField(label=_("CAPA id"), required=False, min_value=1)


class DispositionForm(forms.Form):
    """The decision and its signature (21 CFR 11.200(a)(1))."""

    disposition = forms.ChoiceField(
        label=_("Disposition"), choices=[c for c in Disposition.choices if c[0]]
    )
    reason = forms.CharField(
        label=_("Justification"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    return_reference = forms.CharField(
        label=_("Return reference (supplier RMA)"), required=False, max_length=64
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
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args: object, needs_totp: bool = True, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if not needs_totp:
            del self.fields["totp"]
