"""The plant's outbound integration (issue 7; docs/relay.md), set up by the administrator and
left paused, because no finance ERP or broker consumer runs on a newcomer's laptop:

- ``erp-finance``: a webhook for the sales and lot events a finance ERP would book, from the
  beginning of the outbox, so resuming it (with a receiver at the URL and ``mederp relay``
  running) delivers the plant's whole history in order;
- ``mes-broker``: the RabbitMQ topic exchange ``mederp.events`` on the local broker, for the
  production and inventory events an MES listens to.

The Integration › Subscriptions page then shows each one's owed events and lag. Each is created
once, looked up by name first.
"""

from __future__ import annotations

from collections.abc import Callable

from mederp.integration import services as integration
from mederp.integration.models import Subscription
from mederp.ui.demo.story import Plant, actor

WEBHOOK = "erp-finance"
BROKER = "mes-broker"
PAUSED = "Demo: no receiver runs on this machine; resume once one listens."


def subscriptions_paused(p: Plant) -> None:
    admin = actor("admin")
    wanted = (
        (WEBHOOK, "webhook", "http://127.0.0.1:9000/mederp/events",
         ["sales.*", "inventory.lot.*"]),
        (BROKER, "amqp", "amqp://guest:guest@127.0.0.1:5672/%2F",
         ["production.*", "inventory.*"]),
    )  # fmt: skip
    for name, kind, url, patterns in wanted:
        if Subscription.objects.filter(name=name).exists():
            continue
        made = integration.create_subscription(
            admin, name=name, kind=kind, url=url, event_types=patterns, start="beginning"
        )
        integration.set_active(admin, made.subscription.pk, active=False, reason=PAUSED)


CHAPTERS: tuple[Callable[[Plant], None], ...] = (subscriptions_paused,)
