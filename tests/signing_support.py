"""Helpers for tests that sign: a confirmed TOTP device and the code it shows now.

Replay protection accepts each code once per 30-second step, so tests that sign twice advance
the frozen clock between signatures (:func:`later`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

import pyotp

from mederp.core import clock
from mederp.identity import crypto
from mederp.identity.models import TotpDevice, User

PASSWORD = "Correct-Horse-9"  # the make_user fixture password
START = dt.datetime(2026, 6, 15, 2, 0, tzinfo=dt.UTC)


def enrol_totp(user: User) -> str:
    """Give ``user`` a confirmed TOTP device; return its base32 secret."""
    secret = pyotp.random_base32()
    TotpDevice.objects.create(
        user=user,
        secret_ciphertext=crypto.encrypt(secret),
        created_at=clock.now(),
        confirmed_at=clock.now(),
    )
    return secret


def code(secret: str) -> str:
    """The code the authenticator app shows at the (frozen) current time."""
    return pyotp.TOTP(secret).at(clock.now())


@contextlib.contextmanager
def frozen_clock(at: dt.datetime = START) -> Iterator[None]:
    """Freeze the clock; :func:`later` moves it on by a TOTP step or more."""
    with clock.frozen(at):
        yield


def later(seconds: int = 31) -> None:
    """Move the frozen clock on (inside :func:`frozen_clock`), so the next TOTP code is new."""
    assert clock._frozen is not None, "later() needs a frozen clock"
    clock._frozen = clock.now() + dt.timedelta(seconds=seconds)
