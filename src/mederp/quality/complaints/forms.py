"""Complaint forms: presentation and field parsing only; the services decide (a missing product,
a lot of another product or an unknown rule comes back as the service's coded refusal)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from mederp.quality.complaints.models import (
    Channel,
    ComplaintState,
    DeadlineUnit,
    EventClass,
    Jurisdiction,
    PatientInvolvement,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class FilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Number, description, product, lot, UDI")}
        ),
    )
    state = forms.ChoiceField(
        label=pgettext_lazy("complaint", "State"),
        required=False,
        choices=[("", _("any")), *ComplaintState.choices],
    )


class IntakeForm(forms.Form):
    """A complaint as taken on the phone or at the counter: scan the UDI, or name the product."""

    udi = forms.CharField(
        label=_("Scan the UDI"),
        required=False,
        max_length=500,
        strip=False,
        help_text=_("GS1 or HIBC label: fills the product, lot and serial."),
        widget=forms.TextInput(attrs={"autofocus": True, "spellcheck": "false"}),
    )
    product = forms.CharField(label=_("Product code"), required=False, max_length=32)
    lot = forms.CharField(label=_("Lot number"), required=False, max_length=64)
    serial = forms.CharField(label=_("Serial number"), required=False, max_length=64)
    received_at = forms.DateTimeField(
        label=_("Received (aware)"),
        required=False,
        widget=DATETIME,
        help_text=_(
            "When the company became aware; every reporting clock starts here. Default: now."
        ),
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    customer = forms.CharField(label=_("Customer code"), required=False, max_length=32)
    complainant_name = forms.CharField(label=_("Complainant"), required=False, max_length=200)
    complainant_address = forms.CharField(label=_("Address"), required=False, max_length=300)
    complainant_phone = forms.CharField(label=_("Phone"), required=False, max_length=50)
    event_date = forms.DateField(label=_("Event date"), required=False, widget=DATE)
    event_country = forms.CharField(
        label=_("Event country"), required=False, max_length=2, help_text=_("e.g. CN, US, DE")
    )
    patient_involvement = forms.ChoiceField(
        label=_("Patient involvement"), choices=PatientInvolvement.choices
    )
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )


class AssessForm(forms.Form):
    reportable = forms.TypedChoiceField(
        label=_("Reportable to an authority?"),
        choices=[("yes", _("yes")), ("no", _("no"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    event_classes = forms.MultipleChoiceField(
        label=_("Event classes"),
        required=False,
        choices=EventClass.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    jurisdictions = forms.MultipleChoiceField(
        label=_("Jurisdictions"),
        required=False,
        choices=Jurisdiction.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    rationale = forms.CharField(
        label=_("Rationale"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the complaint is not reportable."),
    )


class InvestigationForm(forms.Form):
    investigation = forms.CharField(
        label=_("Investigation"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    no_investigation_justification = forms.CharField(
        label=_("Justification for no investigation"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    correction = forms.CharField(
        label=_("Correction or corrective action"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    reply = forms.CharField(
        label=_("Reply to complainant"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class SubmissionForm(forms.Form):
    authority_reference = forms.CharField(
        label=_("Authority reference"), required=False, max_length=100
    )
    submitted_at = forms.DateTimeField(
        label=_("Submitted"), required=False, widget=DATETIME, help_text=_("Default: now")
    )


class NcrForm(forms.Form):
    quantity = forms.CharField(
        label=_("Quantity of our stock to hold"),
        required=False,
        max_length=32,
        help_text=_("Leave empty when none of the lot is in our stock."),
    )


class CapaForm(forms.Form):
    title = forms.CharField(label=_("CAPA title"), max_length=200)


class RecallLinkForm(forms.Form):
    recall = forms.CharField(label=_("Recall number"), max_length=32)


class RuleForm(forms.Form):
    jurisdiction = forms.ChoiceField(label=_("Jurisdiction"), choices=Jurisdiction.choices)
    code = forms.CharField(label=_("Code"), max_length=40)
    label = forms.CharField(label=_("Label"), max_length=200)
    condition = forms.ChoiceField(label=_("Event class"), choices=EventClass.choices)
    deadline_amount = forms.IntegerField(label=_("Deadline"), min_value=1, max_value=10000)
    deadline_unit = forms.ChoiceField(label=_("Unit"), choices=DeadlineUnit.choices)
    regulation = forms.CharField(label=_("Regulation"), max_length=200)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    reason = forms.CharField(
        label=_("Reason for the change"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
