"""Signed checkpoints of the audit chain head (Ed25519; AT-07 "anchor digests kept outside").

A hash chain alone can be rewritten end to end by someone with database access. A checkpoint is
the head (position and hash) signed with a private key the database never sees, saved to a file
kept elsewhere; verifying against it proves the chain still extends that exact head.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from mederp.core import canonical, clock
from mederp.core.chain import GENESIS, chain_head
from mederp.core.errors import DomainError
from mederp.core.models import AuditChainLink


class CheckpointInvalid(DomainError):
    code = "audit.checkpoint_invalid"
    message = _("The checkpoint is not valid: {reason}")
    http_status = 422


class SigningKeyMissing(DomainError):
    code = "audit.signing_key_missing"
    message = _("No audit signing key at {path}. Create one with `mederp audit keygen`.")


def key_path() -> Path:
    return Path(settings.MEDERP_AUDIT_SIGNING_KEY_FILE)


def generate_key(path: Path | None = None, *, overwrite: bool = False) -> Path:
    """Write a new Ed25519 private key (PEM, mode 0600); refuses to replace one unless told."""
    path = path or key_path()
    if path.exists() and not overwrite:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    return path


def _private_key() -> Ed25519PrivateKey:
    path = key_path()
    if not path.exists():
        raise SigningKeyMissing(path=str(path))
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyMissing(path=str(path))
    return key


def public_key() -> Ed25519PublicKey:
    configured = getattr(settings, "MEDERP_AUDIT_PUBLIC_KEY_FILE", "")
    if configured:
        key = serialization.load_pem_public_key(Path(configured).read_bytes())
        if not isinstance(key, Ed25519PublicKey):
            raise CheckpointInvalid(reason="the configured public key is not Ed25519")
        return key
    return _private_key().public_key()


def _signed_bytes(body: dict[str, Any]) -> bytes:
    return canonical.dumps({k: body[k] for k in ("seq", "hash", "created_at")}).encode()


def create_checkpoint() -> dict[str, Any]:
    """Sign the current chain head; returns the checkpoint document."""
    seq, digest = chain_head()
    body = {"seq": seq, "hash": digest, "created_at": clock.now().isoformat()}
    key = _private_key()
    pub = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    body["public_key"] = base64.b64encode(pub).decode()
    body["signature"] = base64.b64encode(key.sign(_signed_bytes(body))).decode()
    body["algorithm"] = "Ed25519"
    return body


def write_checkpoint(document: dict[str, Any], directory: Path | None = None) -> Path:
    directory = directory or Path(settings.VAR_DIR) / "checkpoints"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"audit-checkpoint-{document['seq']:012d}.json"
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return path


def check_checkpoint(document: dict[str, Any]) -> None:
    """Raise :class:`CheckpointInvalid` unless the signature holds and the chain has that head.

    The signature is checked against the configured key, never the key inside the file, so a
    forger cannot bring their own.
    """
    try:
        signature = base64.b64decode(document["signature"])
        public_key().verify(signature, _signed_bytes(document))
    except (KeyError, ValueError, TypeError):
        raise CheckpointInvalid(reason="the file is not a MedERP audit checkpoint") from None
    except InvalidSignature:
        raise CheckpointInvalid(reason="the signature does not match the configured key") from None
    if document["seq"] == 0 and document["hash"] == GENESIS:
        return  # signed while the chain was empty: every chain extends it
    link = AuditChainLink.objects.filter(seq=document["seq"]).values_list("hash", flat=True).first()
    if link is None:
        raise CheckpointInvalid(
            reason=f"chain position {document['seq']} no longer exists (the chain was cut)"
        )
    if link != document["hash"]:
        raise CheckpointInvalid(
            reason=f"chain position {document['seq']} has a different hash "
            "(the chain was rewritten)"
        )
