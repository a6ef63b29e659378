"""The navigation bar: business areas, each shown only to users who may view it."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    permission: str


@dataclass(frozen=True)
class NavArea:
    label: str | Promise
    items: tuple[NavItem, ...]


AREAS: tuple[NavArea, ...] = (
    NavArea(
        _("Catalog"),
        (
            NavItem(_("Products"), "catalog:product_list", "catalog.view_product"),
            NavItem(_("Units of measure"), "catalog:uom_list", "catalog.view_unitofmeasure"),
            NavItem(_("Bills of materials"), "catalog:bom_list", "catalog.view_billofmaterials"),
        ),
    ),
    NavArea(
        _("Partners"),
        (NavItem(_("Suppliers & customers"), "partners:partner_list", "partners.view_partner"),),
    ),
    NavArea(
        _("Procurement"),
        (
            NavItem(
                _("Purchase orders"), "procurement:order_list", "procurement.view_purchaseorder"
            ),
            NavItem(_("Receipts"), "procurement:receipt_list", "procurement.view_receipt"),
        ),
    ),
    NavArea(
        _("Sales"),
        (
            NavItem(_("Sales orders"), "sales:order_list", "sales.view_salesorder"),
            NavItem(
                _("Distribution records"), "sales:record_list", "sales.view_distributionrecord"
            ),
            NavItem(_("Returns"), "sales:return_list", "sales.view_salesreturn"),
        ),
    ),
    NavArea(
        _("Production"),
        (NavItem(_("Work orders"), "production:workorder_list", "production.view_workorder"),),
    ),
    NavArea(
        _("Warehouse"),
        (
            NavItem(
                _("Warehouses & locations"), "inventory:warehouse_list", "inventory.view_warehouse"
            ),
            NavItem(_("Stock on hand"), "inventory:stock_list", "inventory.view_balance"),
            NavItem(_("Cycle counts"), "inventory:count_list", "inventory.view_cyclecount"),
            NavItem(_("Near-expiry report"), "inventory:near_expiry", "inventory.view_lot"),
            NavItem(
                _("Cold chain"), "inventory:coldchain_overview", "inventory.view_temperaturereading"
            ),
            NavItem(_("Excursions"), "inventory:excursion_list", "inventory.view_excursion"),
            NavItem(_("Stock holds"), "inventory:hold_list", "inventory.view_stockhold"),
        ),
    ),
    NavArea(
        _("Compliance"),
        (
            NavItem(_("Audit trail"), "core:audit_list", "core.view_auditentry"),
            NavItem(_("Events (outbox)"), "core:outbox_list", "core.view_outboxevent"),
            NavItem(_("Workflows & signing rules"), "core:workflow_list", "core.view_signature"),
            NavItem(_("Traceability"), "compliance:trace", "sales.view_distributionrecord"),
            NavItem(_("Recalls"), "compliance:recall_list", "compliance.view_recall"),
        ),
    ),
    NavArea(
        _("Quality"),
        (
            NavItem(
                _("Quality dashboard"),
                "quality_dashboard:dashboard",
                "nonconformance.view_nonconformance",
            ),
            NavItem(_("Inspections"), "inspections:inspection_list", "inspections.view_inspection"),
            NavItem(
                _("Inspection plans"), "inspections:plan_list", "inspections.view_inspectionplan"
            ),
            NavItem(
                _("Deviations and lot disposition"),
                "disposition:deviation_list",
                "disposition.view_deviation",
            ),
            NavItem(
                _("Nonconformance (NCR)"),
                "nonconformance:ncr_list",
                "nonconformance.view_nonconformance",
            ),
            NavItem(_("CAPA"), "capa:capa_list", "capa.view_capa"),
            NavItem(_("Complaints"), "complaints:complaint_list", "complaints.view_complaint"),
            NavItem(_("Reporting deadlines"), "complaints:deadlines", "complaints.view_complaint"),
            NavItem(
                _("Supplier evaluation"),
                "supplier_quality:scorecard_list",
                "supplier_quality.view_supplierevaluation",
            ),
        ),
    ),
    NavArea(
        _("Integration"),
        (
            NavItem(
                _("Event subscriptions"),
                "integration:subscription_list",
                "integration.view_subscription",
            ),
            NavItem(
                _("Dead letters"), "integration:deadletter_list", "integration.view_deadletter"
            ),
            NavItem(_("Relay status"), "integration:relay_status", "integration.view_subscription"),
        ),
    ),
    NavArea(
        _("Administration"),
        (
            NavItem(_("Users"), "identity:user_list", "identity.view_user"),
            NavItem(_("API clients"), "identity:apiclient_list", "identity.view_apitoken"),
            NavItem(_("Role matrix"), "identity:role_matrix", "auth.view_group"),
            NavItem(_("Recertification"), "identity:recertification", "identity.view_user"),
            NavItem(
                _("Security events"), "identity:security_events", "identity.view_securityevent"
            ),
        ),
    ),
)
