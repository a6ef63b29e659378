"""``mederp expiry scan [--json] [--date YYYY-MM-DD]``: announce near-expiry and expired lots
(TR-05). ``mederp serve`` runs the same scan daily."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mederp.inventory.services import expiry


class Command(BaseCommand):
    help = "Expiry control: 'scan' emits inventory.lot.near_expiry and inventory.lot.expired."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["scan"])
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--date", help="scan as of this date (default: today, UTC)")

    def handle(self, *args: Any, **opts: Any) -> None:
        on_date = None
        if opts["date"]:
            try:
                on_date = dt.date.fromisoformat(opts["date"])
            except ValueError as exc:
                raise CommandError(f"--date: {exc}") from None
        result = expiry.scan(on_date=on_date)
        if opts["json"]:
            self.stdout.write(json.dumps(result.as_dict(), sort_keys=True))
        else:
            self.stdout.write(
                f"near expiry announced: {result.near_expiry}; expired announced: {result.expired}"
            )
