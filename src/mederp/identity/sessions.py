"""Signed-in sessions (AC-09; ES-09; 21 CFR 11.200(a)(1)): idle and absolute timeouts, a user's
own list of open sessions, and ending one.

Each Django session of a signed-in person has a :class:`UserSession` row keyed by the session key.
The row is what makes a "continuous session" for signing (``credentials.open_session``): once it
is ended (logout, timeout, ended by its owner, password change) the next signature needs every
component again. Ending a row also deletes the Django session from the store, so the browser
holding it is signed out at its next request.
"""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet

from mederp.core import clock
from mederp.core.actors import Actor
from mederp.identity import accountaudit, securitylog
from mederp.identity.models import User, UserSession
from mederp.identity.policy import seconds

IDLE_TIMEOUT = "idle_timeout"
ABSOLUTE_TIMEOUT = "absolute_timeout"
LOGOUT = "logout"
ENDED_BY_USER = "ended_by_user"
PASSWORD_CHANGED = "password_changed"  # noqa: S105 (an end reason)
MFA_DISABLED = "mfa_disabled"

# last_seen_at is written at most this often: a write per request would cost more than the
# minute of idle-timeout precision it buys. Idleness is counted from the last write, so a session
# may be judged idle up to this much early, never late.
TOUCH_INTERVAL = timedelta(seconds=60)


def for_key(session_key: str | None) -> UserSession | None:
    if not session_key:
        return None
    return UserSession.objects.filter(session_key=session_key).first()


def open_sessions(user: User) -> QuerySet[UserSession]:
    return UserSession.objects.filter(user=user, ended_at__isnull=True).order_by("-last_seen_at")


def start(
    user: User,
    session_key: str,
    *,
    client_ip: str = "",
    user_agent: str = "",
    mfa_verified: bool = False,
) -> UserSession:
    """Record a new signed-in session (at login, or lazily for a session made another way)."""
    now = clock.now()
    session, _created = UserSession.objects.update_or_create(
        session_key=session_key,
        defaults={
            "user": user,
            "created_at": now,
            "last_seen_at": now,
            "ended_at": None,
            "end_reason": "",
            "client_ip": (client_ip or "")[:64],
            "user_agent": (user_agent or "")[:300],
            "mfa_verified_at": now if mfa_verified else None,
            "full_signing_at": None,
        },
    )
    return session


def expiry_reason(session: UserSession) -> str | None:
    """Why the session is over by the clock (absolute lifetime first), or ``None``."""
    now = clock.now()
    if now - session.created_at >= timedelta(seconds=seconds("ABSOLUTE_TIMEOUT_SECONDS")):
        return ABSOLUTE_TIMEOUT
    if now - session.last_seen_at >= timedelta(seconds=seconds("IDLE_TIMEOUT_SECONDS")):
        return IDLE_TIMEOUT
    return None


def touch(session: UserSession) -> None:
    now = clock.now()
    if now - session.last_seen_at >= TOUCH_INTERVAL:
        UserSession.objects.filter(pk=session.pk).update(last_seen_at=now)
        session.last_seen_at = now


def rekey(old_key: str | None, new_key: str | None) -> None:
    """Follow Django's session key rotation (after a password change) without losing the
    session's start time, so the absolute timeout still counts from the login."""
    if old_key and new_key and old_key != new_key:
        UserSession.objects.filter(session_key=old_key, ended_at__isnull=True).update(
            session_key=new_key
        )


def drop_from_store(session_key: str) -> None:
    store = import_module(settings.SESSION_ENGINE).SessionStore
    store(session_key=session_key).delete()


_KINDS = {
    IDLE_TIMEOUT: (securitylog.SESSION_EXPIRED, accountaudit.SESSION_EXPIRED),
    ABSOLUTE_TIMEOUT: (securitylog.SESSION_EXPIRED, accountaudit.SESSION_EXPIRED),
    LOGOUT: (securitylog.LOGOUT, accountaudit.LOGOUT),
}


def end(session: UserSession, reason: str, *, actor: Actor | None = None) -> bool:
    """End ``session`` once: stamp it, log it, drop it from the session store.

    Returns ``False`` (and writes nothing) when it had already ended. The security kind and
    audit action follow the reason: logout, expiry (idle or absolute), or any other ending.
    """
    now = clock.now()
    kind, action = _KINDS.get(reason, (securitylog.SESSION_ENDED, accountaudit.SESSION_ENDED))
    user = session.user
    with transaction.atomic():
        ended = UserSession.objects.filter(pk=session.pk, ended_at__isnull=True).update(
            ended_at=now, end_reason=reason
        )
        if not ended:
            return False
        session.ended_at, session.end_reason = now, reason
        detail = {"session": session.pk, "reason": reason, "started_at": session.created_at}
        securitylog.record(kind, user=user, target=f"session {session.pk}", detail=detail)
        accountaudit.record(
            actor or accountaudit.system("session policy"),
            action,
            user,
            changes={"session": [session.pk, None], "end_reason": [None, reason]},
        )
    drop_from_store(session.session_key)
    return True


def end_others(user: User, *, keep: str | None, reason: str, actor: Actor) -> int:
    """End every other open session of ``user`` (after a password change or MFA reset)."""
    count = 0
    for session in open_sessions(user).exclude(session_key=keep or ""):
        count += end(session, reason, actor=actor)
    return count


def sweep(user: User) -> None:
    """End the user's sessions that timed out without a further request (a closed browser), so
    the list a user sees is the truth."""
    for session in open_sessions(user):
        reason = expiry_reason(session)
        if reason:
            end(session, reason)


_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Windows", "Windows"),
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


def describe_user_agent(user_agent: str) -> str:
    """A label such as "Firefox / Linux": enough for a person to recognise their browser."""
    browser = next((name for token, name in _BROWSERS if token in user_agent), "")
    system = next((name for token, name in _SYSTEMS if token in user_agent), "")
    if browser and system:
        return f"{browser} / {system}"
    return browser or system or user_agent[:60]
