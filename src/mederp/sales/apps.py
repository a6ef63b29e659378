"""Sales: orders, FEFO allocation, picking by scan, outbound review, shipment with its
distribution records, returns. Uses: core, identity (users as pickers and reviewers), catalog
(products, UDI-DI, registrations, scanning), partners (customers and their licences),
inventory (the ledger: reservations, moves, FEFO availability)."""

from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "mederp.sales"
    label = "sales"
    verbose_name = "Sales"

    def ready(self) -> None:
        from mederp.sales import review

        # The order workflow and the outbound review's signing policy: code, registered once
        # (AT-13).
        review.register()
