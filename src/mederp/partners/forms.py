"""Partner forms: presentation and field parsing only; rules live in the services.

Plain forms (not ModelForms) so that uniqueness, the role constraint and the USCC check are
refused by the service with their coded message, the same one the API gives.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from mederp.partners import rules
from mederp.partners.models import Partner, QualificationDocument

PARTNER_FORM_FIELDS = [
    "code",
    "name",
    "name_en",
    "is_supplier",
    "is_customer",
    "uscc",
    "country",
    "address",
    "contact",
    "phone",
    "email",
    "status",
    "min_remaining_shelf_life_days",
]
DOCUMENT_FORM_FIELDS = [
    "kind",
    "number",
    "authority",
    "scope",
    "valid_from",
    "valid_until",
    "file_sha256",
]


class PartnerForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(
            fields_for_model(
                Partner,
                fields=PARTNER_FORM_FIELDS,
                widgets={
                    "name": forms.TextInput(
                        attrs={
                            "hx-get": "",
                            "hx-trigger": "input changed delay:500ms",
                            "hx-target": "#near-duplicates",
                            "hx-swap": "innerHTML",
                        }
                    ),
                },
            )
        )
        # Length and format of these are the service's coded refusals, shown next to the field.
        self.fields["uscc"] = forms.CharField(
            label=_("Unified social credit code"),
            required=False,
            max_length=64,
            help_text=_("18 characters; required for partners in China."),
        )
        self.fields["country"] = forms.CharField(
            label=_("Country"),
            max_length=16,
            initial="CN",
            help_text=_("ISO 3166 two-letter code, e.g. CN, DE, US."),
        )
        # Only customers state one; empty means no minimum.
        self.fields["min_remaining_shelf_life_days"].required = False
        self.order_fields(PARTNER_FORM_FIELDS)

    def clean_min_remaining_shelf_life_days(self) -> int:
        return self.cleaned_data.get("min_remaining_shelf_life_days") or 0

    def set_name_check_url(self, url: str) -> None:
        self.fields["name"].widget.attrs["hx-get"] = url


class PartnerFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    role = forms.ChoiceField(
        label=_("Role"),
        required=False,
        choices=[
            ("", _("all")),
            ("supplier", _("suppliers")),
            ("customer", _("customers")),
        ],
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("all")), *Partner.Status.choices]
    )


class DocumentForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        date = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        self.fields.update(
            fields_for_model(
                QualificationDocument,
                fields=DOCUMENT_FORM_FIELDS,
                widgets={"valid_from": date, "valid_until": date},
            )
        )
        self.fields["scope"] = forms.CharField(
            label=_("Business scope"),
            required=False,
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text=_("Category codes separated by commas, spaces or new lines, e.g. 07, 14-01"),
        )
        self.fields["valid_until"].help_text = _(
            "Required for manufacturing and distribution licences and ISO 13485 certificates; "
            "leave empty for a business licence without end (长期) or a class II filing."
        )
        self.fields["file_sha256"] = forms.CharField(
            label=_("File SHA-256"),
            required=False,
            max_length=128,
            help_text=_("SHA-256 of the scanned original, 64 hex digits."),
        )
        self.order_fields(DOCUMENT_FORM_FIELDS)

    def clean_scope(self) -> list[str]:
        return rules.parse_scope(self.cleaned_data.get("scope") or "")

    @staticmethod
    def initial_for(doc: QualificationDocument) -> dict[str, Any]:
        initial = {name: getattr(doc, name) for name in DOCUMENT_FORM_FIELDS}
        initial["scope"] = ", ".join(doc.scope)
        return initial
