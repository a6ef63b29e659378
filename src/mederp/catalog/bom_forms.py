"""Bill-of-materials forms: presentation and field parsing only; the rules live in the services.

Field names are the services' argument names (``product_id``, ``component_id``, ``uom_id``,
``quantity_per_unit``...), so a refusal naming its field lands next to it. The quantity is taken
as text: the service reads it exactly and refuses anything else with its own code.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mederp.catalog import bom_selectors
from mederp.catalog.forms import DateInput
from mederp.catalog.models import (
    BillOfMaterials,
    BomComponent,
    BomState,
    Product,
    ProductStatus,
    UnitOfMeasure,
)
from mederp.core.forms import SignForm


class ProductChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} · {obj.name_zh}"


class BomChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.product.code} v{obj.revision} ({obj.get_state_display()})"


class BomSearchForm(forms.Form):
    product = ProductChoice(
        label=_("Finished device"), required=False, queryset=Product.objects.none()
    )
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("any")), *BomState.choices]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = bom_selectors.bom_products().order_by(  # type: ignore[attr-defined]
            "code"
        )


class BomCreateForm(forms.Form):
    product_id = ProductChoice(label=_("Finished device"), queryset=Product.objects.none())
    copy_from_id = BomChoice(
        label=_("Copy the components of"),
        required=False,
        queryset=BillOfMaterials.objects.none(),
        help_text=_("An earlier version of the same device: how an approved BOM is changed."),
    )
    effective_from = forms.DateField(
        label=_("Effective from"),
        required=False,
        widget=DateInput(),
        help_text=_("Today or later; if left empty, the approval sets it (today by default)."),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product_id"].queryset = bom_selectors.bom_products().order_by(  # type: ignore[attr-defined]
            "code"
        )
        self.fields["copy_from_id"].queryset = BillOfMaterials.objects.select_related(  # type: ignore[attr-defined]
            "product"
        ).order_by("product__code", "-revision")

    def service_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        source = data.get("copy_from_id")
        return {
            "product_id": data["product_id"].pk,
            "copy_from_id": source.pk if source is not None else None,
            "effective_from": data.get("effective_from"),
            "notes": data.get("notes") or "",
        }


class BomEditForm(forms.Form):
    effective_from = forms.DateField(label=_("Effective from"), required=False, widget=DateInput())
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, bom: BillOfMaterials, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"effective_from": bom.effective_from, "notes": bom.notes})
        super().__init__(*args, **kwargs)

    def service_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"effective_from": data.get("effective_from"), "notes": data.get("notes") or ""}


class ComponentForm(forms.Form):
    component_id = ProductChoice(label=_("Component"), queryset=Product.objects.none())
    quantity_per_unit = forms.CharField(
        label=_("Quantity per unit"),
        max_length=40,
        help_text=_("Per unit of the finished device, in the component's unit: 2, 0.125."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    uom_id = forms.ModelChoiceField(
        label=_("Unit"),
        required=False,
        queryset=UnitOfMeasure.objects.none(),
        empty_label=_("the component's unit"),
    )
    notes = forms.CharField(label=_("Notes"), required=False, max_length=200)

    def __init__(self, *args: Any, line: BomComponent | None = None, **kwargs: Any) -> None:
        if line is not None:
            kwargs.setdefault(
                "initial",
                {
                    "component_id": line.component_id,
                    "quantity_per_unit": format(line.quantity_per_unit.normalize(), "f"),
                    "uom_id": line.uom_id,
                    "notes": line.notes,
                },
            )
        super().__init__(*args, **kwargs)
        products = Product.objects.filter(status=ProductStatus.ACTIVE)
        if line is not None:
            products = products | Product.objects.filter(pk=line.component_id)
        self.fields["component_id"].queryset = products.order_by("code")  # type: ignore[attr-defined]
        self.fields["uom_id"].queryset = UnitOfMeasure.objects.order_by("code")  # type: ignore[attr-defined]

    def service_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        uom = data.get("uom_id")
        return {
            "component_id": data["component_id"].pk,
            "quantity_per_unit": data["quantity_per_unit"],
            "uom_id": uom.pk if uom is not None else None,
            "notes": data.get("notes") or "",
        }


class BomApproveSignForm(SignForm):
    """The approval's sign dialog with the day the version takes effect (signed content)."""

    effective_from = forms.DateField(
        label=_("Effective from"),
        required=False,
        widget=DateInput(),
        help_text=_("Today or later; empty: the drafted date, else today."),
    )


def posted_effective_from(data: Any, prefix: str) -> dt.date | str | None:
    """The approval date posted with the sign form: a date, None when empty, or the raw text
    when it is not a date (the view refuses it)."""
    raw = str(data.get(f"{prefix}-effective_from", "") or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        return raw
