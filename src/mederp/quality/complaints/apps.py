"""Complaints and adverse events. Uses: core (audit, outbox, signatures, workflow, numbering),
identity (users), catalog (products, UDI parsing), partners (customers), inventory (lots,
serials), compliance (recalls, linked), and the quality parts nonconformance (``open_ncr``) and
capa (``open_capa``), imported lazily where a complaint opens one."""

from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "mederp.quality.complaints"
    label = "complaints"
    verbose_name = "Complaints"

    def ready(self) -> None:
        from mederp.quality.complaints import closure

        # The complaint workflow and its closing signature's policy: code, registered once.
        closure.register()
