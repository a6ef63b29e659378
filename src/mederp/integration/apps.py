"""Integration: inbound shop-floor and lab events (MES, later LIMS/WMS), deduplicated by event
id, each handled by the owning app's services; later the outbox relays."""

from django.apps import AppConfig


class IntegrationConfig(AppConfig):
    name = "mederp.integration"
    label = "integration"
    verbose_name = "Integration"
