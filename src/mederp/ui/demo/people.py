"""The demo's people signing in and signing, through identity's own steps (no bypass).

qa's authenticator is enrolled by the demo through ``identity.mfa``, as the enrolment page does
it (a fresh encrypted seed, confirmed by a code it produced); :class:`Authenticator` then reads
the seed back to show codes, as the person's app will once they add the printed key. qa signs in
as at the login page (password, then a code; a :class:`~mederp.identity.models.UserSession`
row with its security-log and audit records), signs the session's first signature with the
password and a fresh code and every later one with the password only (ES-09), and signs out.

**Codes without waiting.** The server accepts each 30-second step's code once (replay refusal),
and also the codes of the steps either side of its own, for a phone clock slightly off. So the
app's previous, current and next codes are three distinct codes good right now: enough to
enrol, sign in and make the session's first signature without waiting for the clock. Everything
else qa signs in the demo falls within that one continuous session.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

import pyotp
from django.utils.crypto import get_random_string

from mederp.core import clock
from mederp.core.actors import Actor
from mederp.identity import credentials, crypto, login, mfa
from mederp.identity.models import TotpDevice, User

USER_AGENT = "mederp demo"
# A code is checked a moment after it is read (the password is hashed first): the previous
# step's code is not offered in the last seconds before it lapses.
LAPSE_MARGIN_SECONDS = 5


def _steps_now() -> tuple[int, int, float]:
    """(lowest step whose code is safely accepted now, highest such step, seconds to the next
    step boundary)."""
    now = clock.now().timestamp()
    size = credentials.TOTP_STEP_SECONDS
    step = int(now // size)
    left = (step + 1) * size - now
    lowest = step - credentials.TOTP_DRIFT_STEPS
    if left <= LAPSE_MARGIN_SECONDS:
        lowest += 1
    return lowest, step + credentials.TOTP_DRIFT_STEPS, left


class Authenticator:
    """One person's authenticator app."""

    def __init__(self, user: User, secret: str) -> None:
        self.user = user
        self.secret = secret

    @classmethod
    def of(cls, user: User) -> Authenticator:
        """The app holding ``user``'s confirmed seed."""
        device = credentials.confirmed_device(user)
        if device is None:
            raise LookupError(f"{user.username} has no authenticator")
        return cls(user, crypto.decrypt(device.secret_ciphertext))

    @classmethod
    def enrolled(cls, user: User) -> Authenticator:
        """``user``'s app, enrolled first (as the enrolment page would) when it is not yet."""
        if credentials.has_mfa(user):
            return cls.of(user)
        seed = mfa.start_enrolment(user)
        app = cls(user, seed.secret)
        # The recovery codes are not printed: qa issues new ones from "My account" if needed.
        mfa.confirm_enrolment(user, seed, app.code())
        return app

    def code(self) -> str:
        """A code the server has not seen and accepts now (see the module docstring). Waits
        for the next step only when all three are spent, or near a step's end: seconds."""
        for _attempt in range(3):
            device = TotpDevice.objects.filter(user=self.user).first()
            used = device.last_used_step if device and device.confirmed_at else -1
            lowest, highest, left = _steps_now()
            step = max(used + 1, lowest)
            if step <= highest:
                totp = pyotp.TOTP(self.secret, interval=credentials.TOTP_STEP_SECONDS)
                return str(totp.generate_otp(step))
            if abs((clock.now() - dt.datetime.now(dt.UTC)).total_seconds()) > 1:
                break  # a frozen clock (tests) never reaches the next step
            time.sleep(left + 0.05)
        raise RuntimeError(f"every code {self.user.username}'s authenticator shows is spent")


@dataclass
class Session:
    """A person signed in: their actor and the continuous session their signatures count in."""

    user: User
    password: str
    key: str
    app: Authenticator | None

    @property
    def actor(self) -> Actor:
        return Actor.for_user(self.user)

    def sign(self) -> dict[str, Any]:
        """What the sign dialog asks for now: the password, and a code until the session has
        had a signature with every component (ES-09)."""
        totp = None
        if credentials.signing_needs_totp(self.user, self.key):
            if self.app is None:
                raise LookupError(f"{self.user.username} has no authenticator")
            totp = self.app.code()
        return {"password": self.password, "totp": totp, "session_key": self.key}

    def sign_out(self) -> None:
        login.logout(self.user, self.key)


def sign_in(user: User, password: str, app: Authenticator | None = None) -> Session:
    """``user`` signs in as at the login page: password, the second factor when they have an
    authenticator, then the session row with its security-log and audit records."""
    login.check_password_step(user.username, password)
    method = login.METHOD_PASSWORD
    if login.next_step(user) == login.TOTP:
        app = app or Authenticator.of(user)
        method = login.check_second_factor(user, app.code())
    key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
    login.complete_login(user, session_key=key, client_ip="", user_agent=USER_AGENT, method=method)
    return Session(user=user, password=password, key=key, app=app)


class Desk:
    """A person who signs during the load: signed in at the first signature asked of them (their
    authenticator enrolled first when they have none), signed out by :meth:`close`."""

    def __init__(self, username: str, password: str) -> None:
        self.username = username
        self.password = password
        self.session: Session | None = None

    def _open(self) -> Session:
        if self.session is None:
            user = User.objects.get(username=self.username)
            app = Authenticator.enrolled(user) if credentials.mfa_required(user) else None
            self.session = sign_in(user, self.password, app)
        return self.session

    @property
    def actor(self) -> Actor:
        return self._open().actor

    def sign(self) -> dict[str, Any]:
        return self._open().sign()

    def close(self) -> None:
        if self.session is not None:
            self.session.sign_out()
            self.session = None
