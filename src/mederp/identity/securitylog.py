"""The security log (AT-12; 21 CFR 11.300(d)): logins, lockouts, MFA, refused requests and
refused signatures, each with principal, source IP, target and UTC time.

Rows are append-only (database trigger) and hash-chained: each row's ``hash`` is SHA-256 of the
previous row's hash and the row's canonical content, taken under one lock so the chain has a single
order. :func:`verify` recomputes it and names the first row that does not match.

A refusal is recorded *after* the refused work rolled back: callers record outside (or after) the
transaction they refused, so the record of a failure is the only thing a failure writes.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from django.db import transaction

from mederp.core import canonical, clock, context, outbox
from mederp.core.actors import Actor
from mederp.core.locks import advisory_xact_lock
from mederp.identity.models import SecurityEvent, User
from mederp.identity.policy import seconds

GENESIS = "0" * 64

# Kinds (stable strings: reports and alert rules key on them).
LOGIN_SUCCEEDED = "login_succeeded"
LOGIN_FAILED = "login_failed"
LOGOUT = "logout"
ACCOUNT_LOCKED = "account_locked"
ACCOUNT_UNLOCKED = "account_unlocked"
PASSWORD_CHANGED = "password_changed"  # noqa: S105 (an event kind)
PASSWORD_RESET = "password_reset"  # noqa: S105
MFA_ENROLLED = "mfa_enrolled"
MFA_DISABLED = "mfa_disabled"
MFA_FAILED = "mfa_failed"
MFA_REPLAY_REFUSED = "mfa_replay_refused"
RECOVERY_CODE_USED = "recovery_code_used"
RECOVERY_CODES_ISSUED = "recovery_codes_issued"
SESSION_EXPIRED = "session_expired"
SESSION_ENDED = "session_ended"
ACCESS_DENIED = "access_denied"
SIGNATURE_FAILED = "signature_failed"
SIGNATURE_REFUSED = "signature_refused"
API_KEY_REFUSED = "api_key_refused"
API_KEY_ISSUED = "api_key_issued"
API_KEY_ROTATED = "api_key_rotated"
API_KEY_REVOKED = "api_key_revoked"
ROLES_CHANGED = "roles_changed"
DENIAL_BURST = "denial_burst"

DENIAL_KINDS = (ACCESS_DENIED, SIGNATURE_REFUSED, SIGNATURE_FAILED, API_KEY_REFUSED, LOGIN_FAILED)
ALERT_EVENT = "identity.security.alert"


def _row_text(event: SecurityEvent) -> str:
    return canonical.dumps(
        {
            "occurred_at": event.occurred_at,
            "kind": event.kind,
            "user_id": event.user_id,
            "username": event.username,
            "client_ip": event.client_ip,
            "target": event.target,
            "detail": event.detail,
            "request_id": event.request_id,
        }
    )


def _digest(prev_hash: str, event: SecurityEvent) -> str:
    return hashlib.sha256((prev_hash + _row_text(event)).encode()).hexdigest()


def record(
    kind: str,
    *,
    user: User | None = None,
    username: str = "",
    target: str = "",
    detail: dict[str, Any] | None = None,
    client_ip: str | None = None,
) -> SecurityEvent:
    """Append one event to the security log, in its own (possibly nested) transaction."""
    with transaction.atomic():
        advisory_xact_lock("identity.securitylog")
        prev = SecurityEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        event = SecurityEvent(
            occurred_at=clock.now(),
            kind=kind,
            user=user,
            username=(user.username if user is not None else username)[:150],
            client_ip=(client_ip if client_ip is not None else context.client_ip()) or "",
            target=target[:300],
            detail=canonical.to_json_value(detail or {}),
            request_id=context.request_id(),
        )
        event.prev_hash = prev or GENESIS
        event.hash = _digest(event.prev_hash, event)
        event.save(force_insert=True)
        if kind in DENIAL_KINDS:
            _raise_alert_on_burst(event)
    return event


def _raise_alert_on_burst(event: SecurityEvent) -> None:
    """One alert event per burst of refusals from a principal or address (AC-06, issue 3 §8)."""
    window = seconds("DENIAL_BURST_WINDOW_SECONDS")
    since = event.occurred_at - timedelta(seconds=window)
    if event.username:
        recent = SecurityEvent.objects.filter(username=event.username)
    elif event.client_ip:
        recent = SecurityEvent.objects.filter(client_ip=event.client_ip, username="")
    else:
        return
    recent = recent.filter(occurred_at__gte=since)
    count = recent.filter(kind__in=DENIAL_KINDS).count()
    if count < seconds("DENIAL_BURST_COUNT") or recent.filter(kind=DENIAL_BURST).exists():
        return
    alert(
        DENIAL_BURST,
        user=event.user,
        username=event.username,
        client_ip=event.client_ip,
        detail={"refusals": count, "window_seconds": window},
    )


def alert(
    kind: str,
    *,
    user: User | None = None,
    username: str = "",
    client_ip: str | None = None,
    target: str = "",
    detail: dict[str, Any] | None = None,
) -> SecurityEvent:
    """Record an alert and publish it on the outbox for whoever watches security (AC-06)."""
    # DENIAL_BURST is not itself a refusal, so recording it cannot raise another alert.
    with transaction.atomic():
        event = record(
            kind, user=user, username=username, client_ip=client_ip, target=target, detail=detail
        )
        outbox.emit(
            Actor.system("security"),
            ALERT_EVENT,
            aggregate_type="identity.securityevent",
            aggregate_id=event.pk,
            payload={
                "kind": kind,
                "username": event.username,
                "client_ip": event.client_ip,
                "target": event.target,
                "detail": event.detail,
                "occurred_at": event.occurred_at,
            },
        )
    return event


def verify() -> int | None:
    """The id of the first row whose hash does not match, or ``None`` when the log is intact."""
    prev = GENESIS
    for event in SecurityEvent.objects.order_by("id").iterator(chunk_size=2000):
        if event.prev_hash != prev or event.hash != _digest(prev, event):
            return event.pk
        prev = event.hash
    return None
