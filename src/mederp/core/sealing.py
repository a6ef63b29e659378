"""Secrets the server must read back, sealed at rest: AES-256-GCM under a key derived from
SECRET_KEY and a context string per use (a TOTP seed, a webhook signing secret ...).

Encrypted, not hashed, because the server needs the value (to compute a code, to sign, to log
in to a broker); a database dump alone does not reveal it. The context is both part of the key
and the associated data, so a value sealed for one use cannot be opened as another. Rotating
SECRET_KEY means re-entering what was sealed under it.

Format: base64 of the 12-byte nonce followed by the ciphertext and tag.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

NONCE_BYTES = 12


class Unreadable(ValueError):
    """The sealed value cannot be opened (SECRET_KEY changed, another context, or altered)."""


def _key(context: bytes) -> bytes:
    return hashlib.sha256(context + settings.SECRET_KEY.encode()).digest()


def seal(plaintext: str, *, context: bytes) -> str:
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(_key(context)).encrypt(nonce, plaintext.encode(), context)
    return base64.b64encode(nonce + sealed).decode()


def unseal(sealed: str, *, context: bytes) -> str:
    """What :func:`seal` sealed under ``context``; :class:`Unreadable` when it cannot be opened."""
    try:
        raw = base64.b64decode(sealed, validate=True)
        return AESGCM(_key(context)).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context).decode()
    except (ValueError, binascii.Error, InvalidTag) as exc:
        raise Unreadable("the sealed value cannot be opened") from exc
