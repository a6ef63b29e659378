"""Administering accounts: roles, deactivation, unlock, password reset, identity verification.

21 CFR 11.10(d), (g); 11.100(a), (b); 11.300(b), (d). AC-02, AC-05, AC-12, ES-05, ES-06, AT-12.

Accounts are deactivated, never deleted, so a user name is never reused (ES-05). Each action is
one transaction with its audit entry (with a reason), outbox event and, for the actions a
security officer watches (role changes, unlock, password reset, activation), a security-log row
whose ``user`` is the account acted on and whose detail names the administrator.

Segregation of duties: an administrator cannot change their own roles, deactivate, reset the
password of, or verify the identity of their own account (``identity.own_account``); another
administrator must. A reset password is temporary: the user must change it at the next sign-in
(``must_change_password``), and the user's MFA stays, so the administrator who knows the
temporary password still cannot sign in as the user (ES-10).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mederp.core import audit, canonical, clock, outbox
from mederp.core.actors import Actor
from mederp.core.errors import ReasonRequired, ValidationFailed
from mederp.core.services import authorize, check_version
from mederp.identity import events, passwords, securitylog, services, sessions
from mederp.identity.errors import AccountUnchanged, OwnAccount, PasswordRejected, UnknownRole
from mederp.identity.locks import lock_user
from mederp.identity.models import User
from mederp.identity.roles import ROLES, sync_roles

ACCOUNT_DEACTIVATED = "account_deactivated"
ACCOUNT_REACTIVATED = "account_reactivated"
IDENTITY_VERIFIED = "identity_verified"
EXPORTED = "export"

PROFILE_FIELDS = ("printed_name", "email")


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    return reason


def _not_self(actor: Actor, user: User) -> None:
    if actor.id is not None and actor.kind != "system" and actor.id == user.pk:
        raise OwnAccount()


def role_names(user: User) -> list[str]:
    return sorted(g.name for g in user.groups.all())


def role_groups(roles: Iterable[str]) -> list[Group]:
    wanted = sorted(set(roles))
    for role in wanted:
        if role not in ROLES:
            raise UnknownRole(role=role)
    if Group.objects.filter(name__in=wanted).count() != len(wanted):
        sync_roles()
    return list(Group.objects.filter(name__in=wanted))


def _log(kind: str, user: User, actor: Actor, **detail: Any) -> None:
    securitylog.record(
        kind, user=user, target=f"identity.user:{user.pk}", detail={"by": actor.name, **detail}
    )


def _emit(actor: Actor, event_type: str, user: User, **payload: Any) -> None:
    outbox.emit(
        actor,
        event_type,
        aggregate_type=user._meta.label_lower,
        aggregate_id=user.pk,
        payload={"id": user.pk, "username": user.username, **payload},
    )


def _bump(user: User, fields: list[str]) -> None:
    user.version += 1
    user.save(update_fields=[*fields, "version"])


@transaction.atomic
def change_user(
    actor: Actor,
    user_id: int,
    *,
    reason: str,
    expected_version: int | None = None,
    printed_name: str | None = None,
    email: str | None = None,
    roles: Iterable[str] | None = None,
) -> User:
    """Change a user's printed name, e-mail or roles (AC-02, AC-12); role changes are
    security-logged as ``roles_changed``. Changing nothing writes nothing."""
    authorize(actor, "identity.change_user")
    reason = _reason(reason)
    user = lock_user(user_id)
    check_version(user, expected_version)
    before = canonical.snapshot(user, list(PROFILE_FIELDS))
    if printed_name is not None:
        user.printed_name = printed_name.strip()[:150]
    if email is not None:
        user.email = email.strip()
    if not user.printed_name:
        raise ValidationFailed(
            fields={"printed_name": [_("A printed name is required (it appears on signatures).")]}
        )
    changes = canonical.diff(before, canonical.snapshot(user, list(PROFILE_FIELDS)))
    old_roles = role_names(user)
    new_roles = old_roles
    if roles is not None:
        groups = role_groups(roles)
        new_roles = sorted(g.name for g in groups)
        if new_roles != old_roles:
            _not_self(actor, user)
            user.groups.set(groups)
            changes["roles"] = [old_roles, new_roles]
    if not changes:
        return user
    _bump(user, list(PROFILE_FIELDS))
    audit.record(actor, action=audit.UPDATE, instance=user, changes=changes, reason=reason)
    _emit(actor, events.USER_CHANGED, user, changed=sorted(changes), roles=new_roles)
    if new_roles != old_roles:
        _log(securitylog.ROLES_CHANGED, user, actor, old=old_roles, new=new_roles, reason=reason)
    return user


@transaction.atomic
def set_active(actor: Actor, user_id: int, *, active: bool, reason: str) -> User:
    """Deactivate or reactivate an account; never delete it (ES-05: the name stays taken).

    Deactivation ends the user's open sessions and stops the client's API keys at once (Django
    refuses inactive users on their next request; keys check ``is_active``).
    """
    authorize(actor, "identity.change_user")
    reason = _reason(reason)
    user = lock_user(user_id)
    _not_self(actor, user)
    if user.is_active == active:
        raise AccountUnchanged(
            gettext_lazy("The account {username} is already active.")
            if active
            else gettext_lazy("The account {username} is already deactivated."),
            username=user.username,
            state="active" if active else "inactive",
        )
    user.is_active = active
    _bump(user, ["is_active"])
    if not active:
        sessions.end_others(user, keep=None, reason="deactivated", actor=actor)
    audit.record(
        actor,
        action="reactivate" if active else "deactivate",
        instance=user,
        changes={"is_active": [not active, active]},
        reason=reason,
    )
    _emit(actor, events.USER_REACTIVATED if active else events.USER_DEACTIVATED, user)
    _log(ACCOUNT_REACTIVATED if active else ACCOUNT_DEACTIVATED, user, actor, reason=reason)
    return user


@transaction.atomic
def unlock_user(actor: Actor, user_id: int, *, reason: str) -> User:
    """Lift a lockout before its cool-down ends (AC-06) and clear the failure count."""
    authorize(actor, "identity.change_user")
    reason = _reason(reason)
    user = lock_user(user_id)
    if user.locked_until is None and not user.failed_attempts:
        raise AccountUnchanged(
            gettext_lazy("The account {username} is not locked."),
            username=user.username,
            state="unlocked",
        )
    before = canonical.snapshot(user, ["locked_until", "failed_attempts", "first_failed_at"])
    user.locked_until = None
    user.failed_attempts = 0
    user.first_failed_at = None
    _bump(user, ["locked_until", "failed_attempts", "first_failed_at"])
    changes = canonical.diff(before, canonical.snapshot(user, list(before)))
    audit.record(actor, action="unlock", instance=user, changes=changes, reason=reason)
    _emit(actor, events.USER_UNLOCKED, user)
    _log(securitylog.ACCOUNT_UNLOCKED, user, actor, reason=reason)
    return user


def _check_new_password(user: User, password: str, field: str = "temporary_password") -> None:
    """The password policy (AUTH_PASSWORD_VALIDATORS: length, history, not the user name...)."""
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as exc:
        raise PasswordRejected(fields={field: [str(m) for m in exc.messages]}) from exc


@transaction.atomic
def create_person(
    actor: Actor,
    *,
    username: str,
    printed_name: str,
    roles: Iterable[str],
    password: str,
    email: str = "",
) -> User:
    """A new person's account with a temporary password they must change at the first sign-in.

    The administrator knows the first password, so it is only a way in to choose one's own
    (11.300(b); ES-10).
    """
    authorize(actor, "identity.add_user")
    username = username.strip()
    printed_name = printed_name.strip()
    if not printed_name:
        raise ValidationFailed(
            fields={"printed_name": [_("A printed name is required (it appears on signatures).")]}
        )
    _check_new_password(User(username=username, email=email), password, field="password")
    user = services.create_user(
        actor,
        username=username,
        printed_name=printed_name,
        roles=roles,
        password=password,
        email=email.strip(),
    )
    user.must_change_password = True
    user.save(update_fields=["must_change_password"])
    return user


@transaction.atomic
def reset_password(actor: Actor, user_id: int, *, temporary_password: str, reason: str) -> User:
    """Set a temporary password the user must change at the next sign-in (AC-05, ES-10)."""
    authorize(actor, "identity.change_user")
    reason = _reason(reason)
    user = lock_user(user_id)
    _not_self(actor, user)
    if user.is_api_client:
        raise ValidationFailed(
            fields={"temporary_password": [_("An API client has no password; rotate its key.")]}
        )
    _check_new_password(user, temporary_password)
    was_forced = user.must_change_password
    user.set_password(temporary_password)
    user.must_change_password = True
    _bump(user, ["password", "must_change_password"])
    passwords.remember(user)  # password age and history start again (AC-05)
    # Whoever holds a session of the account now (perhaps why it was reset) is signed out.
    sessions.end_others(user, keep=None, reason="password_reset", actor=actor)
    audit.record(
        actor,
        action="password_reset",
        instance=user,
        # Never the hash: only the facts of the reset.
        changes={
            "must_change_password": [was_forced, True],
            "password_changed_at": [None, user.password_changed_at],
        },
        reason=reason,
    )
    _emit(actor, events.USER_PASSWORD_RESET, user)
    _log(securitylog.PASSWORD_RESET, user, actor, reason=reason)
    return user


@transaction.atomic
def record_identity_verification(
    actor: Actor, user_id: int, *, document: str, reason: str = ""
) -> User:
    """Record who verified the user's identity, against which document, and when (ES-06,
    21 CFR 11.100(b)), before the user is given signing rights."""
    authorize(actor, "identity.change_user")
    if actor.kind != "user":
        raise OwnAccount(
            gettext_lazy(
                "Identity is verified by a named administrator, not by a system or API client."
            )
        )
    user = lock_user(user_id)
    _not_self(actor, user)
    if user.is_api_client:
        raise ValidationFailed(fields={"document": [_("An API client is not a person.")]})
    document = (document or "").strip()
    if not document:
        raise ValidationFailed(
            fields={"document": [_("Name the identity document that was checked.")]}
        )
    before = canonical.snapshot(
        user, ["identity_verified_at", "identity_verified_by", "identity_document"]
    )
    user.identity_verified_at = clock.now()
    user.identity_verified_by_id = actor.id
    user.identity_document = document[:100]
    _bump(user, ["identity_verified_at", "identity_verified_by", "identity_document"])
    audit.record(
        actor,
        action="identity_verified",
        instance=user,
        changes=canonical.diff(before, canonical.snapshot(user, list(before))),
        reason=(reason or "").strip(),
        require_reason=False,
    )
    _emit(actor, events.USER_IDENTITY_VERIFIED, user, document=user.identity_document)
    _log(IDENTITY_VERIFIED, user, actor, document=user.identity_document)
    return user


def record_export(actor: Actor, *, report: str, filters: dict[str, Any] | None = None) -> None:
    """An export of security-relevant data (the security log, the role matrix, the account
    list) is itself a security event (AT-12): who took which report, with which filters."""
    securitylog.record(
        EXPORTED,
        user=actor.user if isinstance(actor.user, User) else None,
        username=actor.name,
        target=report,
        detail={"filters": filters or {}},
    )
