"""Identity administration endpoints: users, API clients and keys, the security log, roles.

Keys are issued and rotated only in the UI and the CLI, where the secret is shown once: an
idempotent API replay would have to keep the secret to answer again (invariant 5 against AC-07),
so the API offers what automation needs in an incident, reading and instant revocation.

No ``from __future__ import annotations`` in api modules: django-ninja resolves handler
annotations through the permission wrapper, which needs real types.
"""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from mederp.core.actors import Actor
from mederp.core.apiperms import require_perm
from mederp.core.idempotency import run_idempotent
from mederp.core.ratelimit.rules import MAX_BURST, MAX_PER_MINUTE
from mederp.core.schemas import ERRORS, StrictIn
from mederp.identity import admin_selectors, apiclients, ratelimits, tokens
from mederp.identity.models import ApiToken

router = Router(tags=["identity"])


class UserOut(Schema):
    id: int
    username: str
    printed_name: str
    email: str
    roles: list[str]
    is_active: bool
    locked: bool
    mfa_enrolled: bool
    last_login: dt.datetime | None
    password_changed_at: dt.datetime | None
    identity_verified_at: dt.datetime | None
    identity_document: str


def _user_out(row: dict[str, Any]) -> dict[str, Any]:
    u = row["user"]
    return {
        "id": u.pk,
        "username": u.username,
        "printed_name": u.printed_name,
        "email": u.email,
        "roles": row["roles"],
        "is_active": u.is_active,
        "locked": row["locked"],
        "mfa_enrolled": row["mfa_enrolled"],
        "last_login": u.last_login,
        "password_changed_at": u.password_changed_at,
        "identity_verified_at": u.identity_verified_at,
        "identity_document": u.identity_document,
    }


@router.get("/users", response={200: list[UserOut], **ERRORS})
@require_perm("identity.view_user")
def list_users(request: HttpRequest) -> Any:
    """Every person's account, for the periodic recertification (AC-05)."""
    return [_user_out(r) for r in admin_selectors.user_rows()]


class KeyOut(Schema):
    id: int
    name: str
    prefix: str
    scopes: list[str]
    state: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None
    replaced_by: str | None


def key_body(key: ApiToken) -> dict[str, Any]:
    """A key as the API shows it: never the secret nor its digest."""
    return {
        "id": key.pk,
        "name": key.name,
        "prefix": key.prefix,
        "scopes": list(key.scopes),
        "state": tokens.state(key),
        "created_at": key.created_at,
        "expires_at": key.expires_at,
        "last_used_at": key.last_used_at,
        "revoked_at": key.revoked_at,
        "replaced_by": key.replaced_by.prefix if key.replaced_by_id and key.replaced_by else None,
    }


class RateLimitOut(Schema):
    """The limit in force, and the client's own figures (``null``: the site's default)."""

    per_minute: int
    burst: int
    own_per_minute: int | None
    own_burst: int | None


class ApiClientOut(Schema):
    id: int
    username: str
    name: str
    roles: list[str]
    is_active: bool
    keys: list[KeyOut]
    rate_limit: RateLimitOut


@router.get("/api-clients", response={200: list[ApiClientOut], **ERRORS})
@require_perm("identity.view_apitoken")
def list_api_clients(request: HttpRequest) -> Any:
    return [
        {
            "id": c.pk,
            "username": c.username,
            "name": c.printed_name,
            "roles": sorted(g.name for g in c.groups.all()),
            "is_active": c.is_active,
            "keys": [key_body(k) for k in apiclients.keys_of(c)],
            "rate_limit": ratelimits.limit_view(c),
        }
        for c in apiclients.api_clients()
    ]


class RateLimitIn(StrictIn):
    """Both figures, each a whole number or ``null`` for the site's default; and why."""

    per_minute: int | None = Field(ge=1, le=MAX_PER_MINUTE)
    burst: int | None = Field(ge=1, le=MAX_BURST)
    reason: str = Field(min_length=1, max_length=2000)


@router.post("/api-clients/{client_id}/rate-limit", response={200: RateLimitOut, **ERRORS})
@require_perm("identity.change_apitoken")
def set_api_client_rate_limit(request: HttpRequest, client_id: int, payload: RateLimitIn) -> Any:
    """Give an API client its own rate limit, or return it to the default (audited)."""

    def execute() -> tuple[int, Any]:
        client = ratelimits.set_client_limit(
            Actor.from_request(request),
            client_id,
            per_minute=payload.per_minute,
            burst=payload.burst,
            reason=payload.reason,
        )
        return 200, RateLimitOut(**ratelimits.limit_view(client)).model_dump(mode="json")

    return run_idempotent(request, payload.model_dump(mode="json"), execute)


class RevokeIn(StrictIn):
    reason: str = Field(min_length=1, max_length=2000)


@router.post("/api-keys/{key_id}/revoke", response={200: KeyOut, **ERRORS})
@require_perm("identity.change_apitoken")
def revoke_api_key(request: HttpRequest, key_id: int, payload: RevokeIn) -> Any:
    """Stop a key at once (AC-07); its next request is refused with 401."""

    def execute() -> tuple[int, Any]:
        key = apiclients.revoke_key(Actor.from_request(request), key_id, reason=payload.reason)
        return 200, KeyOut(**key_body(key)).model_dump(mode="json")

    return run_idempotent(request, payload.model_dump(mode="json"), execute)


class SecurityEventOut(Schema):
    id: int
    occurred_at: dt.datetime
    kind: str
    username: str
    client_ip: str
    target: str
    detail: dict[str, Any]
    request_id: str


class SecurityQuery(Schema):
    kind: str = ""
    user: str = ""
    client_ip: str = ""
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    limit: int = 100


@router.get("/security-events", response={200: list[SecurityEventOut], **ERRORS})
@require_perm("identity.view_securityevent")
def list_security_events(request: HttpRequest, q: Query[SecurityQuery]) -> Any:
    """The security log, newest first (AT-12; 21 CFR 11.300(d))."""
    flt = admin_selectors.SecurityFilter(q.kind, q.user, q.client_ip, q.since, q.until)
    return list(admin_selectors.security_events(flt)[: max(1, min(q.limit, 1000))])


class MatrixRowOut(Schema):
    permission: str
    name: str
    roles: list[str]


class RoleMatrixOut(Schema):
    roles: list[str]
    permissions: list[MatrixRowOut]


@router.get("/role-matrix", response={200: RoleMatrixOut, **ERRORS})
@require_perm("auth.view_group")
def get_role_matrix(request: HttpRequest) -> Any:
    """Which role holds which permission, as enforced (AC-02)."""
    roles = admin_selectors.matrix_roles()
    return {
        "roles": roles,
        "permissions": [
            {
                "permission": row.permission,
                "name": row.name,
                "roles": [r for r, held in zip(roles, row.granted, strict=True) if held],
            }
            for row in admin_selectors.role_matrix()
        ],
    }
