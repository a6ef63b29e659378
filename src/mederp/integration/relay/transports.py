"""The transports a relay keeps open: one per subscription, by its kind."""

from __future__ import annotations

import logging
from collections.abc import Callable

from mederp.integration.models import Subscription, SubscriptionKind
from mederp.integration.relay.contract import Transport
from mederp.integration.relay.webhook import WebhookTransport

log = logging.getLogger("mederp.integration.relay")

TransportFactory = Callable[[Subscription], Transport]


def default_transport(subscription: Subscription) -> Transport:
    """The transport for a subscription's kind (RabbitMQ's imported only when needed)."""
    if subscription.kind == SubscriptionKind.WEBHOOK:
        return WebhookTransport(subscription)
    if subscription.kind == SubscriptionKind.AMQP:
        from mederp.integration.relay.amqp import AmqpTransport

        return AmqpTransport(subscription)
    raise ValueError(f"unknown subscription kind {subscription.kind!r}")


class Transports:
    """One open transport per subscription, kept across turns; reopened when the subscription
    changed (its ``version``) or the transport failed unexpectedly."""

    def __init__(self, factory: TransportFactory) -> None:
        self._factory = factory
        self._open: dict[int, tuple[int, Transport]] = {}

    def get(self, sub: Subscription) -> Transport:
        held = self._open.get(sub.pk)
        if held is not None and held[0] == sub.version:
            return held[1]
        if held is not None:
            self.drop(sub.pk)
        transport = self._factory(sub)
        self._open[sub.pk] = (sub.version, transport)
        return transport

    def drop(self, sub_id: int) -> None:
        held = self._open.pop(sub_id, None)
        if held is not None:
            try:
                held[1].close()
            except Exception:  # closing a broken transport must not stop the relay
                log.warning("closing the transport of subscription %s failed", sub_id)

    def close_all(self) -> None:
        for sub_id in list(self._open):
            self.drop(sub_id)
