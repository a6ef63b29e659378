"""Procurement forms: presentation and field parsing only; rules live in the services.

Quantities and prices stay text until the service reads them exactly (a coded refusal for a
quantity of 0 or with four decimals, never a form's own rounding).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mederp.catalog.models import Jurisdiction, Product
from mederp.inventory.models import Location
from mederp.partners.models import Partner
from mederp.procurement.models import OrderState, PurchaseOrderLine

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _product_label(p: Product) -> str:
    return f"{p.code} · {p.name_zh} · {p.specification}".rstrip(" ·")


class OrderFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Number or supplier")}),
    )
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("any")), *OrderState.choices]
    )


class OrderForm(forms.Form):
    supplier = forms.ModelChoiceField(label=_("Supplier"), queryset=Partner.objects.none())
    market = forms.ChoiceField(
        label=_("Market"),
        choices=Jurisdiction.choices,
        initial=Jurisdiction.CN,
        help_text=_("The registration certificate must be valid for this market."),
    )
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="CNY")
    expected_date = forms.DateField(label=_("Expected delivery"), required=False, widget=DATE)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["supplier"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Partner.objects.filter(is_supplier=True).order_by("code")


class ProductChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return _product_label(obj)


class LineForm(forms.Form):
    product = ProductChoiceField(label=_("Product"), queryset=Product.objects.none())
    quantity = forms.CharField(
        label=_("Quantity"), max_length=32, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    unit_price = forms.CharField(
        label=_("Unit price"),
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["product"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Product.objects.order_by("code")


class BaseLineFormSet(forms.BaseFormSet):
    """Blank rows are skipped; a half-filled row is an error on that row."""

    def lines(self) -> list[dict[str, Any]]:
        return [
            {k: f.cleaned_data[k] for k in ("product", "quantity", "unit_price")}
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]


LineFormSet = forms.formset_factory(
    LineForm, formset=BaseLineFormSet, extra=5, max_num=200, validate_max=True
)


class ReceiveForm(forms.Form):
    """One line of goods at the dock: scanned, or typed from the label (验收)."""

    scan = forms.CharField(
        label=_("Scan the label"),
        required=False,
        max_length=2000,
        help_text=_(
            "GS1 (with the group separator, or typed as <GS>), the (01)…(10)… form, a GS1 "
            "Digital Link or HIBC. The fields below fill in from the scan."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autofocus": True, "class": "scan-input"}
        ),
    )
    order_line = forms.ChoiceField(label=_("Order line"))
    location = forms.ModelChoiceField(
        label=_("Into quarantine at"), queryset=Location.objects.none()
    )
    lot_number = forms.CharField(label=_("Lot number"), max_length=64, required=False)
    serial_number = forms.CharField(label=_("Serial number"), max_length=64, required=False)
    manufacture_date = forms.DateField(label=_("Manufacture date"), required=False, widget=DATE)
    expiry_date = forms.DateField(label=_("Expiry date"), required=False, widget=DATE)
    quantity = forms.CharField(
        label=_("Quantity received"),
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    accepted = forms.CharField(
        label=_("Quantity accepted"),
        max_length=32,
        required=False,
        help_text=_("Leave empty when everything received is accepted."),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    rejection_reason = forms.CharField(
        label=_("Reason for rejection"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self,
        *args: Any,
        lines: list[PurchaseOrderLine],
        locations: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        choice = self.fields["order_line"]
        assert isinstance(choice, forms.ChoiceField)
        choice.choices = [
            (
                str(line.pk),
                f"{line.line_no}. {line.product.code} {line.product.name_zh} "
                f"(GTIN {line.product.gtin}, {line.product.get_tracking_display()})",
            )
            for line in lines
        ]
        place = self.fields["location"]
        assert isinstance(place, forms.ModelChoiceField)
        place.queryset = locations
        only = list(locations[:2])
        if not self.is_bound and len(only) == 1:
            place.initial = only[0].pk


class ReceiptFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Receipt, order, supplier, lot or serial")}
        ),
    )
