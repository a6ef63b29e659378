"""Per-view permissions for the UI (invariant 9).

Every UI view is wrapped by :func:`requires`, which records the permission on the view so the
URL-walk test can prove no view was left open, and answers 403 to anyone without it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase as HttpResponse

OPEN = "__open__"


def requires(*perms: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Allow the view only to a user holding every one of ``perms``."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated or not request.user.has_perms(perms):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        guarded.required_permissions = perms  # type: ignore[attr-defined]
        return guarded

    return decorate


def requires_login(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For pages every signed-in user may see (the dashboard); still closed to anonymous users."""
    view.required_permissions = ()  # type: ignore[attr-defined]
    return view
