"""Reviews for QA and auditors: the role matrix (AC-02) and account recertification (AC-05)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from mederp.core import clock
from mederp.core.viewperms import requires
from mederp.identity import admin_selectors
from mederp.identity.admin_views.common import csv_download, iso
from mederp.identity.roles import role_label


@requires("auth.view_group")
def role_matrix(request: HttpRequest) -> HttpResponse:
    roles = admin_selectors.matrix_roles()
    return render(
        request,
        "identity/admin/role_matrix.html",
        {
            "roles": [(r, role_label(r)) for r in roles],
            "rows": admin_selectors.role_matrix(),
        },
    )


@requires("auth.view_group")
def role_matrix_export(request: HttpRequest) -> StreamingHttpResponse:
    roles = admin_selectors.matrix_roles()
    rows = (
        [row.permission, row.name, *("x" if held else "" for held in row.granted)]
        for row in admin_selectors.role_matrix()
    )
    return csv_download(
        request, report="role-matrix", header=["permission", "name", *roles], rows=rows
    )


RECERT_COLUMNS = (
    "username",
    "printed_name",
    "email",
    "roles",
    "active",
    "locked",
    "mfa_enrolled",
    "last_login",
    "password_changed_at",
    "password_age_days",
    "identity_verified_at",
    "identity_verified_by",
    "identity_document",
    "date_joined",
)


def _recert_values(row: dict[str, Any]) -> list[Any]:
    u = row["user"]
    return [
        u.username,
        u.printed_name,
        u.email,
        " ".join(row["roles"]),
        "yes" if u.is_active else "no",
        "yes" if row["locked"] else "no",
        "yes" if row["mfa_enrolled"] else "no",
        iso(u.last_login),
        iso(u.password_changed_at),
        "" if row["password_age_days"] is None else row["password_age_days"],
        iso(u.identity_verified_at),
        u.identity_verified_by.username if u.identity_verified_by else "",
        u.identity_document,
        iso(u.date_joined),
    ]


@requires("identity.view_user")
def recertification(request: HttpRequest) -> HttpResponse:
    """Every account with its roles and last sign-in, for the periodic review (AC-05)."""
    return render(
        request,
        "identity/admin/recertification.html",
        {"rows": admin_selectors.user_rows(), "generated_at": clock.now()},
    )


@requires("identity.view_user")
def recertification_export(request: HttpRequest) -> StreamingHttpResponse:
    rows = (_recert_values(r) for r in admin_selectors.user_rows())
    return csv_download(request, report="recertification", header=RECERT_COLUMNS, rows=rows)
