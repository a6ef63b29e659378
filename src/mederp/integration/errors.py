"""Integration refusals, each with a stable code and catalogued text (invariant 7).

The owning app's refusals (``production.work_order_closed``, ``inventory.stock_not_available``
...) pass through unchanged: the MES sees the same code a person at the screen would.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from mederp.core.errors import Conflict, NotFound, ValidationFailed


class EventIdReused(Conflict):
    """Invariant 5: one event id is one event; a different body under it is a sender's bug."""

    code = "integration.event_id_reused"
    message = _(
        "Event {event_id} was already received with a different body ({event_type} on "
        "{work_order})."
    )


class UnknownWorkOrder(NotFound):
    code = "integration.unknown_work_order"
    message = _("There is no work order {work_order}.")


class UnknownComponent(ValidationFailed):
    code = "integration.unknown_component"
    message = _("No product has the GTIN or code {component}.")


class ComponentNotNamed(ValidationFailed):
    code = "integration.component_required"
    message = _("Name the component by GTIN or code, or send the scan of its label.")


class UnknownInspection(NotFound):
    code = "integration.unknown_inspection"
    message = _("No open inspection matches {inspection}.")


class InspectionNotNamed(ValidationFailed):
    code = "integration.inspection_required"
    message = _("Name the inspection by number, or by lot number, product code and stage.")


class AmbiguousInspection(ValidationFailed):
    code = "integration.ambiguous_inspection"
    message = _("Several open inspections match {inspection} ({numbers}); send the number.")
