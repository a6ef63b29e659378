"""Forms of the relay pages: presentation and field parsing only; the services decide and their
coded refusals are shown on the form (``core.formerrors.apply_domain_error``)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from mederp.integration.models import (
    DeadLetterState,
    DeliveryOutcome,
    Subscription,
    SubscriptionKind,
)

PATTERNS_HELP = _(
    "One per line or separated by commas: sales.order.shipped, sales.* (every sales event), "
    "*.created, or * for everything."
)


def split_patterns(text: str) -> list[str]:
    return [p for p in re.split(r"[\s,]+", text or "") if p]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class SubscriptionForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=SubscriptionKind.choices)
    url = forms.CharField(
        label=_("URL"),
        max_length=500,
        help_text=_(
            "Webhook: https://… (http only to this machine). RabbitMQ: "
            "amqp://user:password@host:5672/vhost (the password is stored encrypted)."
        ),
    )
    event_types = forms.CharField(
        label=_("Event types"), widget=forms.Textarea(attrs={"rows": 3}), help_text=PATTERNS_HELP
    )
    secret = forms.CharField(
        label=_("Signing secret"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Webhook: leave empty and MedERP generates one, shown once."),
    )
    exchange = forms.CharField(
        label=_("Exchange"),
        required=False,
        max_length=100,
        help_text=_("RabbitMQ only; empty: mederp.events."),
    )
    max_attempts = forms.IntegerField(
        label=_("Attempts before dead letter"),
        required=False,
        min_value=1,
        max_value=100,
        help_text=_("Empty: the relay's default."),
    )
    start = forms.ChoiceField(
        label=_("Deliver"),
        choices=[
            ("now", _("events from now on")),
            ("beginning", _("every event, from the beginning")),
        ],
    )

    def values(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "name": d["name"],
            "kind": d["kind"],
            "url": d["url"],
            "event_types": split_patterns(d["event_types"]),
            "secret": d.get("secret") or None,
            "exchange": d.get("exchange") or "",
            "max_attempts": d.get("max_attempts"),
            "start": d["start"],
        }


class SubscriptionEditForm(forms.Form):
    url = forms.CharField(label=_("URL"), max_length=500)
    event_types = forms.CharField(
        label=_("Event types"), widget=forms.Textarea(attrs={"rows": 3}), help_text=PATTERNS_HELP
    )
    max_attempts = forms.IntegerField(
        label=_("Attempts before dead letter"), min_value=1, max_value=100
    )
    exchange = forms.CharField(label=_("Exchange"), required=False, max_length=100)
    reason = forms.CharField(
        label=_("Reason for the change"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    @classmethod
    def for_subscription(cls, sub: Subscription) -> SubscriptionEditForm:
        form = cls(
            initial={
                "url": sub.url,
                "event_types": "\n".join(sub.event_types),
                "max_attempts": sub.max_attempts,
                "exchange": sub.exchange,
                "version": sub.version,
            }
        )
        if sub.kind != SubscriptionKind.AMQP:
            del form.fields["exchange"]
        return form


class DeliveryFilterForm(forms.Form):
    outcome = forms.ChoiceField(
        label=pgettext_lazy("delivery", "Outcome"),
        required=False,
        choices=[("", _("any")), *DeliveryOutcome.choices],
    )


class DeadLetterFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=pgettext_lazy("dead letter", "State"),
        required=False,
        choices=[("", _("any")), *DeadLetterState.choices],
    )
    subscription = forms.ModelChoiceField(
        label=_("Subscription"),
        required=False,
        queryset=Subscription.objects.none(),
        empty_label=_("any"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subscription"].queryset = Subscription.objects.order_by("name")  # type: ignore[attr-defined]


class ReplayForm(forms.Form):
    """Why the dead letters ticked in the list (``ids``, read by the view) are sent again."""

    reason = forms.CharField(
        label=_("Reason for the replay"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    @staticmethod
    def ids(data: Any) -> list[int]:
        return [int(v) for v in data.getlist("ids") if str(v).isdigit()]
