"""``mederp reconcile [--json]``: prove the balances equal the ledger (invariant 4).

Exit status 0 when they agree, 1 when any balance (or reserved quantity) differs; every
difference is named: product, lot, serial, location, what the moves say, what the balance says.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from mederp.inventory.reconcile import reconcile


class Command(BaseCommand):
    help = "Recompute stock balances from the moves and name every difference (exit 1 if any)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **opts: Any) -> None:
        differences = reconcile()
        if opts["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "ok": not differences,
                        "differences": [d.as_dict() for d in differences],
                    },
                    sort_keys=True,
                )
            )
        elif not differences:
            self.stdout.write("balances equal the ledger")
        else:
            for d in differences:
                self.stdout.write(
                    f"product {d.product_id} lot {d.lot_id} serial {d.serial_id} "
                    f"location {d.location_id} {d.field}: ledger {d.as_dict()['ledger']}, "
                    f"balance {d.as_dict()['balance']}"
                )
        if differences:
            sys.exit(1)
