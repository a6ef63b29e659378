"""Identity use cases: creating users and API clients, assigning roles (audited).

User names are never reused, even after deactivation (ES-05; 21 CFR 11.100(a)): users are
deactivated, never deleted, and a taken name stays taken.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.db import transaction

from mederp.core import audit
from mederp.core.actors import Actor
from mederp.core.services import authorize
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
    authorize(actor, "identity.add_user")
    if User.objects.filter(username__iexact=username).exists():
        raise UsernameTaken(value=username)
    groups = _groups(roles)
    user = User.objects.create_user(
        username=username, password=password, email=email, printed_name=printed_name
    )
    user.groups.set(groups)
    audit.record(
        actor,
        action=audit.CREATE,
        instance=user,
        changes={
            "username": [None, username],
            "printed_name": [None, printed_name],
            "roles": [None, sorted(g.name for g in groups)],
        },
    )
    return user


@transaction.atomic
def create_api_client(actor: Actor, *, name: str, roles: Iterable[str]) -> tuple[User, str]:
    """A non-person principal for an integrated system (MES, WMS, LIMS); returns its token.

    API clients cannot sign electronically (ES-11): they are not people.
    """
    authorize(actor, "identity.add_user")
    username = f"client:{name}"
    if User.objects.filter(username__iexact=username).exists():
        raise UsernameTaken(value=username)
    groups = _groups(roles)
    user = User.objects.create_user(
        username=username, password=None, printed_name=name, is_api_client=True
    )
    user.groups.set(groups)
    audit.record(
        actor,
        action=audit.CREATE,
        instance=user,
        changes={
            "username": [None, username],
            "api_client": [None, True],
            "roles": [None, sorted(g.name for g in groups)],
        },
    )
    return user, issue_token(actor, user, name=f"{name} token")
