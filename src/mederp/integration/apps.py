"""Integration: inbound events from the MES, LIMS and WMS, deduplicated by event id, each handled
by the owning app's services (production, quality.inspections, inventory, sales; catalog for
names), and the outbox relay to webhooks and RabbitMQ."""

from django.apps import AppConfig


class IntegrationConfig(AppConfig):
    name = "mederp.integration"
    label = "integration"
    verbose_name = "Integration"
