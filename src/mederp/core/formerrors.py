"""Showing a service's refusal on the form that caused it, in the user's language."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest

from mederp.core.errors import DomainError, ReasonRequired


def apply_domain_error(
    form: forms.BaseForm, exc: DomainError, *, reason_form: forms.Form | None = None
) -> None:
    """Put field errors next to their fields and anything else at the top of the form."""
    if isinstance(exc, ReasonRequired) and reason_form is not None:
        reason_form.add_error("reason", exc.render_message())
        return
    fields = exc.details.get("fields") if isinstance(exc.details, dict) else None
    placed = False
    if isinstance(fields, dict):
        for name, msgs in fields.items():
            target = name if name in form.fields else None
            for msg in msgs:
                form.add_error(target, msg)
            placed = True
    field = exc.details.get("field")
    if not placed and isinstance(field, str) and field in form.fields:
        form.add_error(field, exc.render_message())
        placed = True
    if not placed:
        form.add_error(None, f"{exc.render_message()} [{exc.code}]")


def posted_version(request: HttpRequest) -> int:
    """The record version an edit form was loaded with (optimistic locking, ``check_version``).

    A missing or garbled value counts as stale (-1): the service refuses with ``stale_record``
    rather than overwriting blindly, and a tampered hidden field never becomes a 500.
    """
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return -1
