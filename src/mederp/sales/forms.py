"""Sales forms: presentation and field parsing only; rules live in the services.

Quantities and prices stay text until the service reads them exactly (a coded refusal for a
quantity of 0 or with four decimals, never a form's own rounding).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mederp.catalog.models import Jurisdiction, Product
from mederp.inventory.models import Location, LocationKind
from mederp.partners.models import Partner
from mederp.sales.models import Allocation, OrderStatus

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

SCAN_HELP = _(
    "Scan the label. A GS1 string may carry its group separator as the scanner sends it, or "
    "typed as <GS>, {GS} or \\x1d; the (01)…(10)… form, a GS1 Digital Link and HIBC work too."
)


def scan_field(label: Any, *, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=500,
        strip=False,
        help_text=SCAN_HELP,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autofocus": True,
                "class": "scan-input",
                "spellcheck": "false",
            }
        ),
    )


class OrderFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Number, customer or reference")}
        ),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("any")), *OrderStatus.choices]
    )


class CustomerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} · {obj.name}"


class OrderForm(forms.Form):
    customer = CustomerChoiceField(label=_("Customer"), queryset=Partner.objects.none())
    ship_to_address = forms.CharField(
        label=_("Ship-to address"),
        required=False,
        max_length=300,
        help_text=_("Leave empty to deliver to the customer's address on file."),
    )
    market = forms.ChoiceField(
        label=_("Market"),
        choices=Jurisdiction.choices,
        initial=Jurisdiction.CN,
        help_text=_("The registration certificate must be valid for this market."),
    )
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="CNY")
    customer_reference = forms.CharField(
        label=_("Customer's reference"), max_length=64, required=False
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["customer"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Partner.objects.filter(is_customer=True).order_by("code")


class ProductChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} · {obj.name_zh} · {obj.specification}".rstrip(" ·")


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
            if f.cleaned_data
        ]


LineFormSet = forms.formset_factory(
    LineForm, formset=BaseLineFormSet, extra=5, max_num=200, validate_max=True
)


class PickForm(forms.Form):
    """Picking by scan (拣货复核 at the shelf): what was taken, how many."""

    scan = scan_field(_("Scan the label"))
    quantity = forms.CharField(
        label=_("Quantity"),
        max_length=32,
        initial="1",
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    allocation = forms.ChoiceField(
        label=_("Allocation"),
        required=False,
        help_text=_("Leave on 'any' to let the scan find its allocation."),
    )

    def __init__(self, *args: Any, allocations: list[Allocation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["allocation"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("any")), *((str(a.pk), _allocation_label(a)) for a in allocations)]


def _allocation_label(a: Allocation) -> str:
    item = a.serial.serial_number if a.serial else (a.lot.number if a.lot else "—")
    return f"{a.location.code} · {a.product.code} · {item} · {a.quantity - a.picked_quantity:f}"


class RecordFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Customer, product, order or shipment")}
        ),
    )
    gtin = forms.CharField(label=_("UDI-DI (GTIN)"), required=False, max_length=14)
    lot = forms.CharField(label=_("Lot number"), required=False, max_length=64)
    serial = forms.CharField(label=_("Serial number"), required=False, max_length=64)
    since = forms.DateField(label=_("Shipped from"), required=False, widget=DATE)
    until = forms.DateField(label=_("Shipped until"), required=False, widget=DATE)


class ReturnForm(forms.Form):
    """Goods back from the customer against one distribution record (退货)."""

    scan = scan_field(_("Scan the returned unit's label (optional)"), required=False)
    quantity = forms.CharField(
        label=_("Quantity returned"),
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    to_location = forms.ModelChoiceField(
        label=_("Into"), queryset=Location.objects.none(), help_text=_("Returns or quarantine.")
    )
    reason = forms.CharField(
        label=_("Reason for the return"), widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to_location"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Location.objects.filter(
            kind__in=[LocationKind.RETURNS, LocationKind.QUARANTINE], is_active=True
        ).order_by("warehouse__code", "kind", "code")
        only = list(field.queryset[:1])
        if not self.is_bound and only:
            field.initial = only[0].pk
