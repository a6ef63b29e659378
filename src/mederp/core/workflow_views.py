"""Workflow and signature pieces every record page reuses: the buttons of the transitions a
user may apply, the sign dialog behind them, the page a transition posts to (which also works
without JavaScript), and the read-only page of every workflow definition (AT-13).

Identity decides whether the dialog asks for a TOTP code; core may not ask it, so app views
pass ``needs_totp`` (``identity.credentials.signing_needs_totp``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from mederp.core import signatures, workflow
from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.formerrors import apply_domain_error
from mederp.core.forms import SignForm
from mederp.core.viewperms import requires

TOTP_REQUIRED = "identity.totp_required"


def _reason_required(t: workflow.Transition, record_type: str) -> bool:
    policy = signatures.policy_for(record_type)
    return t.reason_required or (
        policy is not None and t.signature is not None and t.signature in policy.reasons
    )


def sign_form(
    t: workflow.Transition, record_type: str, *, needs_totp: bool, data: Any = None
) -> SignForm:
    return SignForm(
        data,
        meaning=t.signature,
        needs_totp=needs_totp,
        reason_required=_reason_required(t, record_type),
        prefix=t.name,
    )


@dataclass(frozen=True)
class Action:
    """One button on a record page: the transition, where it posts, and its sign form."""

    transition: workflow.Transition
    url: str
    form: SignForm

    @property
    def signed(self) -> bool:
        return self.transition.signature is not None

    @property
    def meaning_label(self) -> str:
        return signatures.meaning_label(self.transition.signature or "")

    @property
    def dialog_id(self) -> str:
        return f"sign-{self.transition.name}"


def actions_for(
    request: HttpRequest,
    record: models.Model,
    *,
    url_for: Callable[[str], str],
    needs_totp: bool,
) -> list[Action]:
    """The transitions the signed-in user may apply to ``record`` now, each with its form."""
    wf = workflow.workflow_for(record)
    return [
        Action(t, url_for(t.name), sign_form(t, wf.record_type, needs_totp=needs_totp))
        for t in workflow.available(Actor.from_request(request), record)
    ]


def transition_page(
    request: HttpRequest,
    record: models.Model,
    name: str,
    *,
    perform: Callable[..., Any],
    done_url: str,
    needs_totp: bool,
) -> HttpResponse:
    """GET: the sign (or confirm) form on a page of its own. POST: apply the transition with
    ``perform(reason=..., [password=..., totp=...])``; a refusal is shown on the form with its
    code (wrong password, wrong TOTP, segregation of duties, wrong state...)."""
    wf = workflow.workflow_for(record)
    try:
        t = wf.get(name)
    except DomainError:
        raise Http404 from None
    if t.automatic:
        raise Http404
    data = request.POST if request.method == "POST" else None
    form = sign_form(t, wf.record_type, needs_totp=needs_totp, data=data)
    if request.method == "POST" and form.is_valid():
        try:
            perform(**form.credentials())
        except DomainError as exc:
            if exc.code == TOTP_REQUIRED and "totp" not in form.fields:
                form = sign_form(t, wf.record_type, needs_totp=True, data=data)
                form.is_valid()
            apply_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("%(record)s: %(step)s done.") % {"record": record, "step": t.label},
            )
            return redirect(done_url)
    return render(
        request,
        "core/transition_page.html",
        {
            "record": record,
            "action": Action(t, request.path, form),
            "state_label": wf.state_label(wf.state_of(record)),
            "back_url": done_url,
        },
    )


@requires("core.view_signature")
def workflow_list(request: HttpRequest) -> HttpResponse:
    """Every registered workflow and signing policy, as the code defines them (AT-13)."""
    return render(
        request,
        "core/workflow_list.html",
        {"workflows": [workflow.describe(wf) for wf in workflow.workflows()]},
    )
