"""API keys of service accounts: issue, rotate, revoke (AC-07, 21 CFR 11.300(c); ES-11).

A key belongs to an API client (``User.is_api_client``), never to a person: people sign in with a
password and MFA, and a key cannot sign (ES-10, ES-11). Each issue, rotation and revocation is
one transaction with its audit entry, outbox event and security-log row (AT-12).

Rotation issues a new key with the same scopes and marks the old one ``replaced_by`` the new.
By default the old key stops working at once (``revoked_at`` = now). With a grace period the old
key keeps working until ``now + grace`` (its ``expires_at`` is brought forward, never pushed
back), so an integration can switch over without downtime; it can still be revoked at any time.
Revocation is instant: every request reads the key's row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from mederp.core import audit, canonical, clock, outbox
from mederp.core.actors import Actor
from mederp.core.errors import ReasonRequired, ValidationFailed
from mederp.core.services import authorize
from mederp.identity import events, securitylog, tokens
from mederp.identity.errors import ApiKeyRetired, ClientInactive, NotAnApiClient
from mederp.identity.locks import lock_key, lock_user
from mederp.identity.models import ApiToken, User

MAX_GRACE_SECONDS = 30 * 24 * 3600
# Rotation keeps the old key's expiry unless told otherwise.
KEEP: Any = object()


def api_clients() -> QuerySet[User]:
    keys = ApiToken.objects.order_by("-created_at", "-id")
    return (
        User.objects.filter(is_api_client=True)
        .prefetch_related("groups", Prefetch("api_tokens", queryset=keys))
        .order_by("username")
    )


def keys_of(client: User) -> QuerySet[ApiToken]:
    return client.api_tokens.select_related("replaced_by").order_by("-created_at", "-id")


def _client_for_keys(client_id: int) -> User:
    client = lock_user(client_id)
    if not client.is_api_client:
        raise NotAnApiClient(username=client.username)
    if not client.is_active:
        raise ClientInactive(username=client.username)
    return client


@transaction.atomic
def issue_key(
    actor: Actor,
    client_id: int,
    *,
    name: str,
    scopes: Iterable[str],
    expires_at: dt.datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new key for an API client; returns it and its secret (shown once, never stored)."""
    authorize(actor, "identity.add_apitoken")
    client = _client_for_keys(client_id)
    cleaned = tokens.clean_scopes(scopes)
    tokens.check_expiry(expires_at)
    name = name.strip() or f"{client.printed_name or client.username} key"
    token, secret = tokens.create_key(
        actor, client, name=name[:100], scopes=cleaned, expires_at=expires_at
    )
    tokens.log_key_event(
        actor, securitylog.API_KEY_ISSUED, token, scopes=cleaned, expires_at=expires_at
    )
    return token, secret


def _check_grace(grace_seconds: int) -> None:
    if not 0 <= grace_seconds <= MAX_GRACE_SECONDS:
        raise ValidationFailed(
            fields={
                "grace_seconds": [
                    _("The grace period must be between 0 and %(days)s days.")
                    % {"days": MAX_GRACE_SECONDS // 86400}
                ]
            }
        )


@transaction.atomic
def rotate_key(
    actor: Actor,
    key_id: int,
    *,
    grace_seconds: int = 0,
    expires_at: dt.datetime | None = KEEP,
    reason: str = "",
) -> tuple[ApiToken, str]:
    """Replace a working key by a new one with the same scopes (a controlled re-issuance)."""
    authorize(actor, "identity.add_apitoken", "identity.change_apitoken")
    _check_grace(grace_seconds)
    client, old = lock_key(key_id)
    if tokens.state(old) != "active" or old.replaced_by_id is not None:
        raise ApiKeyRetired(prefix=old.prefix)
    if not client.is_active:
        raise ClientInactive(username=client.username)
    if expires_at is KEEP:
        expires_at = old.expires_at
    tokens.check_expiry(expires_at)
    new, secret = tokens.create_key(
        actor, client, name=old.name, scopes=old.scopes, expires_at=expires_at
    )
    now = clock.now()
    before = canonical.snapshot(old, ["replaced_by", "revoked_at", "expires_at"])
    old.replaced_by = new
    if grace_seconds:
        ends = now + dt.timedelta(seconds=grace_seconds)
        old.expires_at = min(old.expires_at, ends) if old.expires_at else ends
    else:
        old.revoked_at = now
    old.save(update_fields=["replaced_by", "revoked_at", "expires_at"])
    after = canonical.snapshot(old, ["replaced_by", "revoked_at", "expires_at"])
    audit.record(
        actor,
        action="token_rotated",
        instance=old,
        changes=canonical.diff(before, after),
        reason=reason or f"rotated to {new.prefix}",
        require_reason=False,
    )
    outbox.emit(
        actor,
        events.API_TOKEN_ROTATED,
        aggregate_type=client._meta.label_lower,
        aggregate_id=client.pk,
        payload={
            "user": client.username,
            "old_prefix": old.prefix,
            "new_prefix": new.prefix,
            "old_works_until": old.revoked_at or old.expires_at,
        },
    )
    tokens.log_key_event(
        actor,
        securitylog.API_KEY_ROTATED,
        old,
        new_prefix=new.prefix,
        grace_seconds=grace_seconds,
        old_works_until=old.revoked_at or old.expires_at,
    )
    return new, secret


@transaction.atomic
def revoke_key(actor: Actor, key_id: int, *, reason: str) -> ApiToken:
    """Stop a key at once (AC-07): the next request with it is refused with 401."""
    authorize(actor, "identity.change_apitoken")
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    client, token = lock_key(key_id)
    if token.revoked_at is not None:
        raise ApiKeyRetired(prefix=token.prefix)
    token.revoked_at = clock.now()
    token.save(update_fields=["revoked_at"])
    audit.record(
        actor,
        action="token_revoked",
        instance=token,
        changes={"revoked_at": [None, token.revoked_at]},
        reason=reason,
    )
    outbox.emit(
        actor,
        events.API_TOKEN_REVOKED,
        aggregate_type=client._meta.label_lower,
        aggregate_id=client.pk,
        payload={"user": client.username, "prefix": token.prefix, "revoked_at": token.revoked_at},
    )
    tokens.log_key_event(actor, securitylog.API_KEY_REVOKED, token, reason=reason)
    return token
