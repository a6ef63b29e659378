"""Permission guard for API operations (invariant 9).

Every operation is decorated with :func:`require_perm`; the meta-test walks the OpenAPI
operations and fails on any handler without ``required_permissions``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.http import HttpRequest

from mederp.core.errors import PermissionDenied

F = TypeVar("F", bound=Callable[..., Any])


def require_perm(*perms: str) -> Callable[[F], F]:
    def decorate(handler: F) -> F:
        @wraps(handler)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if not request.user.has_perms(perms):
                raise PermissionDenied(permissions=list(perms))
            return handler(request, *args, **kwargs)

        guarded.required_permissions = perms  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorate
