"""UI shell: base layout, navigation, dashboard, health. Uses: core, identity, master-data apps."""

from django.apps import AppConfig


class UiConfig(AppConfig):
    name = "mederp.ui"
    label = "ui"
    verbose_name = "UI"
