"""core.sealing: secrets the server reads back (TOTP seeds, webhook secrets, broker passwords),
AES-256-GCM under a key per context (AC-07; 21 CFR 11.300)."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from mederp.core import sealing
from mederp.identity import crypto
from mederp.integration.relay import secrets


def test_a_sealed_value_opens_under_its_own_context_only():
    sealed = sealing.seal("JBSWY3DPEHPK3PXP", context=b"a.v1")

    assert sealing.unseal(sealed, context=b"a.v1") == "JBSWY3DPEHPK3PXP"
    with pytest.raises(sealing.Unreadable):
        sealing.unseal(sealed, context=b"b.v1")


def test_a_totp_seed_cannot_be_opened_as_a_webhook_secret():
    with pytest.raises(secrets.SecretUnreadable):
        secrets.open_secret(crypto.encrypt("JBSWY3DPEHPK3PXP"))


@pytest.mark.parametrize("sealed", ["not base64!", "", base64.b64encode(b"short").decode()])
def test_garbage_is_unreadable_not_a_crash(sealed):
    with pytest.raises(sealing.Unreadable):
        sealing.unseal(sealed, context=b"a.v1")


def test_an_altered_value_is_unreadable():
    raw = bytearray(base64.b64decode(sealing.seal("secret", context=b"a.v1")))
    raw[-1] ^= 1

    with pytest.raises(sealing.Unreadable):
        sealing.unseal(base64.b64encode(bytes(raw)).decode(), context=b"a.v1")


def test_seeds_sealed_before_the_shared_module_still_open():
    """The format did not change: base64(nonce ‖ ciphertext ‖ tag), key SHA-256(context ‖
    SECRET_KEY), the context as associated data (enrolled authenticators keep working)."""
    context = b"mederp.identity.totp.v1"
    key = hashlib.sha256(context + settings.SECRET_KEY.encode()).digest()
    nonce = b"\x01" * 12
    stored = base64.b64encode(nonce + AESGCM(key).encrypt(nonce, b"JBSWY3DPEHPK3PXP", context))

    assert crypto.decrypt(stored.decode()) == "JBSWY3DPEHPK3PXP"
