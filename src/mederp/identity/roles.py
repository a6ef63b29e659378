"""Roles are Django groups with permissions (invariant 9: deny by default, least privilege).

A role grants permission patterns: ``"catalog.view_*"`` is every view permission of the catalog
app, ``"catalog.*"`` every permission of it. :func:`sync_roles` makes the groups match this table
exactly, so a permission added by hand in the admin does not survive the next migrate.
"""

from __future__ import annotations

import fnmatch
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.utils.translation import gettext_lazy as _

MASTER_DATA_APPS = ("catalog", "partners", "inventory")
VIEW_MASTER_DATA = tuple(f"{app}.view_*" for app in MASTER_DATA_APPS)

ROLES: dict[str, dict[str, Any]] = {
    "administrator": {"label": _("Administrator"), "perms": ("*",)},
    "qa_manager": {
        "label": _("QA manager"),
        "perms": (*VIEW_MASTER_DATA, "catalog.*", "partners.*", "core.view_*", "core.export_*"),
    },
    "qc_inspector": {"label": _("QC inspector"), "perms": VIEW_MASTER_DATA},
    "warehouse": {
        "label": _("Warehouse"),
        "perms": (*VIEW_MASTER_DATA, "inventory.add_*", "inventory.change_*"),
    },
    "purchasing": {
        "label": _("Purchasing"),
        "perms": (*VIEW_MASTER_DATA, "partners.add_*", "partners.change_*"),
    },
    "sales": {
        "label": _("Sales"),
        "perms": (*VIEW_MASTER_DATA, "partners.add_*", "partners.change_*"),
    },
    "production": {"label": _("Production"), "perms": VIEW_MASTER_DATA},
    "auditor": {
        "label": _("Auditor (read-only)"),
        "perms": (*VIEW_MASTER_DATA, "core.view_*", "core.export_*"),
    },
}


def _matches(perm: Permission, patterns: tuple[str, ...]) -> bool:
    full = f"{perm.content_type.app_label}.{perm.codename}"
    return any(fnmatch.fnmatchcase(full, p) if "." in p else p == "*" for p in patterns)


def sync_roles() -> None:
    all_perms = list(
        Permission.objects.select_related("content_type").filter(
            content_type__app_label__in=(*MASTER_DATA_APPS, "core", "identity", "auth")
        )
    )
    for name, spec in ROLES.items():
        group, _created = Group.objects.get_or_create(name=name)
        wanted = [p for p in all_perms if _matches(p, spec["perms"])]
        group.permissions.set(wanted)


def sync_roles_after_migrate(**kwargs: Any) -> None:
    sync_roles()


def role_label(name: str) -> str:
    spec = ROLES.get(name)
    return str(spec["label"]) if spec else name
