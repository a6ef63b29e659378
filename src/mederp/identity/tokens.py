"""API keys for API clients: ``mederp_<prefix>_<secret>``, stored as SHA-256 only (AC-07, ES-11).

The secret is shown once, when the key is issued; afterwards only its prefix identifies it (in
lists, logs and the security log). A key is refused once revoked (instantly: the check reads the
row on every request) or past its ``expires_at``. What a key may do is bounded both by its
client's roles and by its scopes (``core.apiperms``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from mederp.core import audit, clock, outbox
from mederp.core.actors import Actor
from mederp.core.errors import ValidationFailed
from mederp.identity import events, securitylog
from mederp.identity.models import ApiToken, User

PREFIX = "mederp"

# What a scope may name: the apps with API operations, or "*" for all of them.
SCOPE_APPS = (
    "catalog",
    "partners",
    "inventory",
    "procurement",
    "sales",
    "production",
    "compliance",
    "inspections",
    "disposition",
    "nonconformance",
    "capa",
    "complaints",
    "supplier_quality",
    "integration",
    "core",
    "identity",
)
SCOPE_VERBS = ("read", "write")
# A key issued without scopes is bounded by its client's roles alone. The UI and the CLI always
# ask for scopes; only callers that predate scopes (and tests) rely on this default.
UNRESTRICTED = ("*:read", "*:write")

# Why a presented key was refused (security log detail; never the secret).
MALFORMED = "malformed"
UNKNOWN = "unknown"
WRONG_SECRET = "wrong_secret"  # noqa: S105 (a reason name)
REVOKED = "revoked"
EXPIRED = "expired"
CLIENT_INACTIVE = "client_inactive"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def all_scopes() -> list[str]:
    return [f"{app}:{verb}" for app in ("*", *SCOPE_APPS) for verb in SCOPE_VERBS]


def clean_scopes(scopes: Iterable[str]) -> list[str]:
    """Normalised, de-duplicated ``app:verb`` scopes; refuse unknown apps or verbs, or none."""
    cleaned: set[str] = set()
    bad: list[str] = []
    for raw in scopes:
        scope = str(raw).strip().lower()
        app, sep, verb = scope.partition(":")
        if not sep or app not in ("*", *SCOPE_APPS) or verb not in SCOPE_VERBS:
            bad.append(str(raw))
        else:
            cleaned.add(scope)
    if bad:
        raise ValidationFailed(
            fields={
                "scopes": [
                    _("Unknown scope %(scope)s. Use app:verb, e.g. catalog:read.") % {"scope": b}
                    for b in bad
                ]
            }
        )
    if not cleaned:
        raise ValidationFailed(fields={"scopes": [_("Give the key at least one scope.")]})
    return sorted(cleaned)


def check_expiry(expires_at: dt.datetime | None) -> None:
    if expires_at is not None and expires_at <= clock.now():
        raise ValidationFailed(fields={"expires_at": [_("The expiry must be in the future.")]})


def is_expired(token: ApiToken, now: dt.datetime | None = None) -> bool:
    return token.expires_at is not None and token.expires_at <= (now or clock.now())


def state(token: ApiToken, now: dt.datetime | None = None) -> str:
    """``active``, ``revoked`` or ``expired``: what a request with this key gets now."""
    if token.revoked_at is not None:
        return REVOKED
    if is_expired(token, now):
        return EXPIRED
    return "active"


def create_key(
    actor: Actor,
    client: User,
    *,
    name: str,
    scopes: Iterable[str],
    expires_at: dt.datetime | None,
) -> tuple[ApiToken, str]:
    """Write a new key with its audit entry and event; the caller holds the transaction and
    writes the security-log row. Returns the key and the full secret (shown once, never kept)."""
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=client,
        name=name,
        prefix=prefix,
        token_hash=_digest(secret),
        scopes=list(scopes),
        expires_at=expires_at,
        created_at=clock.now(),
    )
    audit.record(
        actor,
        action="token_issued",
        instance=token,
        changes={
            "user": [None, client.username],
            "name": [None, name],
            "prefix": [None, prefix],
            "scopes": [None, token.scopes],
            "expires_at": [None, expires_at],
        },
    )
    outbox.emit(
        actor,
        events.API_TOKEN_ISSUED,
        aggregate_type=client._meta.label_lower,
        aggregate_id=client.pk,
        payload={
            "user": client.username,
            "name": name,
            "prefix": prefix,
            "scopes": token.scopes,
            "expires_at": expires_at,
        },
    )
    return token, f"{PREFIX}_{prefix}_{secret}"


def log_key_event(actor: Actor, kind: str, token: ApiToken, **detail: Any) -> None:
    """A key's issue, rotation or revocation in the security log (AT-12): the client whose key
    it is, which key (prefix), and who did it."""
    securitylog.record(
        kind,
        user=token.user,
        target=f"identity.apitoken:{token.pk}",
        detail={"prefix": token.prefix, "by": actor.name, **detail},
    )


@transaction.atomic
def issue_token(
    actor: Actor,
    user: User,
    name: str,
    *,
    scopes: Iterable[str] | None = None,
    expires_at: dt.datetime | None = None,
) -> str:
    """Create a key for ``user`` and return the full secret (shown once, never stored)."""
    cleaned = clean_scopes(UNRESTRICTED if scopes is None else scopes)
    check_expiry(expires_at)
    token, secret = create_key(actor, user, name=name, scopes=cleaned, expires_at=expires_at)
    log_key_event(actor, securitylog.API_KEY_ISSUED, token, scopes=cleaned, expires_at=expires_at)
    return secret


@dataclass(frozen=True)
class KeyCheck:
    """The outcome of presenting a key: the key its prefix names (even when refused) and why it
    was refused (empty when accepted)."""

    token: ApiToken | None
    refusal: str
    prefix: str = ""

    @property
    def accepted(self) -> bool:
        return self.token is not None and not self.refusal


def check_token(raw: str) -> KeyCheck:
    parts = raw.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or len(parts[1]) > 16:
        return KeyCheck(None, MALFORMED)
    prefix = parts[1]
    token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    if token is None:
        return KeyCheck(None, UNKNOWN, prefix)
    if not hmac.compare_digest(token.token_hash, _digest(parts[2])):
        return KeyCheck(token, WRONG_SECRET, prefix)
    if token.revoked_at is not None:
        return KeyCheck(token, REVOKED, prefix)
    if is_expired(token):
        return KeyCheck(token, EXPIRED, prefix)
    if not token.user.is_active:
        return KeyCheck(token, CLIENT_INACTIVE, prefix)
    return KeyCheck(token, "", prefix)


def authenticate_token(raw: str) -> Any:
    """The active user behind a valid, unrevoked, unexpired key, or ``None``."""
    result = check_token(raw)
    return result.token.user if result.accepted and result.token is not None else None
