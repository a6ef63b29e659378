"""The compliance kernel: audit trail, outbox, idempotency, errors, clock, actors.

Depends on no other MedERP app; every other app depends on it.
"""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "mederp.core"
    label = "core"
    verbose_name = "MedERP core"

    def ready(self) -> None:
        from mederp.core import lookups

        lookups.register()
