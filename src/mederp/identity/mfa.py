"""TOTP enrolment, recovery codes and MFA reset (AC-04, AC-07, AC-08; 21 CFR 11.300(c), (e)).

Enrolment is proved before it counts (AC-08, the enrolment self-test): a new seed is kept
encrypted and unconfirmed until the user types a code it produced. A first enrolment keeps the
pending seed in the unconfirmed :class:`TotpDevice`; a re-enrolment (controlled re-issuance,
AC-07) keeps it beside the confirmed device, in the caller's session, so the old authenticator
stays in force until the new one is proved, then is replaced and the old recovery codes die.

Recovery codes are shown once and only their SHA-256 is stored (ADR 0003: 40 random bits each,
guarded by the lockout counter). Disabling a user's MFA is an administrator's signed act.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

import pyotp
import segno
from django.db import transaction

from mederp.core import clock, outbox, signatures
from mederp.core.actors import Actor
from mederp.core.models import Signature
from mederp.identity import accountaudit, credentials, crypto, events, securitylog, sessions
from mederp.identity.errors import (
    CurrentPasswordWrong,
    InvalidCredentials,
    InvalidRecoveryCode,
    InvalidTotp,
    MfaNotEnrolled,
    TotpRequired,
)
from mederp.identity.models import RecoveryCode, TotpDevice, User
from mederp.identity.signing import MFA_RESET

ISSUER = "MedERP"
RECOVERY_CODE_COUNT = 10


@dataclass(frozen=True)
class PendingSeed:
    """A seed shown to the user but not yet proved. ``replacing``: a confirmed device exists and
    stays in force until this one is confirmed (the ciphertext then lives in the session)."""

    ciphertext: str
    replacing: bool

    @property
    def secret(self) -> str:
        return crypto.decrypt(self.ciphertext)


def provisioning_uri(user: User, seed: PendingSeed) -> str:
    return pyotp.TOTP(seed.secret, interval=credentials.TOTP_STEP_SECONDS).provisioning_uri(
        name=user.username, issuer_name=ISSUER
    )


def qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG QR code (no image file, no third-party service)."""
    return str(segno.make(uri, error="m").svg_inline(scale=4, border=2))


def start_enrolment(user: User) -> PendingSeed:
    """A fresh seed for ``user``: the unconfirmed device for a first enrolment, or a seed for
    the caller to keep (encrypted) while a confirmed device stays in force."""
    ciphertext = crypto.encrypt(pyotp.random_base32())
    device = TotpDevice.objects.filter(user=user).first()
    if device is not None and device.confirmed_at is not None:
        return PendingSeed(ciphertext, replacing=True)
    TotpDevice.objects.update_or_create(
        user=user,
        defaults={
            "secret_ciphertext": ciphertext,
            "created_at": clock.now(),
            "confirmed_at": None,
            "last_used_step": 0,
            "last_verified_at": None,
        },
    )
    return PendingSeed(ciphertext, replacing=False)


def pending_seed(user: User, session_ciphertext: str | None = None) -> PendingSeed | None:
    """The seed being enrolled, if any: the unconfirmed device's, or (re-enrolment) the one the
    caller kept."""
    device = TotpDevice.objects.filter(user=user).first()
    if device is None:
        return None
    if device.confirmed_at is None:
        return PendingSeed(device.secret_ciphertext, replacing=False)
    if session_ciphertext:
        return PendingSeed(session_ciphertext, replacing=True)
    return None


def discard_pending(user: User) -> None:
    """Forget an unconfirmed seed (the user starts enrolment over); a confirmed one stays."""
    TotpDevice.objects.filter(user=user, confirmed_at__isnull=True).delete()


def _matching_step(secret: str, code: str) -> int | None:
    totp = pyotp.TOTP(secret, interval=credentials.TOTP_STEP_SECONDS)
    now_step = credentials.current_step()
    for step in range(
        now_step - credentials.TOTP_DRIFT_STEPS, now_step + credentials.TOTP_DRIFT_STEPS + 1
    ):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def recovery_hash(code: str) -> str:
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


def looks_like_recovery_code(code: str) -> bool:
    """A TOTP code is six digits; anything else typed in the code box is a recovery code."""
    clean = _normalise(code)
    return not (len(clean) == 6 and clean.isdigit())


def _issue_recovery_codes(user: User) -> list[str]:
    """Replace every recovery code of ``user`` with fresh ones; return them (the only time they
    exist in the clear)."""
    now = clock.now()
    RecoveryCode.objects.filter(user=user).delete()
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = secrets.token_hex(5)
        codes.append(f"{raw[:5]}-{raw[5:]}")
    RecoveryCode.objects.bulk_create(
        [RecoveryCode(user=user, code_hash=recovery_hash(c), created_at=now) for c in codes]
    )
    return codes


def confirm_enrolment(
    user: User, seed: PendingSeed, code: str | None, *, password: str | None = None
) -> list[str]:
    """Confirm the pending seed with a code it produced (AC-08); return the new recovery codes.

    A wrong code writes nothing and does not count toward lockout: whoever holds this page also
    holds the seed, so the code proves only that the authenticator app was set up correctly.
    Replacing a confirmed authenticator (AC-07) also needs the current password, so a session
    left open cannot be used to swap in someone else's phone.
    """
    if seed.replacing:
        try:
            credentials.check_password(
                user,
                password or "",
                failure_kind=securitylog.LOGIN_FAILED,
                target="authenticator replacement",
            )
        except InvalidCredentials as exc:
            raise CurrentPasswordWrong(field="password") from exc
    if not code:
        raise TotpRequired()
    step = _matching_step(seed.secret, "".join(code.split()))
    if step is None:
        raise InvalidTotp()
    now = clock.now()
    actor = Actor.for_user(user)
    with transaction.atomic():
        device = TotpDevice.objects.select_for_update().filter(user=user).first()
        replaced = device is not None and device.confirmed_at is not None
        if device is None:
            device = TotpDevice(user=user)
        device.secret_ciphertext = seed.ciphertext
        device.created_at = now if replaced or device.pk is None else device.created_at
        device.confirmed_at = now
        # The code just typed is spent: it cannot be replayed at the next login.
        device.last_used_step = step
        device.last_verified_at = now
        device.save()
        codes = _issue_recovery_codes(user)
        securitylog.record(
            securitylog.MFA_ENROLLED,
            user=user,
            target="totp",
            detail={"replaced": replaced, "recovery_codes": len(codes)},
        )
        accountaudit.record(
            actor,
            accountaudit.MFA_ENROLLED,
            user,
            changes={"totp_confirmed_at": [None, now], "recovery_codes": [None, len(codes)]},
            reason="authenticator replaced" if replaced else "",
        )
        outbox.emit(
            actor,
            events.MFA_ENROLLED,
            aggregate_type=User._meta.label_lower,
            aggregate_id=user.pk,
            payload={"id": user.pk, "username": user.username, "replaced": replaced},
        )
    return codes


def remaining_recovery_codes(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def use_recovery_code(user: User, code: str, *, failure_kind: str, target: str = "") -> None:
    """Accept an unused recovery code once, in place of a TOTP code (lost phone).

    A wrong or spent code counts toward lockout like a wrong TOTP code.
    """
    now = clock.now()
    with transaction.atomic():
        row = (
            RecoveryCode.objects.select_for_update()
            .filter(user=user, code_hash=recovery_hash(code), used_at__isnull=True)
            .first()
        )
        if row is not None:
            row.used_at = now
            row.save(update_fields=["used_at"])
            left = remaining_recovery_codes(user)
            securitylog.record(
                securitylog.RECOVERY_CODE_USED, user=user, target=target, detail={"left": left}
            )
            accountaudit.record(
                Actor.for_user(user),
                accountaudit.RECOVERY_CODE_USED,
                user,
                changes={"recovery_codes_left": [left + 1, left]},
            )
    if row is None:
        credentials.register_failure(
            user, failure_kind, target=target, detail={"factor": "recovery_code"}
        )
        credentials.check_active(user)  # raises AccountLocked when this failure locked it
        raise InvalidRecoveryCode()


def regenerate_recovery_codes(user: User, totp: str | None) -> list[str]:
    """New recovery codes for a user with MFA, proved by a current TOTP code; the old ones die."""
    credentials.check_active(user)
    credentials.check_totp(user, totp, failure_kind=securitylog.MFA_FAILED, target="recovery codes")
    with transaction.atomic():
        codes = _issue_recovery_codes(user)
        securitylog.record(
            securitylog.RECOVERY_CODES_ISSUED, user=user, detail={"count": len(codes)}
        )
        accountaudit.record(
            Actor.for_user(user),
            accountaudit.RECOVERY_CODES_ISSUED,
            user,
            changes={"recovery_codes": [None, len(codes)]},
        )
    return codes


def disable_mfa(
    actor: Actor,
    user: User,
    *,
    password: str,
    totp: str | None,
    reason: str,
    session_key: str | None,
) -> Signature:
    """An administrator disables ``user``'s MFA, signing it (meaning ``mfa_reset``; ES-10).

    The administrator re-authenticates (password, and TOTP at the first signature of their
    session); nobody resets their own (segregation of duties, :mod:`identity.signing`). The
    authenticator and recovery codes are deleted and the user's sessions end; a user whose role
    requires MFA enrols again at the next sign-in.
    """
    principal = actor.user
    if not credentials.has_mfa(user):
        raise MfaNotEnrolled(username=user.username)
    signer = signatures.authenticate(
        user, MFA_RESET, principal, password, totp, reason=reason, session_key=session_key
    )
    with signatures.refusals_recorded(user, MFA_RESET, principal), transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        signature = signatures.record(locked, MFA_RESET, signer, reason=reason)
        device = TotpDevice.objects.get(user=locked)
        codes = RecoveryCode.objects.filter(user=locked)
        left = codes.filter(used_at__isnull=True).count()
        codes.delete()
        device.delete()
        securitylog.record(
            securitylog.MFA_DISABLED,
            user=locked,
            target="totp",
            detail={"by": principal.get_username(), "signature": signature.pk, "reason": reason},
        )
        accountaudit.record(
            actor,
            accountaudit.MFA_DISABLED,
            locked,
            changes={
                "totp_confirmed_at": [device.confirmed_at, None],
                "recovery_codes": [left, None],
                "signature": [None, signature.pk],
            },
            reason=reason,
        )
        outbox.emit(
            actor,
            events.MFA_DISABLED,
            aggregate_type=User._meta.label_lower,
            aggregate_id=locked.pk,
            payload={"id": locked.pk, "username": locked.username, "signature": signature.pk},
        )
    sessions.end_others(locked, keep=None, reason=sessions.MFA_DISABLED, actor=actor)
    return signature
