"""Account pages: sign in and out, two-factor authentication, password change, my sessions.
Thin, calling the identity services; split by subject."""

from mederp.identity.views.account import my_sessions, password_change, session_end
from mederp.identity.views.login import login_enrol, login_page, login_verify, logout_page
from mederp.identity.views.mfa import mfa_disable, mfa_enrol, mfa_overview, mfa_recovery_codes

__all__ = [
    "login_enrol",
    "login_page",
    "login_verify",
    "logout_page",
    "mfa_disable",
    "mfa_enrol",
    "mfa_overview",
    "mfa_recovery_codes",
    "my_sessions",
    "password_change",
    "session_end",
]
