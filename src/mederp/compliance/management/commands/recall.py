"""``mederp recall drill LOT [--product CODE] [--class II] [--json]``: the mock recall (RC-07).

Runs the recall's hold-and-list path on ``LOT`` (a lot number, a serial number or a label's
scan) inside a transaction that is rolled back (:func:`mederp.compliance.services.drill_recall`):
nothing is held, listed or numbered afterwards. Prints how long it took, how many lots and
serials it would hold and how many consignee lines and consignees it would list; ``--json``
prints exactly one JSON object (or ``{"error": {...}}``). Exit status 1 with the coded message
when the lot is unknown or ambiguous. Runs as the system actor, named in the audit trail as
``cli:recall drill`` (the rolled-back entries included).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from django.utils.translation import gettext as _

from mederp.compliance.services import drill_recall
from mederp.compliance.trace_roots import roots_for
from mederp.core.actors import Actor
from mederp.core.errors import DomainError


class Command(BaseCommand):
    help = "Recall tools: 'drill' runs a mock recall of a lot and reports how long it took."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        drill = sub.add_parser("drill", help="mock recall (rolled back): time, lots, consignees")
        drill.add_argument("lot", help="lot number, serial number or a GS1/HIBC scan")
        drill.add_argument("--product", default=None, help="product code, when numbers clash")
        drill.add_argument(
            "--class", dest="classification", default="II", choices=["I", "II", "III"]
        )
        drill.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            roots = roots_for(opts["lot"], product_code=opts["product"])
            result = drill_recall(
                Actor.system("cli:recall drill"),
                roots,
                classification=opts["classification"],
                reason=f"mock recall (drill) of {opts['lot']}",
            )
        except DomainError as exc:
            if opts["json"]:
                error = {"code": exc.code, "message": exc.render_message(), "details": exc.details}
                self.stdout.write(json.dumps({"error": error}, ensure_ascii=False, default=str))
            else:
                self.stderr.write(f"{exc.code}: {exc.render_message()}")
            sys.exit(1)
        if opts["json"]:
            body = {"lot": opts["lot"], "database": connection.vendor, **result.as_dict()}
            self.stdout.write(json.dumps(body, ensure_ascii=False, sort_keys=True))
            return
        self.stdout.write(
            "\n".join(
                [
                    _("Mock recall of %(lot)s (rolled back, nothing kept)") % {"lot": opts["lot"]},
                    _("Time: %(seconds).3f s") % {"seconds": result.seconds},
                    _("Lots affected: %(lots)s; serials affected: %(serials)s")
                    % {"lots": result.lots, "serials": result.serials},
                    _("On hand when held: %(qty)s") % {"qty": result.on_hand},
                    _("Consignee lines: %(lines)s; consignees: %(consignees)s; shipped: %(qty)s")
                    % {
                        "lines": result.lines,
                        "consignees": result.consignees,
                        "qty": result.shipped,
                    },
                ]
            )
        )
