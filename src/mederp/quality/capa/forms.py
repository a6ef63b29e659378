"""CAPA forms: presentation and field parsing only; the services decide and their coded
refusals are shown on the form (``core.formerrors.apply_domain_error``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from mederp.quality.capa.models import (
    ActionKind,
    CapaKind,
    CapaState,
    Effectiveness,
    LinkKind,
    RootCauseMethod,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _users() -> Any:
    return get_user_model().objects.filter(is_active=True).order_by("username")


class UserChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(getattr(obj, "printed_name", "") or obj.get_username())


class CapaFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=pgettext_lazy("capa filter", "State"),
        required=False,
        choices=[("", _("any")), *CapaState.choices],
    )
    overdue = forms.BooleanField(label=_("Only overdue"), required=False)


class OpenCapaForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=CapaKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    problem = forms.CharField(
        label=_("Problem statement"), widget=forms.Textarea(attrs={"rows": 4})
    )
    owner = UserChoice(label=_("Owner"), queryset=_users(), required=False)
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DATE)
    effectiveness_criteria = forms.CharField(
        label=_("Effectiveness criteria"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("How you will know the actions worked (e.g. no recurrence in 10 lots)."),
    )
    effectiveness_due = forms.DateField(
        label=_("Effectiveness check due"), required=False, widget=DATE
    )
    link_kind = forms.ChoiceField(
        label=_("Linked record"), choices=[("", "—"), *LinkKind.choices], required=False
    )
    link_ref = forms.CharField(
        label=_("Record id or audit reference"), max_length=64, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _users()  # type: ignore[attr-defined]

    def links(self) -> list[tuple[str, int | str]]:
        kind = self.cleaned_data.get("link_kind") or ""
        ref = (self.cleaned_data.get("link_ref") or "").strip()
        if not kind:
            return []
        return [(kind, ref)]


class RootCauseForm(forms.Form):
    method = forms.ChoiceField(label=_("Method"), choices=RootCauseMethod.choices)
    root_cause = forms.CharField(label=_("Root cause"), widget=forms.Textarea(attrs={"rows": 3}))


class ActionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=ActionKind.choices, initial=ActionKind.CORRECTIVE
    )
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}))
    owner = UserChoice(label=_("Owner"), queryset=_users(), required=False)
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _users()  # type: ignore[attr-defined]


class CompleteActionForm(forms.Form):
    evidence = forms.CharField(label=_("Evidence"), widget=forms.Textarea(attrs={"rows": 2}))


class EffectivenessForm(forms.Form):
    result = forms.ChoiceField(label=_("Result"), choices=Effectiveness.choices)
    criteria = forms.CharField(
        label=_("Effectiveness criteria"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    evidence = forms.CharField(label=_("Evidence"), widget=forms.Textarea(attrs={"rows": 3}))


class LinkForm(forms.Form):
    kind = forms.ChoiceField(label=_("Linked record"), choices=LinkKind.choices)
    ref = forms.CharField(label=_("Record id or audit reference"), max_length=64)
