"""Identity refusals."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from mederp.core.errors import Conflict, Duplicate, PermissionDenied, ValidationFailed


class UsernameTaken(Duplicate):
    code = "identity.username_taken"
    message = _("The user name {value} is taken (user names are never reused).")


class UnknownRole(ValidationFailed):
    code = "identity.unknown_role"
    message = _("There is no role called {role}.")


class InvalidCredentials(PermissionDenied):
    """Wrong user name or password. The message never says which (no user enumeration)."""

    code = "identity.invalid_credentials"
    message = _("The user name or password is not correct.")


class AccountLocked(PermissionDenied):
    code = "identity.account_locked"
    message = _(
        "The account is locked after too many failed attempts. Ask an administrator to unlock it "
        "or try again after {until}."
    )


class AccountInactive(PermissionDenied):
    code = "identity.account_inactive"
    message = _("The account is deactivated.")


class TotpRequired(PermissionDenied):
    code = "identity.totp_required"
    message = _("Enter the 6-digit code from your authenticator app.")


class InvalidTotp(PermissionDenied):
    code = "identity.invalid_totp"
    message = _("The authenticator code is not correct.")


class TotpReplayed(PermissionDenied):
    code = "identity.totp_replayed"
    message = _("This authenticator code was already used. Wait for the next code.")


class MfaEnrolmentRequired(PermissionDenied):
    code = "identity.mfa_enrolment_required"
    message = _("Your role requires two-factor authentication. Set up an authenticator first.")


class NotAPerson(PermissionDenied):
    """ES-10/ES-11: service accounts and shared accounts cannot sign."""

    code = "identity.not_a_person"
    message = _("An API client or service account cannot sign electronically.")


class NotAnApiClient(ValidationFailed):
    """ES-10: people sign in with a password and MFA; only API clients get API keys."""

    code = "identity.not_an_api_client"
    message = _("{username} is not an API client; only API clients get API keys.")


class RateLimitOnlyForClients(NotAnApiClient):
    """People's API calls are held to the site's per-user limit; only clients get their own."""

    message = _("{username} is not an API client; only API clients have their own rate limit.")


class ClientInactive(Conflict):
    code = "identity.client_inactive"
    message = _("The API client {username} is deactivated.")


class ApiKeyRetired(Conflict):
    code = "identity.api_key_retired"
    message = _("The API key {prefix} is already revoked, expired or replaced.")


class OwnAccount(PermissionDenied):
    """Segregation of duties: an administrator never acts on their own account's privileges."""

    code = "identity.own_account"
    message = _("You cannot do this to your own account; ask another administrator.")


class AccountUnchanged(Conflict):
    code = "identity.account_unchanged"
    message = _("The account {username} is already in that state.")


class LoginStepExpired(PermissionDenied):
    code = "identity.login_step_expired"
    message = _("The sign-in took too long. Enter your user name and password again.")


class InvalidRecoveryCode(PermissionDenied):
    code = "identity.invalid_recovery_code"
    message = _("The recovery code is not correct or was already used.")


class MfaNotEnrolled(Conflict):
    code = "identity.mfa_not_enrolled"
    message = _("{username} has no authenticator to disable.")


class MfaSelfReset(PermissionDenied):
    """Segregation of duties (ES-10): an administrator cannot remove their own second factor."""

    code = "identity.mfa_self_reset"
    message = _("You cannot disable your own two-factor authentication; ask another administrator.")


class CurrentPasswordWrong(PermissionDenied):
    code = "identity.current_password_wrong"
    message = _("The current password is not correct.")


class PasswordMismatch(ValidationFailed):
    code = "identity.password_mismatch"
    message = _("The two new passwords are not the same.")


class PasswordRejected(ValidationFailed):
    """The new password breaks the password policy (AC-05); ``details.fields`` says why."""

    code = "identity.password_rejected"
    message = _("The new password does not meet the password policy.")


class PasswordExpired(PermissionDenied):
    code = "identity.password_expired"
    message = _("Your password has expired or was set by an administrator. Change it first.")


class SessionExpired(PermissionDenied):
    code = "identity.session_expired"
    message = _("Your session ended. Sign in again.")
    http_status = 401


class IdentityNotVerified(PermissionDenied):
    """ES-06, 21 CFR 11.100(b): signing rights start once someone verified who the user is."""

    code = "identity.identity_not_verified"
    message = _(
        "Your identity has not been verified yet, so you cannot sign. Ask an administrator to "
        "record the verification."
    )
