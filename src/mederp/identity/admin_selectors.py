"""Read queries for administrators and reviewers: users, the role matrix, the security log.

AC-02 (a permission matrix exported for review), AC-05 (periodic account recertification:
users, roles, last login), AT-12 (the security log, searchable).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db.models import Exists, OuterRef, QuerySet

from mederp.core import clock
from mederp.identity.models import SecurityEvent, TotpDevice, User
from mederp.identity.roles import ROLES, role_label

MATRIX_APPS = ("catalog", "partners", "inventory", "core", "identity", "auth")


@dataclass(frozen=True)
class SecurityFilter:
    kind: str = ""
    user: str = ""
    client_ip: str = ""
    since: dt.datetime | None = None
    until: dt.datetime | None = None


def security_events(f: SecurityFilter) -> QuerySet[SecurityEvent]:
    qs = SecurityEvent.objects.all()
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.user:
        qs = qs.filter(username__icontains=f.user)
    if f.client_ip:
        qs = qs.filter(client_ip=f.client_ip)
    if f.since:
        qs = qs.filter(occurred_at__gte=f.since)
    if f.until:
        qs = qs.filter(occurred_at__lt=f.until)
    return qs.order_by("-id")


def security_kinds() -> list[str]:
    return list(SecurityEvent.objects.values_list("kind", flat=True).distinct().order_by("kind"))


def people() -> QuerySet[User]:
    """Every person's account (API clients have their own page), with what the list shows."""
    enrolled = TotpDevice.objects.filter(user=OuterRef("pk"), confirmed_at__isnull=False)
    return (
        User.objects.filter(is_api_client=False)
        .annotate(mfa_enrolled=Exists(enrolled))
        .select_related("identity_verified_by")
        .prefetch_related("groups")
        .order_by("username")
    )


def password_age_days(user: User, now: dt.datetime | None = None) -> int | None:
    if user.password_changed_at is None:
        return None
    return ((now or clock.now()) - user.password_changed_at).days


def is_locked(user: User, now: dt.datetime | None = None) -> bool:
    return user.locked_until is not None and user.locked_until > (now or clock.now())


def user_row(user: Any, now: dt.datetime) -> dict[str, Any]:
    roles = sorted(g.name for g in user.groups.all())
    return {
        "user": user,
        "roles": roles,
        "role_labels": [role_label(r) for r in roles],
        "locked": is_locked(user, now),
        "mfa_enrolled": bool(getattr(user, "mfa_enrolled", False)),
        "password_age_days": password_age_days(user, now),
    }


def user_rows(qs: QuerySet[User] | None = None) -> list[dict[str, Any]]:
    now = clock.now()
    return [user_row(u, now) for u in (people() if qs is None else qs)]


@dataclass(frozen=True)
class MatrixRow:
    permission: str  # "catalog.view_product"
    name: str
    granted: tuple[bool, ...]  # one per role, in ``matrix_roles()`` order


def matrix_roles() -> list[str]:
    return list(ROLES)


def role_matrix() -> list[MatrixRow]:
    """Every permission of the business apps against every role, as the database holds it
    (what is enforced, not what roles.py intends; sync_roles keeps the two equal)."""
    roles = matrix_roles()
    held: dict[str, set[int]] = {r: set() for r in roles}
    for group in Group.objects.filter(name__in=roles).prefetch_related("permissions"):
        held[group.name] = {p.pk for p in group.permissions.all()}
    perms = (
        Permission.objects.select_related("content_type")
        .filter(content_type__app_label__in=MATRIX_APPS)
        .order_by("content_type__app_label", "content_type__model", "codename")
    )
    return [
        MatrixRow(
            permission=f"{p.content_type.app_label}.{p.codename}",
            name=str(p.name),
            granted=tuple(p.pk in held[r] for r in roles),
        )
        for p in perms
    ]
