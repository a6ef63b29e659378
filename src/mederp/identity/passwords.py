"""Password policy and changes (AC-05; 21 CFR 11.300(b); issue 3 §2).

The policy figures live in ``settings.MEDERP_SECURITY``: minimum length, how many earlier
passwords may not come back, maximum age. The validators below are Django password validators
(``AUTH_PASSWORD_VALIDATORS``), so every way of setting a password applies the same rules;
Django's own common-password and all-numeric checks run beside them. Hashes are argon2 (the first
hasher in settings); the history keeps hashes only.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import password_validation
from django.contrib.auth.hashers import check_password as hash_matches
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mederp.core import clock, outbox
from mederp.core.actors import Actor
from mederp.identity import accountaudit, credentials, events, securitylog
from mederp.identity.errors import (
    CurrentPasswordWrong,
    InvalidCredentials,
    PasswordMismatch,
    PasswordRejected,
)
from mederp.identity.models import PasswordHistory, User
from mederp.identity.policy import seconds


class PolicyLengthValidator:
    """At least ``PASSWORD_MIN_LENGTH`` characters, read when checked so policy changes apply."""

    def validate(self, password: str, user: Any = None) -> None:
        minimum = seconds("PASSWORD_MIN_LENGTH")
        if len(password) < minimum:
            raise ValidationError(
                ngettext(
                    "The password must have at least %(min_length)d character.",
                    "The password must have at least %(min_length)d characters.",
                    minimum,
                ),
                code="password_too_short",
                params={"min_length": minimum},
            )

    def get_help_text(self) -> str:
        minimum = seconds("PASSWORD_MIN_LENGTH")
        return ngettext(
            "At least %(min_length)d character.", "At least %(min_length)d characters.", minimum
        ) % {"min_length": minimum}


class NotTheUsernameValidator:
    """The password may not be, or contain, the user name (case ignored)."""

    def validate(self, password: str, user: Any = None) -> None:
        username = (getattr(user, "username", "") or "").strip().lower()
        if username and username in password.lower():
            raise ValidationError(
                _("The password may not contain the user name."), code="password_has_username"
            )

    def get_help_text(self) -> str:
        return _("Not the user name, nor containing it.")


class HistoryValidator:
    """Not the current password nor one of the last ``PASSWORD_HISTORY`` ones."""

    def validate(self, password: str, user: Any = None) -> None:
        if user is None or getattr(user, "pk", None) is None:
            return
        depth = seconds("PASSWORD_HISTORY")
        earlier = list(
            PasswordHistory.objects.filter(user_id=user.pk).values_list("password", flat=True)[
                : max(depth, 0)
            ]
        )
        current = User.objects.filter(pk=user.pk).values_list("password", flat=True).first()
        candidates = [h for h in (current, *earlier) if h]
        if any(hash_matches(password, encoded) for encoded in candidates):
            raise ValidationError(
                ngettext(
                    "The password may not repeat the current one or the last %(count)d.",
                    "The password may not repeat the current one or the last %(count)d.",
                    depth,
                ),
                code="password_reused",
                params={"count": depth},
            )

    def get_help_text(self) -> str:
        return _("Not one of your recent passwords.")


def is_expired(user: User) -> bool:
    """Whether the user must change their password before doing anything else.

    An administrator-set password (``must_change_password``) always must be changed. Age counts
    from ``password_changed_at``; an account that has none (made before ageing existed) is not
    treated as expired, since its age is unknown.
    """
    if user.must_change_password:
        return True
    max_days = seconds("PASSWORD_MAX_AGE_DAYS")
    if max_days <= 0 or user.password_changed_at is None:
        return False
    return clock.now() - user.password_changed_at > timedelta(days=max_days)


def remember(user: User) -> None:
    """Stamp the password as set now and keep its hash in the history (in the caller's
    transaction). Older history beyond the policy's depth is dropped: a stored hash is a
    liability once it no longer guards anything."""
    now = clock.now()
    user.password_changed_at = now
    User.objects.filter(pk=user.pk).update(password_changed_at=now)
    PasswordHistory.objects.create(user=user, password=user.password, created_at=now)
    keep = max(seconds("PASSWORD_HISTORY"), 1)
    stale = PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[keep:]
    PasswordHistory.objects.filter(pk__in=list(stale)).delete()


def check_new_password(user: User, new: str, new_again: str, *, field: str) -> None:
    if new != new_again:
        raise PasswordMismatch(field=f"{field}2")
    try:
        password_validation.validate_password(new, user)
    except ValidationError as exc:
        raise PasswordRejected(fields={f"{field}1": [str(m) for m in exc.messages]}) from exc


def change_password(user: User, old: str, new: str, new_again: str) -> None:
    """A user changes their own password (AC-05): the current one first, then the policy.

    A wrong current password counts toward lockout like a failed login (it is a guess at the
    password) and is security-logged; a refused new password writes nothing.
    """
    try:
        credentials.check_password(
            user, old, failure_kind=securitylog.LOGIN_FAILED, target="password change"
        )
    except InvalidCredentials as exc:
        raise CurrentPasswordWrong(field="old_password") from exc
    check_new_password(user, new, new_again, field="new_password")
    actor = Actor.for_user(user)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        before = locked.password_changed_at
        locked.set_password(new)
        locked.must_change_password = False
        locked.save(update_fields=["password", "must_change_password"])
        remember(locked)
        securitylog.record(securitylog.PASSWORD_CHANGED, user=locked, target="own password")
        accountaudit.record(
            actor,
            accountaudit.PASSWORD_CHANGED,
            locked,
            changes={"password_changed_at": [before, locked.password_changed_at]},
        )
        outbox.emit(
            actor,
            events.PASSWORD_CHANGED,
            aggregate_type=User._meta.label_lower,
            aggregate_id=locked.pk,
            payload={"id": locked.pk, "username": locked.username},
        )
    user.password = locked.password
    user.password_changed_at = locked.password_changed_at
    user.must_change_password = False
