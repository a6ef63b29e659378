"""Signing in: password, then the second factor, then the session (AC-04, AC-06; 21 CFR 11.300).

Step one checks the user name and password (the lock first, so guessing stops behind it). A user
with an authenticator is then asked for a TOTP code or a one-use recovery code; a user whose role
requires MFA but who has none enrols first (AC-04). Only when every required factor has passed
is the Django session granted (:func:`complete_login`). Between the steps the session holds only
the pending user's id, for :data:`STEP_SECONDS`.

Every refusal is security-logged and audited, written outside any other work; an unknown user
name is refused with the same message as a wrong password (no user enumeration).
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction

from mederp.core import clock
from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.identity import accountaudit, credentials, mfa, securitylog, sessions
from mederp.identity.errors import AccountLocked, InvalidCredentials, LoginStepExpired
from mederp.identity.models import User, UserSession

# Long enough to unlock a phone and read a code; short enough that a half-done login left on a
# shared terminal is useless soon after.
STEP_SECONDS = 300
PENDING_KEY = "mederp.login.pending"

TOTP = "totp"
ENROL = "enrol"

METHOD_PASSWORD = "password"  # noqa: S105 (method names)
METHOD_TOTP = "password+totp"
METHOD_RECOVERY = "password+recovery_code"
METHOD_ENROLMENT = "password+totp_enrolment"


def _refused(user: User | None, username: str, why: str, **detail: Any) -> None:
    """Audit a refused login (the security-log row is written by whoever refused it)."""
    accountaudit.record(
        accountaudit.anonymous(username),
        accountaudit.LOGIN_FAILED,
        user,
        username=username,
        changes={"refused": [None, why], **{k: [None, v] for k, v in detail.items()}},
    )


def check_password_step(username: str, password: str) -> User:
    """Step one: the person behind ``username`` knows its password, and it is not locked."""
    username = (username or "").strip()
    user = User.objects.filter(username=username, is_api_client=False).first()
    if user is None or not user.is_active:
        # Spend the time a real check takes, so timing does not tell which names exist.
        make_password(password)
        why = "unknown_user" if user is None else "inactive"
        securitylog.record(
            securitylog.LOGIN_FAILED,
            user=user,
            username=username,
            target="login",
            detail={"reason": why},
        )
        _refused(user, username, why)
        raise InvalidCredentials()
    was_locked = credentials.is_locked(user)
    try:
        credentials.check_password(
            user, password, failure_kind=securitylog.LOGIN_FAILED, target="login"
        )
    except AccountLocked:
        if was_locked:
            # Refused before the password was tried; this attempt is not yet in the log.
            securitylog.record(
                securitylog.LOGIN_FAILED,
                user=user,
                target="login",
                detail={"reason": "account_locked"},
            )
        _refused(user, username, "account_locked")
        raise
    except InvalidCredentials:
        _refused(user, username, "wrong_password", attempt=user.failed_attempts)
        raise
    return user


def next_step(user: User) -> str | None:
    """What stands between a correct password and the session: a code, enrolment, or nothing."""
    if credentials.has_mfa(user):
        return TOTP
    if credentials.mfa_required(user):
        return ENROL
    return None


def check_second_factor(user: User, code: str | None) -> str:
    """Step two: a TOTP code (replay-safe) or an unused recovery code; returns the method."""
    try:
        credentials.check_active(user)
        if code and mfa.looks_like_recovery_code(code):
            mfa.use_recovery_code(user, code, failure_kind=securitylog.MFA_FAILED, target="login")
            return METHOD_RECOVERY
        credentials.check_totp(user, code, failure_kind=securitylog.MFA_FAILED, target="login")
        return METHOD_TOTP
    except DomainError as exc:
        _refused(user, user.username, exc.code)
        raise


def complete_login(
    user: User, *, session_key: str, client_ip: str, user_agent: str, method: str
) -> UserSession:
    """Every factor passed and Django has signed the user in: record it (security log, audit
    trail with source IP), start the session row, and forget earlier failures."""
    credentials.clear_failures(user)
    with transaction.atomic():
        session = sessions.start(
            user,
            session_key,
            client_ip=client_ip,
            user_agent=user_agent,
            mfa_verified=method != METHOD_PASSWORD,
        )
        securitylog.record(
            securitylog.LOGIN_SUCCEEDED,
            user=user,
            target="login",
            detail={"method": method, "session": session.pk},
        )
        accountaudit.record(
            Actor.for_user(user),
            accountaudit.LOGIN,
            user,
            changes={"session": [None, session.pk], "method": [None, method]},
        )
    return session


def logout(user: User, session_key: str | None) -> None:
    """End the session row (security log LOGOUT and audit, with source IP)."""
    session = sessions.for_key(session_key)
    if session is not None and session.user_id == user.pk:
        sessions.end(session, sessions.LOGOUT, actor=Actor.for_user(user))


# --- the pending login between the steps, kept in the (not yet authenticated) session ----------


@dataclass(frozen=True)
class Pending:
    user: User
    step: str
    next_url: str


def begin_pending(session: MutableMapping[str, Any], user: User, step: str, next_url: str) -> None:
    until = clock.now() + timedelta(seconds=STEP_SECONDS)
    session[PENDING_KEY] = {
        "user": user.pk,
        "step": step,
        "next": next_url,
        "until": until.isoformat(),
    }


def clear_pending(session: MutableMapping[str, Any]) -> None:
    session.pop(PENDING_KEY, None)


def pending(session: MutableMapping[str, Any]) -> Pending:
    """The login waiting for its second step; :class:`LoginStepExpired` when there is none or
    it is too old (the user starts again with the password)."""
    data = session.get(PENDING_KEY)
    if not isinstance(data, dict):
        raise LoginStepExpired()
    try:
        until = datetime.fromisoformat(str(data["until"]))
        user = User.objects.get(pk=int(data["user"]), is_active=True)
    except (KeyError, ValueError, TypeError, User.DoesNotExist) as exc:
        clear_pending(session)
        raise LoginStepExpired() from exc
    if clock.now() > until:
        clear_pending(session)
        raise LoginStepExpired()
    return Pending(user=user, step=str(data.get("step", "")), next_url=str(data.get("next", "")))
