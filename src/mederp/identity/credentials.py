"""Checking who someone is: password, TOTP, lockout. Login and signing both go through here.

Failures count toward one lockout counter whether they came from the login page or from a
signature dialog (ES-13, AC-06). Every failure is written to the security log in its own
transaction, *before* the refusal is raised: the caller's work has not started (or is rolled back)
and the record of the failure is the only thing a failure writes. Call these functions outside the
transaction that does the signed work.
"""

from __future__ import annotations

import hmac
from datetime import timedelta

import pyotp
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import formats, timezone

from mederp.core import clock
from mederp.core.signatures import signing_permissions
from mederp.identity import accountaudit, crypto, securitylog
from mederp.identity.errors import (
    AccountInactive,
    AccountLocked,
    IdentityNotVerified,
    InvalidCredentials,
    InvalidTotp,
    MfaEnrolmentRequired,
    NotAPerson,
    TotpReplayed,
    TotpRequired,
)
from mederp.identity.models import TotpDevice, User, UserSession
from mederp.identity.policy import seconds, setting

TOTP_STEP_SECONDS = 30
# One step either side tolerates a phone clock 30 s off without widening replay exposure much.
TOTP_DRIFT_STEPS = 1

METHOD_PASSWORD = "password"  # noqa: S105 (a method name)
METHOD_PASSWORD_TOTP = "password+totp"  # noqa: S105


def policy(name: str) -> int:
    return seconds(name)


# --- MFA policy -----------------------------------------------------------------------------


def confirmed_device(user: User) -> TotpDevice | None:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def has_mfa(user: User) -> bool:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()


def may_sign(user: User) -> bool:
    if user.is_api_client:
        return False
    perms = signing_permissions()
    return bool(perms) and any(user.has_perm(p) for p in perms)


def mfa_required(user: User) -> bool:
    """MFA is mandatory for the configured roles and for everyone allowed to sign (AC-04)."""
    if user.is_api_client:
        return False
    required_roles = set(setting("MFA_REQUIRED_ROLES"))
    if user.is_superuser and "administrator" in required_roles:
        return True
    if user.groups.filter(name__in=required_roles).exists():
        return True
    return may_sign(user)


# --- lockout --------------------------------------------------------------------------------


def is_locked(user: User) -> bool:
    return user.locked_until is not None and user.locked_until > clock.now()


def _locked_error(user: User) -> AccountLocked:
    until = timezone.localtime(user.locked_until) if user.locked_until else None
    shown = formats.date_format(until, "Y-m-d H:i") if until else ""
    return AccountLocked(until=shown)


def register_failure(
    user: User, kind: str, *, target: str = "", detail: dict | None = None
) -> None:
    """Count a failed attempt; at the limit, lock the account and raise an alert (AC-06)."""
    now = clock.now()
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        window = timedelta(seconds=policy("LOCKOUT_WINDOW_SECONDS"))
        if locked.first_failed_at is None or now - locked.first_failed_at > window:
            locked.failed_attempts = 0
            locked.first_failed_at = now
        locked.failed_attempts += 1
        securitylog.record(
            kind,
            user=locked,
            target=target,
            detail={**(detail or {}), "attempt": locked.failed_attempts},
        )
        just_locked = locked.failed_attempts >= policy("LOCKOUT_ATTEMPTS") and not is_locked(locked)
        if just_locked:
            locked.locked_until = now + timedelta(seconds=policy("LOCKOUT_COOLDOWN_SECONDS"))
        locked.save(update_fields=["failed_attempts", "first_failed_at", "locked_until"])
        if just_locked:
            securitylog.alert(
                securitylog.ACCOUNT_LOCKED,
                user=locked,
                target=target,
                detail={"attempts": locked.failed_attempts, "until": locked.locked_until},
            )
            # Issue 3 §2: lockouts are in the audit trail too, with the source IP.
            accountaudit.record(
                accountaudit.system("lockout"),
                accountaudit.ACCOUNT_LOCKED,
                locked,
                changes={"locked_until": [None, locked.locked_until]},
                reason=target,
            )
    user.failed_attempts = locked.failed_attempts
    user.first_failed_at = locked.first_failed_at
    user.locked_until = locked.locked_until


def clear_failures(user: User) -> None:
    if user.failed_attempts or user.first_failed_at is not None:
        User.objects.filter(pk=user.pk).update(failed_attempts=0, first_failed_at=None)
        user.failed_attempts = 0
        user.first_failed_at = None


# --- factors --------------------------------------------------------------------------------


def check_active(user: User) -> None:
    if not user.is_active:
        raise AccountInactive()
    if is_locked(user):
        raise _locked_error(user)


def check_password(user: User, password: str, *, failure_kind: str, target: str = "") -> None:
    """Refuse (and count) a wrong password. The lock is checked first: a locked account's
    password is not even tried, so guessing cannot continue behind the lock."""
    check_active(user)
    if not password or not user.check_password(password):
        register_failure(user, failure_kind, target=target, detail={"factor": "password"})
        if is_locked(user):
            raise _locked_error(user)
        raise InvalidCredentials()


def current_step() -> int:
    now = clock.now()
    return int(now.timestamp()) // TOTP_STEP_SECONDS


def check_totp(user: User, code: str | None, *, failure_kind: str, target: str = "") -> None:
    """Accept a TOTP code once: a code already used (same or older step) is a replay."""
    if not code:
        raise TotpRequired()
    code = code.strip().replace(" ", "")
    device = confirmed_device(user)
    if device is None:
        raise MfaEnrolmentRequired()
    totp = pyotp.TOTP(crypto.decrypt(device.secret_ciphertext), interval=TOTP_STEP_SECONDS)
    now_step = current_step()
    matched: int | None = None
    for step in range(now_step - TOTP_DRIFT_STEPS, now_step + TOTP_DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            matched = step
            break
    if matched is None:
        register_failure(user, failure_kind, target=target, detail={"factor": "totp"})
        if is_locked(user):
            raise _locked_error(user)
        raise InvalidTotp()
    with transaction.atomic():
        fresh = TotpDevice.objects.select_for_update().get(pk=device.pk)
        if matched <= fresh.last_used_step:
            replayed = True
        else:
            replayed = False
            fresh.last_used_step = matched
            fresh.last_verified_at = clock.now()
            fresh.save(update_fields=["last_used_step", "last_verified_at"])
    if replayed:
        register_failure(
            user, securitylog.MFA_REPLAY_REFUSED, target=target, detail={"factor": "totp"}
        )
        raise TotpReplayed()


# --- signing --------------------------------------------------------------------------------


def open_session(session_key: str | None) -> UserSession | None:
    if not session_key:
        return None
    return UserSession.objects.filter(session_key=session_key, ended_at__isnull=True).first()


def signing_needs_totp(user: User, session_key: str | None) -> bool:
    """Whether the sign dialog must ask for a TOTP code now (ES-09): yes for a user with MFA at
    the first signature of a session, no for later ones in the same continuous session."""
    if not has_mfa(user):
        return False
    session = open_session(session_key)
    return session is None or session.full_signing_at is None


def authenticate_signer(
    user: User | AnonymousUser,
    password: str,
    totp: str | None = None,
    *,
    session_key: str | None = None,
    target: str = "",
) -> str:
    """Re-authenticate a signer (11.200(a)(1); ES-08, ES-09, ES-11, ES-13); return the method.

    The first signature of a session needs every component (password, and TOTP for a user with
    MFA); later signatures in the same open session need the password again. A session that ended
    (logout, idle or absolute timeout) is no longer continuous, so all components are needed.
    """
    if not isinstance(user, User) or user.is_api_client:
        raise NotAPerson()
    check_active(user)
    if user.identity_verified_at is None:
        raise IdentityNotVerified()
    check_password(user, password, failure_kind=securitylog.SIGNATURE_FAILED, target=target)
    session = open_session(session_key)
    continuous = session is not None and session.full_signing_at is not None
    if has_mfa(user):
        if not continuous:
            check_totp(user, totp, failure_kind=securitylog.SIGNATURE_FAILED, target=target)
            method = METHOD_PASSWORD_TOTP
        else:
            method = METHOD_PASSWORD
    elif mfa_required(user):
        raise MfaEnrolmentRequired()
    else:
        method = METHOD_PASSWORD
    clear_failures(user)
    if session is not None and session.full_signing_at is None:
        UserSession.objects.filter(pk=session.pk).update(full_signing_at=clock.now())
    return method
