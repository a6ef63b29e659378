"""Electronic signatures (21 CFR 11.50, 11.70, 11.100, 11.200; ES-01..ES-13).

SKELETON: the registry below is the contract identity relies on; sign(), verification and
segregation of duties are being built on top of it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models


@dataclass(frozen=True)
class SigningPolicy:
    """What may be signed on one record type, by whom, and how its content is hashed."""

    record_type: str
    # meaning ("approved", "reviewed", ...) -> the permission a signer needs for it
    meanings: dict[str, str]
    content: Callable[[models.Model], dict[str, Any]]
    rules: tuple[Any, ...] = field(default=())


_POLICIES: dict[str, SigningPolicy] = {}


def register(policy: SigningPolicy) -> None:
    _POLICIES[policy.record_type] = policy


def policy_for(record_type: str) -> SigningPolicy | None:
    return _POLICIES.get(record_type)


def signing_permissions() -> set[str]:
    """Every permission that lets its holder sign something (MFA is required for them, AC-04)."""
    return {perm for policy in _POLICIES.values() for perm in policy.meanings.values()}
