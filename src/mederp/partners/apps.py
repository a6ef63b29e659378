"""Partners master data. Uses: core."""

from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "mederp.partners"
    label = "partners"
    verbose_name = "Partners"

    def ready(self) -> None:
        from mederp.partners import approval

        # The 首营企业 signing policy and workflow: code, registered once (AT-13).
        approval.register()
