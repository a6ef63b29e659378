"""The outbox relay: delivers committed outbox events to webhooks and RabbitMQ, at least once,
in order per aggregate (invariant 3). See :mod:`mederp.integration.models.relay` for the tables
and :mod:`.contract` for what every transport receives and answers."""
