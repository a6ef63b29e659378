"""Authenticator seeds at rest, sealed by :mod:`mederp.core.sealing` under their own context.

A TOTP seed must be readable by the server (to compute codes) but never by someone holding only a
database dump. Rotating SECRET_KEY means re-enrolling MFA.
"""

from __future__ import annotations

from mederp.core import sealing

_CONTEXT = b"mederp.identity.totp.v1"


def encrypt(plaintext: str) -> str:
    return sealing.seal(plaintext, context=_CONTEXT)


def decrypt(ciphertext: str) -> str:
    return sealing.unseal(ciphertext, context=_CONTEXT)
