"""The integration pages (the outbound relay): subscriptions and status
(:mod:`.subscriptions`), dead letters and their replay (:mod:`.deadletters`)."""

from mederp.integration.views.deadletters import deadletter_list, deadletter_replay
from mederp.integration.views.subscriptions import (
    relay_status,
    subscription_create,
    subscription_detail,
    subscription_edit,
    subscription_list,
    subscription_pause,
    subscription_resume,
    subscription_rotate,
)

__all__ = [
    "deadletter_list",
    "deadletter_replay",
    "relay_status",
    "subscription_create",
    "subscription_detail",
    "subscription_edit",
    "subscription_list",
    "subscription_pause",
    "subscription_resume",
    "subscription_rotate",
]
