"""Identity use cases: creating users and API clients, assigning roles (audited).

User names are never reused, even after deactivation (ES-05; 21 CFR 11.100(a)): users are
deactivated, never deleted, and a taken name stays taken.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.db import transaction

from mederp.core import audit, outbox
from mederp.core.actors import Actor
from mederp.core.services import authorize
from mederp.identity import events, passwords
from mederp.identity.errors import UnknownRole, UsernameTaken
from mederp.identity.models import User
from mederp.identity.roles import ROLES, sync_roles
from mederp.identity.tokens import issue_token


def _groups(roles: Iterable[str]) -> list[Group]:
    roles = list(roles)
    for role in roles:
        if role not in ROLES:
            raise UnknownRole(role=role)
    if Group.objects.filter(name__in=roles).count() != len(set(roles)):
        sync_roles()
    return list(Group.objects.filter(name__in=roles))


def _create_principal(
    actor: Actor,
    *,
    username: str,
    printed_name: str,
    roles: Iterable[str],
    password: str | None,
    email: str = "",
    is_api_client: bool = False,
) -> User:
    """Create a user or API client with roles; audit it and emit its event (no secrets)."""
    authorize(actor, "identity.add_user")
    if User.objects.filter(username__iexact=username).exists():
        raise UsernameTaken(value=username)
    groups = _groups(roles)
    user = User.objects.create_user(
        username=username,
        password=password,
        email=email,
        printed_name=printed_name,
        is_api_client=is_api_client,
    )
    user.groups.set(groups)
    role_names = sorted(g.name for g in groups)
    changes: dict[str, list[object]] = {
        "username": [None, username],
        "printed_name": [None, printed_name],
        "roles": [None, role_names],
    }
    if is_api_client:
        changes["api_client"] = [None, True]
    audit.record(actor, action=audit.CREATE, instance=user, changes=changes)
    outbox.emit(
        actor,
        events.USER_CREATED,
        aggregate_type=user._meta.label_lower,
        aggregate_id=user.pk,
        payload={
            "id": user.pk,
            "username": username,
            "api_client": is_api_client,
            "roles": role_names,
        },
    )
    return user


@transaction.atomic
def create_user(
    actor: Actor,
    *,
    username: str,
    printed_name: str,
    roles: Iterable[str],
    password: str,
    email: str = "",
) -> User:
    user = _create_principal(
        actor,
        username=username,
        printed_name=printed_name,
        roles=roles,
        password=password,
        email=email,
    )
    # Password ageing and history start with the first password (AC-05).
    passwords.remember(user)
    return user


@transaction.atomic
def create_api_client(
    actor: Actor,
    *,
    name: str,
    roles: Iterable[str],
    scopes: Iterable[str] | None = None,
    expires_at: dt.datetime | None = None,
) -> tuple[User, str]:
    """A non-person principal for an integrated system (MES, WMS, LIMS); returns its first key,
    limited to ``scopes`` (see ``identity.tokens``) and valid until ``expires_at``.

    API clients cannot sign electronically (ES-11): they are not people.
    """
    user = _create_principal(
        actor,
        username=f"client:{name}",
        printed_name=name,
        roles=roles,
        password=None,
        is_api_client=True,
    )
    return user, issue_token(
        actor, user, name=f"{name} token", scopes=scopes, expires_at=expires_at
    )
