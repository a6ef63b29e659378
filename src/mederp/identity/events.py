"""Events identity emits (past tense, dotted; schema version 1). Payloads carry no secrets."""

USER_CREATED = "identity.user.created"
API_TOKEN_ISSUED = "identity.api_token.issued"  # noqa: S105 - an event name, not a secret
API_TOKEN_ROTATED = "identity.api_token.rotated"  # noqa: S105
API_TOKEN_REVOKED = "identity.api_token.revoked"  # noqa: S105
API_CLIENT_RATE_LIMIT_CHANGED = "identity.api_client.rate_limit_changed"
USER_CHANGED = "identity.user.changed"
USER_DEACTIVATED = "identity.user.deactivated"
USER_REACTIVATED = "identity.user.reactivated"
USER_UNLOCKED = "identity.user.unlocked"
USER_PASSWORD_RESET = "identity.user.password_reset"  # noqa: S105
USER_IDENTITY_VERIFIED = "identity.user.identity_verified"
MFA_ENROLLED = "identity.user.mfa_enrolled"
MFA_DISABLED = "identity.user.mfa_disabled"
PASSWORD_CHANGED = "identity.user.password_changed"  # noqa: S105
