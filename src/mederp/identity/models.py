"""Users, authenticators, sessions, API keys and the security log.

User ids are never reused (ES-05, 21 CFR 11.100(a)): users are deactivated, never deleted.
Secrets are never stored in the clear: passwords are argon2 hashes, recovery codes and API keys
SHA-256 digests, TOTP seeds AES-256-GCM ciphertext (``identity.crypto``).
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A named person, or an API client (``is_api_client``) acting for an integrated system."""

    printed_name = models.CharField(max_length=150, blank=True, default="")
    is_api_client = models.BooleanField(default=False)
    # Lockout (AC-06, 11.300(d)): failures count within a window; a lock lasts until
    # ``locked_until`` (cool-down) or until an administrator unlocks the account.
    failed_attempts = models.PositiveIntegerField(default=0)
    first_failed_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    # Password ageing (AC-05, 11.300(b)).
    password_changed_at = models.DateTimeField(null=True, blank=True)
    must_change_password = models.BooleanField(default=False)
    # Identity verified before signing rights are enabled (ES-06, 11.100(b)).
    identity_verified_at = models.DateTimeField(null=True, blank=True)
    identity_verified_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    identity_document = models.CharField(max_length=100, blank=True, default="")
    # An API client's own rate limit (issue 7); empty: MEDERP_RATE_LIMIT's defaults. Set only
    # through ``identity.ratelimits.set_client_limit`` (audited, with a reason).
    rate_limit_per_minute = models.PositiveIntegerField(null=True, blank=True)
    rate_limit_burst = models.PositiveIntegerField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    def get_full_name(self) -> str:
        return self.printed_name or super().get_full_name()


class PasswordHistory(models.Model):
    """Earlier password hashes, so a new password cannot repeat one of the last N (AC-05)."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d}"


class TotpDevice(models.Model):
    """A user's TOTP authenticator (RFC 6238). Unconfirmed until the user proves a code (AC-08).

    ``last_used_step`` refuses a replayed code: a code is good once, in one 30-second step.
    """

    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="totp_device")
    secret_ciphertext = models.TextField()
    created_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_used_step = models.BigIntegerField(default=0)
    last_verified_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"TOTP {self.user_id}"


class RecoveryCode(models.Model):
    """One-use MFA recovery codes, shown once at enrolment; only their SHA-256 is kept."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"recovery {self.user_id}"


class UserSession(models.Model):
    """A signed-in browser session, so a user can see and end theirs (AC-09).

    ``full_signing_at`` is set at the first signature that used every component: until then (and
    after the session ends) each signature needs all components (ES-09, 11.200(a)(1)).
    """

    session_key = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="sessions")
    created_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=32, blank=True, default="")
    client_ip = models.CharField(max_length=64, blank=True, default="")
    user_agent = models.CharField(max_length=300, blank=True, default="")
    mfa_verified_at = models.DateTimeField(null=True, blank=True)
    full_signing_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "ended_at"], name="session_user_open_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d %H:%M}"


class ApiToken(models.Model):
    """An API key for a service account. Only its SHA-256 is stored; the secret is shown once.

    ``scopes`` are ``"<app>:<verb>"`` strings (``"inventory:read"``, ``"catalog:write"``,
    ``"*:read"``); a key works only for what both its scopes and its client's roles allow.
    """

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    token_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    replaced_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"


class SecurityEvent(models.Model):
    """The security log (AT-12, 11.300(d)): append-only and hash-chained, apart from the audit
    trail so a flood of refused requests never buries a record change.

    ``hash`` = SHA-256(prev_hash + canonical row); ``mederp security verify`` recomputes it.
    """

    occurred_at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=40, db_index=True)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True, default="")
    client_ip = models.CharField(max_length=64, blank=True, default="")
    target = models.CharField(max_length=300, blank=True, default="")
    detail = models.JSONField(default=dict)
    request_id = models.CharField(max_length=64, blank=True, default="")
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.username} {self.occurred_at:%Y-%m-%d %H:%M:%S}"


class ApiCall(models.Model):
    """One API request made with an API key: who, what, when, from where, with what result."""

    occurred_at = models.DateTimeField(db_index=True)
    token = models.ForeignKey(ApiToken, on_delete=models.PROTECT, related_name="calls")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    status_code = models.PositiveSmallIntegerField()
    client_ip = models.CharField(max_length=64, blank=True, default="")
    request_id = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.status_code}"
