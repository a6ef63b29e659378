"""Bearer tokens for API clients: ``mederp_<prefix>_<secret>``, stored as SHA-256 only."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from django.db import transaction

from mederp.core import audit, clock, outbox
from mederp.core.actors import Actor
from mederp.identity import events
from mederp.identity.models import ApiToken, User

PREFIX = "mederp"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def issue_token(actor: Actor, user: User, name: str) -> str:
    """Create a token for ``user`` and return the full secret (shown once, never stored)."""
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=prefix, token_hash=_digest(secret), created_at=clock.now()
    )
    audit.record(
        actor,
        action="token_issued",
        instance=token,
        changes={"user": [None, user.username], "name": [None, name]},
    )
    outbox.emit(
        actor,
        events.API_TOKEN_ISSUED,
        aggregate_type=user._meta.label_lower,
        aggregate_id=user.pk,
        payload={"user": user.username, "name": name, "prefix": prefix},
    )
    return f"{PREFIX}_{prefix}_{secret}"


def authenticate_token(raw: str) -> Any:
    """The active user behind a valid, unrevoked token, or ``None``."""
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=parts[1]).first()
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    if not hmac.compare_digest(token.token_hash, _digest(parts[2])):
        return None
    return token.user
