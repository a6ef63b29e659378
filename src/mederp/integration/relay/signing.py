"""Webhook signatures: how MedERP signs each POST and how a receiver checks it.

Every webhook request carries::

    MedERP-Timestamp: 1767225600
    MedERP-Signature: t=1767225600,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e1…

where ``v1`` is the lowercase hex HMAC-SHA256, keyed with the subscription's secret, of the
timestamp, a dot, and the exact request body bytes (``f"{t}.".encode() + body``). Signing the
timestamp with the body lets a receiver refuse a replayed request: :func:`verify` refuses a
timestamp more than five minutes older (or newer) than the receiver's clock. A signature header
may carry several ``v1=`` values (while a secret is being rotated); one matching is enough.

This module uses only the standard library, so a receiver may copy it whole. A receiver in
Python, for example with Flask::

    from flask import Flask, abort, request
    from mederp_signing import verify  # this file, copied

    app = Flask(__name__)
    SECRET = "whsec_..."  # shown once when the subscription was created
    seen: set[str] = set()  # use your database: deliveries are at least once

    @app.post("/mederp/events")
    def receive():
        body = request.get_data()  # the raw bytes, before any JSON parsing
        if not verify(SECRET, request.headers, body):
            abort(400)
        event = request.get_json()
        if event["event_id"] in seen:  # a redelivery: already handled
            return "", 204
        handle(event)
        seen.add(event["event_id"])
        return "", 204

Answer 2xx only once the event is safely stored; anything else (or no answer within the
timeout) makes MedERP retry later with exponential backoff, and after the subscription's
maximum attempts the event becomes a dead letter that an operator can replay. A ``429`` or
``503`` with ``Retry-After`` delays the next attempt at least that long.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import time
from collections.abc import Mapping

SIGNATURE_HEADER = "MedERP-Signature"
TIMESTAMP_HEADER = "MedERP-Timestamp"
TOLERANCE_S = 300


def compute(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``f"{timestamp}." + body`` under ``secret``."""
    message = f"{int(timestamp)}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    """The ``MedERP-Signature`` value: ``t=<unix seconds>,v1=<hex>``."""
    return f"t={int(timestamp)},v1={compute(secret, timestamp, body)}"


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is not None:
        return value
    wanted = name.lower()
    for key, candidate in headers.items():
        if key.lower() == wanted:
            return candidate
    return None


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    now: float | dt.datetime | None = None,
    tolerance_s: int = TOLERANCE_S,
) -> bool:
    """True when ``body`` was signed with ``secret`` within ``tolerance_s`` of ``now``.

    ``headers`` is any mapping of the request's headers (looked up case-insensitively);
    ``body`` the raw bytes received; ``now`` Unix seconds or an aware datetime (default: this
    machine's clock). A missing or malformed header, a signature that does not match (compared
    in constant time), or a timestamp too old or too far in the future gives False.
    """
    header = _header(headers, SIGNATURE_HEADER)
    if not header:
        return False
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                return False
        elif key == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    if now is None:
        current = time.time()
    elif isinstance(now, dt.datetime):
        current = now.timestamp()
    else:
        current = float(now)
    if abs(current - timestamp) > tolerance_s:
        return False
    expected = compute(secret, timestamp, body)
    # Compare every candidate so the time taken does not tell which one matched.
    matched = False
    for candidate in candidates:
        matched |= hmac.compare_digest(expected.encode(), candidate.strip().lower().encode())
    return matched
