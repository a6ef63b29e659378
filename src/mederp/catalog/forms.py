"""Catalog forms: presentation and field parsing only; rules live in the services.

Product and registration forms are plain forms, not ModelForms, so that every refusal (a bad
GTIN, a taken code) comes from the service with its stable code, never from Django's own
model validation.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mederp.catalog.models import (
    DeviceClass,
    Jurisdiction,
    Product,
    ProductStatus,
    Registration,
    RegistrationKind,
    Tracking,
    UnitOfMeasure,
)


class UomForm(forms.ModelForm):
    class Meta:
        model = UnitOfMeasure
        fields = ["code", "name_zh", "name_en", "is_active"]


class ProductSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Code, name, GTIN or specification")}
        ),
    )
    tracking = forms.ChoiceField(
        label=_("Tracking"), required=False, choices=[("", _("any")), *Tracking.choices]
    )
    device_class = forms.ChoiceField(
        label=_("Device class"), required=False, choices=[("", _("any")), *DeviceClass.choices]
    )


class ProductForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=32)
    name_zh = forms.CharField(label=_("Chinese name"), max_length=200)
    name_en = forms.CharField(label=_("English name"), max_length=200)
    specification = forms.CharField(
        label=_("Specification / model (规格型号)"), max_length=200, required=False
    )
    gtin = forms.CharField(
        label=_("GTIN-14 (UDI-DI)"),
        max_length=64,
        required=True,
        help_text=_("14 digits including the GS1 check digit."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    uom = forms.ModelChoiceField(
        label=_("Base unit of measure"),
        queryset=UnitOfMeasure.objects.none(),
        to_field_name="code",
    )
    # A blank first choice: tracking and class are decisions, never defaults taken by accident.
    tracking = forms.ChoiceField(label=_("Tracking"), choices=[("", "—"), *Tracking.choices])
    device_class = forms.ChoiceField(
        label=_("Device class"), choices=[("", "—"), *DeviceClass.choices]
    )
    category_code = forms.CharField(
        label=_("Classification code"),
        max_length=32,
        help_text=_("NMPA classification code, e.g. 07-01 or 6815."),
    )
    manufacturer = forms.CharField(label=_("Manufacturer"), max_length=200, required=False)
    hibc_di = forms.CharField(
        label=_("HIBC identifier"),
        max_length=24,
        required=False,
        help_text=_("Only for devices labelled HIBC: labeler code, product number, unit digit."),
    )
    shelf_life_days = forms.IntegerField(label=_("Shelf life (days)"), required=False)
    storage_min_c = forms.DecimalField(label=_("Storage minimum (°C)"), required=False)
    storage_max_c = forms.DecimalField(label=_("Storage maximum (°C)"), required=False)

    def __init__(self, *args: Any, product: Product | None = None, **kwargs: Any) -> None:
        if product is not None and "initial" not in kwargs:
            kwargs["initial"] = product_initial(product)
        super().__init__(*args, **kwargs)
        units = UnitOfMeasure.objects.filter(is_active=True)
        if product is not None:
            units = units | UnitOfMeasure.objects.filter(pk=product.uom_id)
        self.fields["uom"].queryset = units.order_by("code")  # type: ignore[attr-defined]
        if product is not None:
            self.fields["status"] = forms.ChoiceField(
                label=_("Status"), choices=ProductStatus.choices
            )

    def service_values(self) -> dict[str, Any]:
        """The cleaned values as the service's keyword arguments (the unit by its code)."""
        values = dict(self.cleaned_data)
        values["uom"] = values["uom"].code
        for name in ("specification", "manufacturer", "hibc_di"):
            values[name] = values.get(name) or ""
        return values


def product_initial(product: Product) -> dict[str, Any]:
    return {
        "code": product.code,
        "name_zh": product.name_zh,
        "name_en": product.name_en,
        "specification": product.specification,
        "gtin": product.gtin,
        "uom": product.uom.code,
        "tracking": product.tracking,
        "device_class": product.device_class,
        "category_code": product.category_code,
        "manufacturer": product.manufacturer,
        "hibc_di": product.hibc_di,
        "shelf_life_days": product.shelf_life_days,
        "storage_min_c": product.storage_min_c,
        "storage_max_c": product.storage_max_c,
        "status": product.status,
    }


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class RegistrationForm(forms.Form):
    jurisdiction = forms.ChoiceField(label=_("Jurisdiction"), choices=Jurisdiction.choices)
    kind = forms.ChoiceField(label=_("Kind"), choices=RegistrationKind.choices)
    number = forms.CharField(label=_("Certificate number"), max_length=100)
    holder = forms.CharField(label=_("Registrant / holder"), max_length=200, required=False)
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=DateInput())
    valid_until = forms.DateField(label=_("Valid until"), widget=DateInput())
    scope = forms.CharField(
        label=_("Scope"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )

    def __init__(self, *args: Any, registration: Registration | None = None, **kwargs: Any) -> None:
        if registration is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                name: getattr(registration, name)
                for name in (
                    "jurisdiction",
                    "kind",
                    "number",
                    "holder",
                    "valid_from",
                    "valid_until",
                    "scope",
                )
            }
        super().__init__(*args, **kwargs)

    def service_values(self) -> dict[str, Any]:
        values = dict(self.cleaned_data)
        for name in ("holder", "scope"):
            values[name] = values.get(name) or ""
        return values
