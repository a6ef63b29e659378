"""``mederp demo [--logins]``: load the demo plant (idempotent) and optionally print logins."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from mederp.core import chain
from mederp.ui import demo


class Command(BaseCommand):
    help = "Load the demo plant (shared/DEMO.md) through the services; safe to run twice."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--logins", action="store_true", help="only print the demo logins")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["logins"]:
            for line in demo.login_lines():
                self.stdout.write(line)
            return
        notes: list[str] = []
        added = demo.load(notes=notes)
        # The history's audit entries carry the story's (past) times: chain them now, so that
        # `mederp audit verify` never sees a dated entry waiting behind newer seals.
        chain.seal()
        summary = ", ".join(f"{k} +{v}" for k, v in added.items())
        self.stdout.write(f"demo plant ready ({summary})")
        for note in notes:
            self.stderr.write(f"demo: {note}")
