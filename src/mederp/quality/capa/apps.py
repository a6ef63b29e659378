"""CAPA (ISO 13485 §8.5.2, §8.5.3; QE-07). Uses core (audit, outbox, numbering, signatures,
workflow) and identity's users; reads the NCRs, complaints (quality) and recalls (compliance) it
links to by kind and id, through the app registry."""

from django.apps import AppConfig


class CapaConfig(AppConfig):
    name = "mederp.quality.capa"
    label = "capa"
    verbose_name = "CAPA"

    def ready(self) -> None:
        from mederp.quality.capa import lifecycle

        # The CAPA's workflow, its closing signature and the closing guard (AT-13).
        lifecycle.register()
