"""Inventory forms: presentation and field parsing only; rules live in the services.

Plain forms built from the models' fields, not ModelForms: a ModelForm would run the model's
validators, uniqueness and constraints itself, before the service normalises the input (codes are
upper-cased there) and with generic messages instead of the service's coded errors.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from mederp.inventory.models import Location, LocationKind, Warehouse, kind_names


class _FieldsForm(forms.Form):
    model: ClassVar[type[models.Model]]
    field_names: ClassVar[list[str]]

    def __init__(self, *args: Any, creating: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = [f for f in self.field_names if not (creating and f == "is_active")]
        self.fields.update(forms.fields_for_model(self.model, fields=names))


class WarehouseForm(_FieldsForm):
    model = Warehouse
    field_names = ["code", "name_zh", "name_en", "address", "is_active"]


class LocationForm(_FieldsForm):
    model = Location
    field_names = ["code", "name", "name_en", "kind", "temp_min_c", "temp_max_c", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = [("", "---------")] + [
            (k.value, " · ".join(kind_names(k.value))) for k in LocationKind
        ]
        for name in ("temp_min_c", "temp_max_c"):
            self.fields[name].help_text = _("°C; both are required for a cold location.")


# --- stock -------------------------------------------------------------------------------------


def _location_choices(*, internal_only: bool = True) -> list[tuple[str, str]]:
    qs = Location.objects.filter(is_active=True).select_related("warehouse")
    qs = qs.order_by("warehouse__code", "code")
    return [("", "—")] + [
        (str(loc.pk), f"{loc.warehouse.code} / {loc.code} · {loc.kind_name_zh} {loc.name}")
        for loc in qs
        if not (internal_only and loc.is_external)
    ]


def _set_choices(form: forms.Form, name: str, choices: list[tuple[str, str]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class TransferForm(forms.Form):
    """Putaway and replenishment. The lot field is scan-friendly (mederp.inventory.scan)."""

    product = forms.CharField(
        label=_("Product code or GTIN"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    scan = forms.CharField(
        label=_("Lot or serial (type it or scan the label)"),
        max_length=200,
        required=False,
        strip=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autofocus": True, "data-scan": "gs1"}
        ),
    )
    quantity = forms.CharField(label=_("Quantity"), max_length=32)
    from_location = forms.ChoiceField(label=pgettext_lazy("move", "From"))
    to_location = forms.ChoiceField(label=pgettext_lazy("move", "To"))
    reason = forms.CharField(
        label=_("Reason (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = _location_choices()
        _set_choices(self, "from_location", choices)
        _set_choices(self, "to_location", choices)


class CountOpenForm(forms.Form):
    location = forms.ChoiceField(label=_("Location"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "location", _location_choices())


class StockFilterForm(forms.Form):
    product = forms.CharField(label=_("Product code or GTIN"), required=False, max_length=32)
    location = forms.ChoiceField(label=_("Location"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "location", _location_choices())
