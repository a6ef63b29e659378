"""Roles are Django groups with permissions (invariant 9: deny by default, least privilege).

A role grants permission patterns: ``"catalog.view_*"`` is every view permission of the catalog
app, ``"catalog.*"`` every permission of it. :func:`sync_roles` makes the groups match this table
exactly, so a permission added by hand in the admin does not survive the next migrate.
"""

from __future__ import annotations

import fnmatch
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from mederp.core import audit
from mederp.core.actors import Actor

MASTER_DATA_APPS = ("catalog", "partners", "inventory")
VIEW_MASTER_DATA = tuple(f"{app}.view_*" for app in MASTER_DATA_APPS)
# The trading apps: documents (orders, receipts), not master data.
TRADE_APPS = ("procurement", "sales")
# Manufacturing and the apps built on the records of all the others.
PRODUCTION_APPS = ("production", "compliance", "integration")
# The quality system (mederp.quality.*): one Django app per part.
QUALITY_APPS = (
    "inspections",
    "disposition",
    "nonconformance",
    "capa",
    "complaints",
    "supplier_quality",
)
VIEW_QUALITY = tuple(f"{app}.view_*" for app in QUALITY_APPS)
# The outbound relay's subscriptions, delivery log and dead letters, read-only (issue 7).
VIEW_RELAY = (
    "integration.view_subscription",
    "integration.view_deliveryattempt",
    "integration.view_deadletter",
)

ROLES: dict[str, dict[str, Any]] = {
    "administrator": {"label": _("Administrator"), "perms": ("*",)},
    "qa_manager": {
        "label": _("QA manager"),
        "perms": (
            *VIEW_MASTER_DATA,
            "catalog.*",
            "partners.*",
            "core.view_*",
            "core.export_*",
            # QA's stock decisions (TR-04): release/reject by signature, hold, recall, release
            # held stock, approve count differences, close excursions, correct by reversal.
            "inventory.release_lot",
            "inventory.hold_lot",
            "inventory.recall_lot",
            "inventory.add_stockhold",
            "inventory.release_stockhold",
            "inventory.approve_cyclecount",
            "inventory.close_excursion",
            "inventory.reverse_move",
            # Purchase orders pass QA's signature: the GSP gates are QA's to judge.
            "procurement.view_*",
            "procurement.approve_purchaseorder",
            # 出库复核 may be QA's second pair of eyes; distribution records serve recalls.
            "sales.view_*",
            "sales.review_salesorder",
            # BOM versions are approved by QA's signature; production records are QA's to
            # review (DHR), and final release of finished lots goes through inventory.release_lot.
            "production.view_*",
            "production.close_workorder",
            "production.record_check",
            # Traceability and recalls (RC-01..RC-07): QA opens, tracks and closes recalls.
            "compliance.*",
            # The quality system is QA's: plans, inspections, deviations, NCRs, CAPAs,
            # complaints and adverse events, supplier evaluation (ISO 13485 §8).
            *(f"{app}.*" for app in QUALITY_APPS),
            # Where events went: the delivery log and dead letters (the administrator replays).
            *VIEW_RELAY,
        ),
    },
    "qc_inspector": {
        "label": _("QC inspector"),
        # 验收: receiving inspection records the receipt and its acceptance result.
        # QC: records inspection results (incoming, in-process, final) and raises NCRs.
        "perms": (
            *VIEW_MASTER_DATA,
            "procurement.view_*",
            "procurement.add_receipt",
            "production.view_*",
            *VIEW_QUALITY,
            "inspections.record_result",
            "nonconformance.add_nonconformance",
        ),
    },
    "warehouse": {
        "label": _("Warehouse"),
        "perms": (
            *VIEW_MASTER_DATA,
            "inventory.add_*",
            "inventory.change_*",
            "procurement.view_*",
            "procurement.add_receipt",
            # Fulfilment: allocate, pick by scan, ship; returns.
            "sales.view_*",
            "sales.allocate_salesorder",
            "sales.pick_salesorder",
            "sales.ship_salesorder",
            "sales.add_salesreturn",
            # Dispositions of nonconforming stock are carried out in the warehouse.
            "nonconformance.view_*",
            # CAPA actions are owned by whoever must act; owners complete their own.
            "capa.view_*",
        ),
    },
    "outbound_reviewer": {
        # 出库复核: the second person who checks picked goods against the order and signs.
        # A role of its own because signing needs MFA (AC-04); a warehouse clerk holds it
        # beside "warehouse" once trained, and never reviews an order they picked.
        "label": _("Outbound reviewer (出库复核)"),
        "perms": (*VIEW_MASTER_DATA, "sales.view_*", "sales.review_salesorder"),
    },
    "purchasing": {
        "label": _("Purchasing"),
        "perms": (
            *VIEW_MASTER_DATA,
            "partners.add_*",
            "partners.change_*",
            "procurement.view_*",
            "procurement.add_purchaseorder",
            "procurement.change_purchaseorder",
            # Buyers see the supplier scorecards and the NCRs against their suppliers.
            "supplier_quality.view_*",
            "nonconformance.view_*",
            "capa.view_*",
        ),
    },
    "sales": {
        "label": _("Sales"),
        "perms": (
            *VIEW_MASTER_DATA,
            "partners.add_*",
            "partners.change_*",
            "sales.view_*",
            "sales.add_salesorder",
            "sales.change_salesorder",
            "sales.confirm_salesorder",
            "sales.cancel_salesorder",
            # Customer service takes complaints (QE-02, QE-08); QA assesses them.
            "complaints.view_*",
            "complaints.add_complaint",
        ),
    },
    "production_planner": {
        "label": _("Production planner"),
        # Drafts BOM versions (QA approves them) and plans and releases work orders.
        "perms": (
            *VIEW_MASTER_DATA,
            "catalog.add_billofmaterials",
            "catalog.change_billofmaterials",
            "catalog.add_bomcomponent",
            "catalog.change_bomcomponent",
            "catalog.delete_bomcomponent",
            "production.view_*",
            "production.add_workorder",
            "production.change_workorder",
            "production.release_workorder",
            "compliance.view_*",
            "capa.view_*",
        ),
    },
    "production": {
        "label": _("Production"),
        # Shop-floor operators: issue material, report output, scrap, rework and checks.
        "perms": (
            *VIEW_MASTER_DATA,
            "production.view_*",
            "production.issue_material",
            "production.report_output",
            "production.record_check",
            "production.change_workorder",
            # In-process inspections are recorded on the line; an NCR may be raised there.
            "inspections.view_*",
            "inspections.record_result",
            "nonconformance.view_*",
            "nonconformance.add_nonconformance",
            "capa.view_*",
        ),
    },
    "mes_client": {
        "label": _("MES (shop-floor system)"),
        # For API clients, never people: the MES posts shop-floor events
        # (/api/v1/integration/mes/events) that the production services record as an
        # operator's would be; its keys need the scope integration:write.
        "perms": (
            *VIEW_MASTER_DATA,
            "production.view_workorder",
            "production.issue_material",
            "production.report_output",
            "production.record_check",
            "integration.post_mes_event",
        ),
    },
    "lims_client": {
        "label": _("LIMS (laboratory system)"),
        # For API clients, never people: the LIMS posts test results
        # (/api/v1/integration/lims/results) into the inspections they belong to.
        "perms": (
            *VIEW_MASTER_DATA,
            "inspections.view_inspection",
            "inspections.record_result",
            # A failed result opens an NCR in the LIMS's own name (ISO 13485 §8.3).
            "nonconformance.add_nonconformance",
            "integration.post_lims_result",
        ),
    },
    "wms_client": {
        "label": _("WMS (warehouse system)"),
        # For API clients, never people: the WMS posts warehouse events
        # (/api/v1/integration/wms/events): transfers, picks confirmed by scan and blind
        # counts; the count's differences wait for a person's signature.
        "perms": (
            *VIEW_MASTER_DATA,
            "inventory.add_move",
            "inventory.add_cyclecount",
            "inventory.change_cyclecount",
            "sales.view_salesorder",
            "sales.pick_salesorder",
            "integration.post_wms_event",
        ),
    },
    "auditor": {
        "label": _("Auditor (read-only)"),
        "perms": (
            *VIEW_MASTER_DATA,
            "procurement.view_*",
            "sales.view_*",
            "production.view_*",
            "compliance.view_*",
            *VIEW_QUALITY,
            "core.view_*",
            "core.export_*",
            *VIEW_RELAY,
        ),
    },
}


def _matches(perm: Permission, patterns: tuple[str, ...]) -> bool:
    full = f"{perm.content_type.app_label}.{perm.codename}"
    return any(fnmatch.fnmatchcase(full, p) if "." in p else p == "*" for p in patterns)


def _full_name(perm: Permission) -> str:
    return f"{perm.content_type.app_label}.{perm.codename}"


def sync_roles() -> None:
    """Make every role's group hold exactly the permissions its patterns match.

    AT-13 (21 CFR 11.10(k)(2)): the role matrix is configuration, so each actual change to a
    group's permissions is audited (system actor, old and new permission lists). A fresh
    installation, where no role exists yet, starts from this table in git and is not audited
    as a change; neither is a run that changes nothing.
    """
    all_perms = list(
        Permission.objects.select_related("content_type").filter(
            content_type__app_label__in=(
                *MASTER_DATA_APPS,
                *TRADE_APPS,
                *PRODUCTION_APPS,
                *QUALITY_APPS,
                "core",
                "identity",
                "auth",
            )
        )
    )
    existing = {
        g.name: g
        for g in Group.objects.filter(name__in=ROLES).prefetch_related("permissions__content_type")
    }
    baseline = not existing
    actor = Actor.system("identity.sync_roles")
    with transaction.atomic():
        for name, spec in ROLES.items():
            wanted = [p for p in all_perms if _matches(p, spec["perms"])]
            wanted_names = sorted(_full_name(p) for p in wanted)
            group = existing.get(name)
            before = None if group is None else sorted(map(_full_name, group.permissions.all()))
            if before == wanted_names:
                continue
            if group is None:
                group = Group.objects.create(name=name)
            group.permissions.set(wanted)
            if baseline:
                continue
            audit.record(
                actor,
                action=audit.CREATE if before is None else audit.UPDATE,
                record_type="auth.group",
                record_id=group.pk,
                label=f"role {name}",
                changes={"permissions": [before, wanted_names]},
                reason="role matrix synchronised with identity/roles.py",
            )


def sync_roles_after_migrate(**kwargs: Any) -> None:
    """Once per migrate, after the last app's permissions exist: post_migrate is sent app by
    app, and a sync part-way through would see (and audit) a half-built permission table."""
    from django.apps import apps

    with_models = [a for a in apps.get_app_configs() if a.models_module is not None]
    if with_models and kwargs.get("app_config") is not with_models[-1]:
        return
    sync_roles()


def role_label(name: str) -> str:
    spec = ROLES.get(name)
    return str(spec["label"]) if spec else name
