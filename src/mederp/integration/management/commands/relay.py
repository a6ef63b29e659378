"""``mederp relay``: deliver outbox events to the webhook and RabbitMQ subscriptions
(invariant 3; issue 7 point 1). Several may run at once on PostgreSQL; on SQLite one works at a
time (the others wait for its lease). SIGTERM or SIGINT stops it after the current batch."""

from __future__ import annotations

import json
import logging
import os
import socket
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mederp.integration.relay import engine


class Command(BaseCommand):
    help = "Deliver outbox events to webhook and RabbitMQ subscriptions."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="stop when nothing is deliverable now"
        )
        parser.add_argument("--name", default="", help="this relay's name (default host:pid)")
        parser.add_argument("--batch", type=int, default=None, help="events per batch")
        parser.add_argument(
            "--json", action="store_true", help="with --once: print the statistics as JSON"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["json"] and not opts["once"]:
            raise CommandError("--json needs --once")
        if opts["batch"] is not None and opts["batch"] < 1:
            raise CommandError("--batch must be at least 1")
        name = opts["name"] or f"{socket.gethostname()}:{os.getpid()}"
        progress = logging.getLogger("mederp.integration.relay")
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        progress.addHandler(handler)
        progress.setLevel(logging.INFO)
        progress.propagate = False
        try:
            stats = engine.run(relay_name=name, once=opts["once"], batch=opts["batch"])
        finally:
            progress.removeHandler(handler)
            progress.propagate = True
        if opts["json"]:
            self.stdout.write(json.dumps(stats.as_dict(), sort_keys=True))
