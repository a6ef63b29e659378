"""Inventory master data. Uses: core."""

from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "mederp.inventory"
    label = "inventory"
    verbose_name = "Inventory"
