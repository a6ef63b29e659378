"""Benchmarks run by ``mederp bench NAME`` (DESIGN.md "Benchmarks").

Each benchmark module exposes ``add_arguments(parser)`` and ``run(options) -> dict``; the dict is
printed as the one JSON object on stdout. Data lives in a scratch database made by
:mod:`mederp.core.benchmarks.scratch`, never in the user's.

Business apps register their own benchmarks without the kernel importing them: an installed app
with a ``benchmarks`` package that defines ``BENCHMARKS = {"name": "dotted.module"}`` is found
by :func:`registered` (the way Django's admin discovers ``admin`` modules).
"""

from __future__ import annotations

from importlib import import_module

BENCHMARKS = {"audit": "mederp.core.benchmarks.audit"}


def registered() -> dict[str, str]:
    """Every benchmark: the kernel's and those the installed apps declare."""
    from django.apps import apps
    from django.utils.module_loading import module_has_submodule

    found = dict(BENCHMARKS)
    for config in apps.get_app_configs():
        if config.name == "mederp.core" or not module_has_submodule(config.module, "benchmarks"):
            continue
        declared = getattr(import_module(f"{config.name}.benchmarks"), "BENCHMARKS", {})
        found.update(declared)
    return found
