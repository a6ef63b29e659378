"""Who is rate-limited on the API, how much, and the audited change of a client's own limit.

Every API request with an accepted principal takes one token from its bucket
(``mederp.core.ratelimit``): ``client:<user id>`` for an API client (Bearer key), ``user:<user
id>`` for a person (browser session). People are held to ``MEDERP_RATE_LIMIT``'s per-user
defaults; an API client to the per-client defaults unless an administrator gave it its own
limit, stored on its account (``rate_limit_per_minute``, ``rate_limit_burst``; empty = default).

Changing a client's limit is a change of the account: one transaction with its audit entry
(old and new values, the reason; AT-04) and an outbox event, like every identity change.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from mederp.core import audit, canonical, outbox, ratelimit
from mederp.core.actors import Actor
from mederp.core.errors import ReasonRequired, ValidationFailed
from mederp.core.ratelimit.rules import MAX_BURST, MAX_PER_MINUTE, Limit
from mederp.core.services import authorize
from mederp.identity import events
from mederp.identity.errors import RateLimitOnlyForClients
from mederp.identity.locks import lock_user
from mederp.identity.models import User

FIELDS = ["rate_limit_per_minute", "rate_limit_burst"]


def _setting(name: str, ceiling: int) -> int:
    """A configured default, kept within what a bucket accepts (a typo must not become a 500)."""
    return max(1, min(int(settings.MEDERP_RATE_LIMIT[name]), ceiling))


def default_limit(user: Any) -> Limit:
    """The site's default for this kind of principal."""
    kind = "CLIENT" if getattr(user, "is_api_client", False) else "USER"
    return Limit(
        per_minute=_setting(f"{kind}_PER_MINUTE", MAX_PER_MINUTE),
        burst=_setting(f"{kind}_BURST", MAX_BURST),
    )


def limit_for(user: Any) -> Limit:
    """The limit a principal's API calls are held to: a client's own, else the default."""
    default = default_limit(user)
    if not getattr(user, "is_api_client", False):
        return default
    return Limit(
        per_minute=user.rate_limit_per_minute or default.per_minute,
        burst=user.rate_limit_burst or default.burst,
    )


def bucket_key(user: Any) -> str:
    kind = "client" if getattr(user, "is_api_client", False) else "user"
    return f"{kind}:{user.pk}"


def enforce(user: Any) -> None:
    """Take one token for ``user``'s request, or refuse it (``request.rate_limited``, 429).

    Called by the API's authentication once a principal is accepted, before any handler runs:
    a refused request writes nothing (no idempotency claim, no domain row)."""
    if not ratelimit.enabled():
        return
    decision = ratelimit.consume(bucket_key(user), limit_for(user))
    if not decision.allowed:
        raise ratelimit.RateLimited(decision)


def limit_view(client: User) -> dict[str, Any]:
    """A client's limit as pages and the API show it: the figures in force and which are its
    own (``None`` where the default applies)."""
    effective = limit_for(client)
    return {
        "per_minute": effective.per_minute,
        "burst": effective.burst,
        "own_per_minute": client.rate_limit_per_minute,
        "own_burst": client.rate_limit_burst,
    }


def _checked(per_minute: int | None, burst: int | None) -> None:
    fields: dict[str, list[str]] = {}
    for name, value, ceiling in (
        ("per_minute", per_minute, MAX_PER_MINUTE),
        ("burst", burst, MAX_BURST),
    ):
        if value is not None and not 1 <= value <= ceiling:
            fields[name] = [
                _("Enter a whole number from 1 to %(max)s, or leave it empty for the default.")
                % {"max": ceiling}
            ]
    if fields:
        raise ValidationFailed(fields=fields)


@transaction.atomic
def set_client_limit(
    actor: Actor,
    client_id: int,
    *,
    per_minute: int | None,
    burst: int | None,
    reason: str,
) -> User:
    """Give an API client its own limit (``None`` for a figure: back to the default).

    Audited with the reason (AT-04) and evented. Setting what is already set writes nothing."""
    authorize(actor, "identity.change_apitoken")
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    _checked(per_minute, burst)
    client = lock_user(client_id)
    if not client.is_api_client:
        raise RateLimitOnlyForClients(username=client.username)
    before = canonical.snapshot(client, FIELDS)
    client.rate_limit_per_minute = per_minute
    client.rate_limit_burst = burst
    changes = canonical.diff(before, canonical.snapshot(client, FIELDS))
    if not changes:
        return client
    client.version += 1
    client.save(update_fields=[*FIELDS, "version"])
    audit.record(actor, action=audit.UPDATE, instance=client, changes=changes, reason=reason)
    effective = limit_for(client)
    outbox.emit(
        actor,
        events.API_CLIENT_RATE_LIMIT_CHANGED,
        aggregate_type=client._meta.label_lower,
        aggregate_id=client.pk,
        payload={
            "id": client.pk,
            "username": client.username,
            "per_minute": effective.per_minute,
            "burst": effective.burst,
            "own_per_minute": per_minute,
            "own_burst": burst,
        },
    )
    return client
