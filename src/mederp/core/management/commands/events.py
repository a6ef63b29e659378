"""``mederp events catalogue``: write docs/events.md, the catalogue of every event type.

``--from-demo`` (what the lead and CI use) builds the demo plant in a scratch SQLite database
in a temporary directory (``mederp migrate`` + ``mederp demo``, in child processes, so the
configured database is never touched), reads the catalogue from it and removes it. Without it,
the catalogue is read from the configured (or ``--database``) database.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mederp.core.eventcatalog import render
from mederp.core.eventcatalog.declared import declared_events

CLI = [sys.executable, "-m", "mederp.config.cli"]


class Command(BaseCommand):
    help = "Write the events catalogue (docs/events.md) from the source and a database's events."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        cat = sub.add_parser("catalogue", help="write the catalogue")
        cat.add_argument("--out", type=Path, help="the Markdown file (default: stdout)")
        cat.add_argument("--database", default="default", help="database alias to read")
        cat.add_argument(
            "--from-demo",
            action="store_true",
            help="read a scratch demo plant built for the purpose instead",
        )
        check = sub.add_parser("check", help="exit 1 when a declared type has no entry")
        check.add_argument("--catalogue", type=Path, default=Path("docs/events.md"))

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "check":
            self._check(opts["catalogue"])
        elif opts["from_demo"]:
            self._from_demo(opts["out"])
        else:
            page = render.catalogue(
                declared_events(),
                render.observed(opts["database"]),
                source=render.source_name(opts["database"]),
            )
            if opts["out"]:
                opts["out"].write_text(page, encoding="utf-8")
                self.stdout.write(f"wrote {opts['out']}")
            else:
                self.stdout.write(page, ending="")

    def _from_demo(self, out: Path | None) -> None:
        with tempfile.TemporaryDirectory(prefix="mederp-events-") as scratch:
            env = {
                k: v
                for k, v in os.environ.items()
                if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
            }
            env.update(
                MEDERP_SQLITE_PATH=str(Path(scratch) / "demo.sqlite3"),
                MEDERP_VAR_DIR=scratch,
                DJANGO_SETTINGS_MODULE="mederp.config.settings",
            )
            target = str(out.resolve()) if out else str(Path(scratch) / "events.md")
            for step in (["migrate", "-v0"], ["demo"], ["events", "catalogue", "--out", target]):
                done = subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
                    [*CLI, *step], env=env, capture_output=True, text=True, check=False
                )
                if done.returncode:
                    raise CommandError(f"mederp {' '.join(step)} failed:\n{done.stderr[-4000:]}")
            if out:
                self.stdout.write(f"wrote {out}")
            else:
                self.stdout.write(Path(target).read_text(encoding="utf-8"), ending="")

    def _check(self, catalogue: Path) -> None:
        if not catalogue.exists():
            raise CommandError(f"{catalogue} does not exist; run `{render.COMMAND}`")
        missing = sorted(set(declared_events()) - render.listed(catalogue.read_text("utf-8")))
        if missing:
            self.stderr.write(f"{catalogue} lacks: {', '.join(missing)}")
            self.stderr.write(f"regenerate it: `{render.COMMAND}`")
            sys.exit(1)
        self.stdout.write(f"{catalogue} lists every declared event type")
