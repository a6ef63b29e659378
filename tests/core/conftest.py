"""Fixtures for the compliance kernel: tampering as a DBA would, the verify command, keys."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from kernel_support import drop_triggers, install_triggers, run_verify, sql

from mederp.core import checkpoint


@pytest.fixture
def dba(db: Any) -> Iterator[Callable[..., int]]:
    """Raw SQL with the append-only triggers dropped, as a DBA could; triggers restored after."""
    drop_triggers()
    try:
        yield sql
    finally:
        install_triggers()


@pytest.fixture
def verify_cli() -> Callable[..., tuple[int, dict[str, Any]]]:
    return run_verify


@pytest.fixture
def signing_key(tmp_path: Path, settings: Any) -> Path:
    """A fresh Ed25519 key configured as the audit signing key."""
    path = tmp_path / "keys" / "audit.pem"
    settings.MEDERP_AUDIT_SIGNING_KEY_FILE = str(path)
    settings.MEDERP_AUDIT_PUBLIC_KEY_FILE = ""
    checkpoint.generate_key(path)
    return path


@pytest.fixture
def make_checkpoint(signing_key: Path, tmp_path: Path) -> Callable[[], Path]:
    """``mederp audit checkpoint --out-dir DIR``; returns the file it wrote."""

    def make() -> Path:
        out = io.StringIO()
        call_command("audit", "checkpoint", "--out-dir", str(tmp_path / "cp"), stdout=out)
        return Path(json.loads(out.getvalue())["file"])

    return make
