"""The subscription secret at rest: a webhook's HMAC signing secret or a broker password,
sealed by :mod:`mederp.core.sealing` under this module's own context.

The relay must read the secret back to sign (or to log in), so it is encrypted, not hashed.
Rotating SECRET_KEY means re-entering every secret (as for TOTP seeds).
"""

from __future__ import annotations

import secrets

from mederp.core import sealing

_CONTEXT = b"mederp.integration.relay.secret.v1"


class SecretUnreadable(sealing.Unreadable):
    """The stored secret cannot be opened (SECRET_KEY changed, or the value was altered)."""


def generate_secret() -> str:
    """A new random signing secret (256 bits, URL-safe text) to show the integrator once."""
    return "whsec_" + secrets.token_urlsafe(32)


def seal_secret(plaintext: str) -> str:
    """Seal ``plaintext`` for ``Subscription.secret_encrypted``."""
    return sealing.seal(plaintext, context=_CONTEXT)


def open_secret(ciphertext: str) -> str:
    """Open what :func:`seal_secret` sealed; :class:`SecretUnreadable` when it cannot."""
    try:
        return sealing.unseal(ciphertext, context=_CONTEXT)
    except sealing.Unreadable as exc:
        raise SecretUnreadable("the subscription secret cannot be decrypted") from exc
