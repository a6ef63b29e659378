"""Account events in the audit trail: login, logout, failed login, MFA and password changes.

Issue 3 §2 puts these in the audit trail with the source IP as well as in the security log: the
security log is the security officer's record, the audit trail the QA reviewer's, and a reviewer
reading a user's history must see when they signed in and when their credentials changed.
Nothing secret is ever written here (no password, code or seed; only that it changed).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from mederp.core import audit, context
from mederp.core.actors import Actor
from mederp.core.models import AuditEntry
from mederp.identity.models import User

LOGIN = "login"
LOGIN_FAILED = "login_failed"
LOGOUT = "logout"
ACCOUNT_LOCKED = "account_locked"
SESSION_EXPIRED = "session_expired"
SESSION_ENDED = "session_ended"
MFA_ENROLLED = "mfa_enrolled"
MFA_DISABLED = "mfa_disabled"
RECOVERY_CODE_USED = "recovery_code_used"
RECOVERY_CODES_ISSUED = "recovery_codes_issued"
PASSWORD_CHANGED = "password_changed"  # noqa: S105 (an action name)


def anonymous(claimed_username: str) -> Actor:
    """Someone not (yet) signed in: named by the user name they typed, never trusted as it."""
    name = f"anonymous ({claimed_username[:150]})" if claimed_username else "anonymous"
    return Actor(
        kind="anonymous",
        id=None,
        name=name,
        request_id=context.request_id(),
        ip=context.client_ip(),
    )


def system(name: str) -> Actor:
    """The system acting on an account (lockout, session expiry) within a request: the audit
    entry keeps that request's source IP."""
    return Actor(
        kind="system", id=None, name=name, request_id=context.request_id(), ip=context.client_ip()
    )


def record(
    actor: Actor,
    action: str,
    user: User | None,
    *,
    username: str = "",
    changes: dict[str, list[Any]] | None = None,
    reason: str = "",
) -> AuditEntry:
    """One audit entry about ``user``'s account (or about a user name that matched nobody)."""
    with transaction.atomic():
        if user is not None:
            return audit.record(
                actor,
                action=action,
                instance=user,
                label=user.username,
                changes=changes or {},
                reason=reason,
                require_reason=False,
            )
        return audit.record(
            actor,
            action=action,
            record_type=User._meta.label_lower,
            record_id="",
            label=username[:300],
            changes=changes or {},
            reason=reason,
            require_reason=False,
        )
