"""``mederp serve``: gunicorn plus the audit sealer, the way ``make run`` starts MedERP."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from mederp.core import chain, idempotency, outbox, periodic


class Command(BaseCommand):
    help = "Serve MedERP with gunicorn and keep the audit chain sealed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default=os.environ.get("MEDERP_BIND", "127.0.0.1:8000"))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 2))
        )
        parser.add_argument("--seal-interval", type=float, default=1.0)

    def handle(self, *args: Any, **opts: Any) -> None:
        cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            "mederp.config.wsgi",
            "--bind",
            opts["bind"],
            "--workers",
            str(opts["workers"]),
            "--access-logfile",
            "-",
            "--timeout",
            "60",
        ]
        server = subprocess.Popen(cmd)  # noqa: S603 - fixed argv, no shell
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True
            server.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        next_purge = 0.0
        next_job = {job.name: 0.0 for job in periodic.jobs()}
        try:
            while server.poll() is None and not stopping:
                try:
                    chain.seal()
                    outbox.assign_positions()
                    if time.monotonic() >= next_purge:
                        # Keys are kept at least 24 hours (invariant 5); older ones are dropped.
                        idempotency.purge_expired()
                        next_purge = time.monotonic() + 3600
                except Exception as exc:
                    self.stderr.write(f"audit sealer: {exc}")
                for job in periodic.jobs():
                    if time.monotonic() < next_job.get(job.name, 0.0):
                        continue
                    next_job[job.name] = time.monotonic() + job.every_s
                    try:
                        job.run()
                    except Exception as exc:
                        self.stderr.write(f"{job.name}: {exc}")
                close_old_connections()
                time.sleep(opts["seal_interval"])
        finally:
            if server.poll() is None:
                server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
