"""Helpers the catalog pages share."""

from __future__ import annotations

from django.http import HttpRequest


def posted_version(request: HttpRequest) -> int:
    """The record version the form was loaded with (optimistic locking). A missing or garbled
    value counts as stale (-1), so the service refuses rather than overwriting blindly."""
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return -1
