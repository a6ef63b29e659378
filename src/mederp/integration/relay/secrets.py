"""The subscription secret at rest: a webhook's HMAC signing secret or a broker password,
AES-256-GCM under a key derived from SECRET_KEY with this module's own context string.

The relay must read the secret back to sign (or to log in), so it is encrypted, not hashed; a
database dump alone does not reveal it. Rotating SECRET_KEY means re-entering every secret
(the same trade-off as :mod:`mederp.identity.crypto` for TOTP seeds).
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

_CONTEXT = b"mederp.integration.relay.secret.v1"
_NONCE = 12


class SecretUnreadable(ValueError):
    """The stored secret cannot be decrypted (SECRET_KEY changed, or the value was altered)."""


def _key() -> bytes:
    return hashlib.sha256(_CONTEXT + settings.SECRET_KEY.encode()).digest()


def generate_secret() -> str:
    """A new random signing secret (256 bits, URL-safe text) to show the integrator once."""
    return "whsec_" + secrets.token_urlsafe(32)


def seal_secret(plaintext: str) -> str:
    """Encrypt ``plaintext`` for ``Subscription.secret_encrypted`` (base64 of nonce + sealed)."""
    nonce = os.urandom(_NONCE)
    sealed = AESGCM(_key()).encrypt(nonce, plaintext.encode(), _CONTEXT)
    return base64.b64encode(nonce + sealed).decode()


def open_secret(ciphertext: str) -> str:
    """Decrypt what :func:`seal_secret` produced; :class:`SecretUnreadable` when it cannot."""
    try:
        raw = base64.b64decode(ciphertext, validate=True)
        return AESGCM(_key()).decrypt(raw[:_NONCE], raw[_NONCE:], _CONTEXT).decode()
    except (ValueError, InvalidTag) as exc:
        raise SecretUnreadable("the subscription secret cannot be decrypted") from exc
