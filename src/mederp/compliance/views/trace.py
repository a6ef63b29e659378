"""The traceability page (TR-01, TR-02, RC-04): a lot, serial or scan in, the forward or
backward report out, with its genealogy drawn as an inline SVG (:mod:`..trace_svg`).

The page is open to whoever may see lots; each direction further needs the permission of the
records it discloses (:data:`mederp.compliance.trace.PERMISSIONS`), and the form offers only
the directions the user may run.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from mederp.compliance import trace_svg
from mederp.compliance.trace import PERMISSIONS, roots_for, trace_backward, trace_forward
from mederp.core.errors import DomainError
from mederp.core.formerrors import apply_domain_error
from mederp.core.viewperms import requires

DIRECTIONS = {"forward": _("Forward: where did it go?"), "backward": _("Backward: what went in?")}


class TraceForm(forms.Form):
    lot = forms.CharField(
        label=_("Lot, serial or scan"),
        max_length=500,
        widget=forms.TextInput(
            attrs={"autofocus": True, "placeholder": _("Lot number, serial number or scan")}
        ),
    )
    product = forms.CharField(
        label=_("Product code"),
        max_length=32,
        required=False,
        help_text=_("Needed only when several products share the number."),
    )
    direction = forms.ChoiceField(label=_("Direction"), widget=forms.RadioSelect)

    def __init__(self, *args: Any, directions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        direction = self.fields["direction"]
        direction.choices = [(d, DIRECTIONS[d]) for d in directions]  # type: ignore[attr-defined]
        direction.initial = directions[0]


@requires("inventory.view_lot")
def trace_page(request: HttpRequest) -> HttpResponse:
    allowed = [d for d, perm in PERMISSIONS.items() if request.user.has_perm(perm)]
    if not allowed:
        raise PermissionDenied
    asked = request.GET if "lot" in request.GET else None
    form = TraceForm(asked, directions=allowed)
    context: dict[str, Any] = {"form": form, "report": None}
    if asked is not None and form.is_valid():
        direction = form.cleaned_data["direction"]
        try:
            roots = roots_for(
                form.cleaned_data["lot"], product_code=form.cleaned_data["product"] or None
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            report = trace_forward(roots) if direction == "forward" else trace_backward(roots)
            context.update(
                report=report,
                direction=direction,
                drawing=trace_svg.draw(report),
                query=form.cleaned_data["lot"],
            )
    return render(request, "compliance/trace.html", context)
