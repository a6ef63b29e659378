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


class ResultOutOfOrder(Conflict):
    """A result measured before the one that counts now would replace it if recorded after it:
    the later measurement stands, the earlier one is refused (nothing written)."""

    code = "integration.result_out_of_order"
    message = _(
        "Result {result_id} was measured at {occurred_at}, before result {recorded} of "
        "{characteristic} on {inspection} ({recorded_at}), which is already recorded; an "
        "earlier measurement does not replace a later one."
    )


class UnknownProduct(ValidationFailed):
    code = "integration.unknown_product"
    message = _("No product has the GTIN or code {product}.")


class UnknownLot(ValidationFailed):
    code = "integration.unknown_lot"
    message = _("Product {product} has no {what} {number}.")


class UnknownLocation(NotFound):
    code = "integration.unknown_location"
    message = _("Warehouse {warehouse} has no location {location}.")


class UnknownSalesOrder(NotFound):
    code = "integration.unknown_sales_order"
    message = _("There is no sales order {order}.")


class ScanOrItemRequired(ValidationFailed):
    code = "integration.scan_required"
    message = _("Send the label's scan, or the GTIN with its lot or serial number.")


class CountOutdated(Conflict):
    """A count is compared with the books at the moment it arrives: stock moved at the
    location after the count was taken would show as a false difference."""

    code = "integration.count_outdated"
    message = _(
        "The count of {location} was taken at {occurred_at}, but stock moved there since "
        "({moved_at}); count the location again."
    )


class SubscriptionNotFound(NotFound):
    code = "integration.subscription_not_found"
    message = _("There is no event subscription {subscription}.")


class SubscriptionNameTaken(Conflict):
    code = "integration.subscription_name_taken"
    message = _("An event subscription named {name} already exists.")


class SubscriptionInvalid(ValidationFailed):
    """A field of a subscription that cannot work (details name the field)."""

    code = "integration.subscription_invalid"
    message = _("{label}: {problem}")


class SubscriptionUrlInvalid(ValidationFailed):
    code = "integration.subscription_url_invalid"
    message = _("{url} is not a usable {kind} address: {problem}")


class SubscriptionUrlInsecure(ValidationFailed):
    """Webhook bodies carry regulated data: plain http only to this machine, or when allowed."""

    code = "integration.subscription_url_insecure"
    message = _(
        "{url} is plain http: webhooks must use https, except to this machine (localhost) or "
        "where the administrator allowed http (MEDERP_RELAY_ALLOW_HTTP)."
    )


class EventPatternsInvalid(ValidationFailed):
    code = "integration.subscription_patterns_invalid"
    message = _(
        "Event types must be one or more dotted names such as sales.order.shipped, where * "
        "stands for any characters (sales.*); not valid: {patterns}"
    )


class SubscriptionStateUnchanged(Conflict):
    code = "integration.subscription_state_unchanged"
    message = _("The subscription {subscription} is already {state}.")


class SecretRotationWebhookOnly(ValidationFailed):
    code = "integration.secret_rotation_webhook_only"
    message = _(
        "Only a webhook has a signing secret to rotate; {subscription} delivers to RabbitMQ "
        "(change its broker password in its URL)."
    )


class DeadLetterNotFound(NotFound):
    code = "integration.dead_letter_not_found"
    message = _("There is no dead letter {ids}.")


class DeadLetterNotDead(Conflict):
    code = "integration.dead_letter_not_dead"
    message = _("Dead letter {id} cannot be replayed: it is {state}, not dead.")


class ReplayTargetRequired(ValidationFailed):
    code = "integration.replay_target_required"
    message = _("Name the dead letters to replay, or a subscription to replay all of its own.")


class NothingToReplay(Conflict):
    code = "integration.nothing_to_replay"
    message = _("The subscription {subscription} has no dead letters waiting for a replay.")
