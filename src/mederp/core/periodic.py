"""Background jobs that ``mederp serve`` runs beside the web workers, on a cadence.

The kernel imports no app, so apps register their jobs here at start-up (``AppConfig.ready``),
e.g. inventory's daily expiry scan. A job runs once soon after start, then every ``every_s``
seconds; a failing job is reported and retried at its next turn, never stopping the others.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

DAY = 24 * 3600.0


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[], object]
    every_s: float


_JOBS: dict[str, Job] = {}


def register(name: str, run: Callable[[], object], *, every_s: float) -> None:
    _JOBS[name] = Job(name, run, every_s)


def jobs() -> list[Job]:
    return [_JOBS[k] for k in sorted(_JOBS)]
