"""Field encryption for authenticator seeds: AES-256-GCM under a key derived from SECRET_KEY.

A TOTP seed must be readable by the server (to compute codes) but never by someone holding only a
database dump, so it is encrypted, not hashed. Rotating SECRET_KEY means re-enrolling MFA.
"""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

_CONTEXT = b"mederp.identity.totp.v1"


def _key() -> bytes:
    return hashlib.sha256(_CONTEXT + settings.SECRET_KEY.encode()).digest()


def encrypt(plaintext: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(_key()).encrypt(nonce, plaintext.encode(), _CONTEXT)
    return base64.b64encode(nonce + sealed).decode()


def decrypt(ciphertext: str) -> str:
    raw = base64.b64decode(ciphertext)
    return AESGCM(_key()).decrypt(raw[:12], raw[12:], _CONTEXT).decode()
