"""Who is acting: a user at the browser, an API client, or the system itself.

Services take the actor explicitly (``create_product(actor, ...)``) so that the audit entry they
write names the person or client (AT-02) and the request it came from, whatever the entry point.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mederp.core import context

if TYPE_CHECKING:
    from django.http import HttpRequest


@dataclass(frozen=True)
class Actor:
    kind: str  # "user", "client" or "system"
    id: int | None
    name: str
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    ip: str | None = None
    user: Any = field(default=None, compare=False, repr=False)

    @property
    def principal_key(self) -> str:
        return f"{self.kind}:{self.id}"

    def has_perm(self, perm: str) -> bool:
        if self.kind == "system":
            return True
        return bool(self.user is not None and self.user.has_perm(perm))

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        return cls(kind="system", id=None, name=name, request_id=context.request_id())

    @classmethod
    def for_user(cls, user: Any, *, kind: str | None = None) -> Actor:
        full = user.get_full_name() if hasattr(user, "get_full_name") else ""
        name = f"{full} ({user.get_username()})" if full else user.get_username()
        resolved = kind or ("client" if getattr(user, "is_api_client", False) else "user")
        return cls(
            kind=resolved,
            id=user.pk,
            name=name,
            request_id=context.request_id(),
            ip=context.client_ip(),
            user=user,
        )

    @classmethod
    def from_request(cls, request: HttpRequest) -> Actor:
        return cls.for_user(request.user)
