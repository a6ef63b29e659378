"""Production forms: presentation and field parsing only; rules live in the services.

Quantities stay text until the service reads them exactly (a coded refusal for 0 or for four
decimals, never a form's own rounding).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from mederp.catalog.models import BillOfMaterials, BomComponent, BomState, Product, Tracking
from mederp.inventory.models import Location, LocationKind
from mederp.production.models import CheckResult, OutputKind, WorkOrder, WorkOrderState

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

SCAN_HELP = _(
    "Scan the component's label. A GS1 string may carry its group separator as the scanner "
    "sends it, or typed as <GS>, {GS} or \\x1d; the (01)…(10)… form, a GS1 Digital Link and "
    "HIBC work too."
)


def quantity_field(label: Any, *, initial: str = "", required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=32,
        initial=initial,
        required=required,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )


class WorkOrderFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Number, device or output lot")}
        ),
    )
    state = forms.ChoiceField(
        label=pgettext_lazy("work order", "State"),
        required=False,
        choices=[("", _("any")), *WorkOrderState.choices],
    )


class ProductChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} · {obj.name_zh} · {obj.name_en}"


class LocationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.warehouse.code} · {obj.code} · {obj.name}"


class BomChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        since = obj.effective_from.isoformat() if obj.effective_from else "—"
        return f"{obj.product.code} v{obj.revision} ({since})"


class WorkOrderForm(forms.Form):
    product = ProductChoiceField(label=_("Device"), queryset=Product.objects.none())
    planned_quantity = quantity_field(_("Planned quantity"))
    planned_start = forms.DateField(label=_("Planned start"), widget=DATE)
    planned_end = forms.DateField(label=_("Planned end"), required=False, widget=DATE)
    bom = BomChoiceField(
        label=_("BOM version"),
        queryset=BillOfMaterials.objects.none(),
        required=False,
        help_text=_("Leave empty to use the version in effect on the planned start."),
    )
    production_location = LocationChoiceField(
        label=_("Production location"),
        queryset=Location.objects.none(),
        help_text=_("Where issued material is consumed."),
    )
    output_location = LocationChoiceField(
        label=_("Output location"),
        queryset=Location.objects.none(),
        help_text=_("The quarantine location finished output waits in for QA's release."),
    )
    output_lot_number = forms.CharField(label=_("Output lot"), max_length=64, required=False)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices(
            "product",
            Product.objects.filter(tracking__in=[Tracking.LOT, Tracking.SERIAL])
            .exclude(device_class="none")
            .order_by("code"),
        )
        self._choices(
            "bom",
            BillOfMaterials.objects.filter(state=BomState.APPROVED)
            .select_related("product")
            .order_by("product__code", "-revision"),
        )
        for name, kind in (
            ("production_location", LocationKind.PRODUCTION),
            ("output_location", LocationKind.QUARANTINE),
        ):
            self._choices(
                name,
                Location.objects.filter(kind=kind, is_active=True)
                .select_related("warehouse")
                .order_by("warehouse__code", "code"),
            )

    def _choices(self, name: str, queryset: Any) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = queryset
        only = list(queryset[:2])
        if not self.is_bound and len(only) == 1 and name != "bom":
            field.initial = only[0].pk

    def service_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "product_id": data["product"].pk,
            "planned_quantity": data["planned_quantity"],
            "planned_start": data["planned_start"],
            "planned_end": data.get("planned_end"),
            "bom_id": data["bom"].pk if data.get("bom") else None,
            "production_location_id": data["production_location"].pk,
            "output_location_id": data["output_location"].pk,
            "output_lot_number": data.get("output_lot_number", ""),
            "notes": data.get("notes", ""),
        }


class IssueForm(forms.Form):
    """Issue by scan (the field has the focus: a wedge scanner types into it and presses
    Enter), or pick the component and let FEFO choose the lots."""

    scan = forms.CharField(
        label=_("Scan the label"),
        required=False,
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
    quantity = quantity_field(_("Quantity"), initial="1")
    component = forms.ChoiceField(
        label=_("Component"),
        required=False,
        help_text=_("Without a scan: the component to issue by FEFO."),
    )

    def __init__(self, *args: Any, order: WorkOrder, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lines = BomComponent.objects.filter(bom_id=order.bom_id).select_related("component")
        field = self.fields["component"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            ("", _("from the scan")),
            *(
                (str(c.component_id), f"{c.line_no} · {c.component.code} {c.component.name_zh}")
                for c in lines.order_by("line_no")
            ),
        ]

    def service_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        chosen = data.get("component")
        return {
            "scan": data.get("scan") or "",
            "quantity": data["quantity"],
            "component_id": int(chosen) if chosen else None,
        }


class OutputForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=OutputKind.choices, initial="good")
    quantity = quantity_field(_("Quantity"))
    lot_number = forms.CharField(
        label=_("Lot number"),
        max_length=64,
        required=False,
        help_text=_("Good output of a lot-tracked device; default: the work order's output lot."),
    )
    serial_numbers = forms.CharField(
        label=_("Serial numbers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Serial-tracked devices: one serial number per unit, one per line."),
    )
    manufacture_date = forms.DateField(
        label=_("Manufacture date"), required=False, widget=DATE, help_text=_("Default: today.")
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required for scrap and rework."),
    )

    def service_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "quantity": data["quantity"],
            "lot_number": data.get("lot_number", ""),
            "serial_numbers": [s for s in (data.get("serial_numbers") or "").split() if s],
            "manufacture_date": data.get("manufacture_date"),
            "reason": data.get("reason", ""),
        }


class ScrapForm(forms.Form):
    """Issued component material scrapped on the line: choose what was issued."""

    item = forms.ChoiceField(label=_("Issued material"))
    quantity = quantity_field(_("Quantity"))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, order: WorkOrder, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        seen: dict[str, str] = {}
        issues = order.issues.select_related("product", "lot", "serial").order_by("id")
        for i in issues:
            key = f"{i.product_id}:{i.lot_id or ''}:{i.serial_id or ''}"
            item = (
                f"{_('serial')} {i.serial.serial_number}"
                if i.serial is not None
                else (f"{_('lot')} {i.lot.number}" if i.lot is not None else "")
            )
            seen.setdefault(key, f"{i.product.code} {i.product.name_zh} {item}".strip())
        field = self.fields["item"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = list(seen.items())

    def service_values(self) -> dict[str, Any]:
        product, lot, serial = self.cleaned_data["item"].split(":")
        return {
            "component_id": int(product),
            "lot_id": int(lot) if lot else None,
            "serial_id": int(serial) if serial else None,
            "quantity": self.cleaned_data["quantity"],
            "reason": self.cleaned_data["reason"],
        }


class OperationForm(forms.Form):
    operation = forms.CharField(label=_("Operation"), max_length=64)
    workstation = forms.CharField(label=_("Workstation"), max_length=64, required=False)
    started_at = forms.DateTimeField(label=_("Started"), required=False, widget=DATETIME)
    completed_at = forms.DateTimeField(label=_("Completed"), widget=DATETIME)
    quantity_good = quantity_field(_("Good quantity"), initial="0", required=False)
    quantity_scrap = quantity_field(_("Scrap quantity"), initial="0", required=False)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CheckForm(forms.Form):
    characteristic = forms.CharField(label=_("Characteristic"), max_length=200)
    specification = forms.CharField(label=_("Specification"), max_length=200, required=False)
    measured_value = forms.CharField(label=_("Measured value"), max_length=100, required=False)
    result = forms.ChoiceField(
        label=pgettext_lazy("check", "Result"), choices=CheckResult.choices, initial="pass"
    )
    operation = forms.CharField(label=_("Operation"), max_length=64, required=False)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
