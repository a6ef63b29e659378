"""``mederp security verify``: recompute the security log's hash chain (AT-12, 11.300(d)).

Exits 0 when every row matches its hash and its predecessor's, 1 naming the first row that does
not (altered, removed or inserted: the chain breaks at the first row after the change).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from mederp.identity import securitylog
from mederp.identity.models import SecurityEvent


class Command(BaseCommand):
    help = "Verify the security log's hash chain."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="walk the chain; exit 1 when it is broken")
        verify.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        first_bad = securitylog.verify()
        checked = SecurityEvent.objects.count()
        if opts["json"]:
            report = {"ok": first_bad is None, "events": checked, "first_bad_id": first_bad}
            self.stdout.write(json.dumps(report))
        elif first_bad is None:
            self.stdout.write(f"security log intact: {checked} events")
        else:
            self.stdout.write(
                f"security log BROKEN at event {first_bad}: its hash or its link to the previous "
                "event does not match (altered, removed or inserted here)"
            )
        if first_bad is not None:
            sys.exit(1)
