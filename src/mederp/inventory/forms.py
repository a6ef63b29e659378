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
