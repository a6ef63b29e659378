"""Permission guard for API operations (invariant 9).

Every operation is decorated with :func:`require_perm`; the meta-test walks the OpenAPI
operations and fails on any handler without ``required_permissions``.

A request made with an API key is bounded twice: by the client's roles (the permission) and by
the key's scopes (AC-07). The auth layer puts the key's scopes on ``request.api_scopes``; a scope
is ``"<app>:<verb>"`` where the verb is ``read`` for ``view_*`` permissions and ``write`` for
everything else, and ``"*"`` stands for any app. A session request has no ``api_scopes``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from mederp.core.errors import PermissionDenied

F = TypeVar("F", bound=Callable[..., Any])

READ, WRITE = "read", "write"


class ScopeMissing(PermissionDenied):
    """The API key's scopes do not cover the operation (its client's roles may well allow it).

    Defined in core, not identity, because the kernel's guard raises it and may not import
    identity.
    """

    code = "identity.scope_missing"
    message = _("This API key's scopes do not allow this operation (needs {scopes}).")


def scope_for(perm: str) -> str:
    """``"catalog.view_product"`` -> ``"catalog:read"``; any other codename is a write."""
    app, _dot, codename = perm.partition(".")
    return f"{app}:{READ if codename.startswith('view_') else WRITE}"


def missing_scopes(scopes: Iterable[str], perms: Iterable[str]) -> list[str]:
    """The scopes ``perms`` need that ``scopes`` do not grant (empty when all are covered)."""
    granted = set(scopes)
    missing = []
    for perm in perms:
        needed = scope_for(perm)
        verb = needed.partition(":")[2]
        if needed not in granted and f"*:{verb}" not in granted and needed not in missing:
            missing.append(needed)
    return missing


def require_perm(*perms: str) -> Callable[[F], F]:
    def decorate(handler: F) -> F:
        @wraps(handler)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if not request.user.has_perms(perms):
                raise PermissionDenied(permissions=list(perms))
            scopes = getattr(request, "api_scopes", None)
            if scopes is not None:
                missing = missing_scopes(scopes, perms)
                if missing:
                    raise ScopeMissing(scopes=", ".join(missing))
            return handler(request, *args, **kwargs)

        guarded.required_permissions = perms  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorate
