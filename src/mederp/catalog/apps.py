"""Catalog master data. Uses: core."""

from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "mederp.catalog"
    label = "catalog"
    verbose_name = "Catalog"
