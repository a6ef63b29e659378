"""Integration use cases: inbound events handed to the owning app's services, and the
outbound relay's subscriptions and dead-letter replays. Import from here."""

from mederp.integration.services.deadletters import request_replay
from mederp.integration.services.inbound import Received
from mederp.integration.services.lims import receive_lims_result
from mederp.integration.services.mes import receive_mes_event
from mederp.integration.services.subscriptions import (
    WithSecret,
    create_subscription,
    rotate_secret,
    set_active,
    update_subscription,
)
from mederp.integration.services.wms import receive_wms_event

__all__ = [
    "Received",
    "WithSecret",
    "create_subscription",
    "receive_lims_result",
    "receive_mes_event",
    "receive_wms_event",
    "request_replay",
    "rotate_secret",
    "set_active",
    "update_subscription",
]
