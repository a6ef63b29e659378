"""Events identity emits (past tense, dotted; schema version 1). Payloads carry no secrets."""

USER_CREATED = "identity.user.created"
API_TOKEN_ISSUED = "identity.api_token.issued"  # noqa: S105 - an event name, not a secret
MFA_ENROLLED = "identity.user.mfa_enrolled"
MFA_DISABLED = "identity.user.mfa_disabled"
PASSWORD_CHANGED = "identity.user.password_changed"  # noqa: S105
