"""The installation's security policy (settings.MEDERP_SECURITY), read in one place."""

from __future__ import annotations

from typing import Any

from django.conf import settings


def setting(name: str) -> Any:
    table: dict[str, Any] = getattr(settings, "MEDERP_SECURITY")  # noqa: B009 (typed access)
    return table[name]


def seconds(name: str) -> int:
    return int(setting(name))
