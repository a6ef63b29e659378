"""``mederp bench NAME``: benchmarks that print one JSON object (DESIGN.md "Benchmarks").

Each benchmark builds its data in a scratch database it creates and drops, measures its own
reference (for example the raw-SQL floor) in the same run, and reports a ``machine`` object.
Progress goes to stderr, so stdout stays one JSON object.
"""

from __future__ import annotations

import json
from importlib import import_module
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mederp.core.benchmarks import registered


class Command(BaseCommand):
    help = "Run a benchmark in a scratch database and print its figures as one JSON object."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="benchmark", required=True)
        for name, module in sorted(registered().items()):
            bench = import_module(module)
            bench.add_arguments(
                sub.add_parser(name, help=(bench.__doc__ or "").strip().splitlines()[0])
            )

    def handle(self, *args: Any, **opts: Any) -> None:
        bench = import_module(registered()[opts["benchmark"]])
        quiet = opts["verbosity"] < 1

        def progress(line: str) -> None:
            if not quiet:
                self.stderr.write(f"bench {opts['benchmark']}: {line}")

        try:
            result = bench.run(opts, progress)
        except (RuntimeError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            json.dumps(result, ensure_ascii=False, indent=None if opts["json"] else 2)
        )
