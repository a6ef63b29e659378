"""The webhook transport: each event POSTed, signed, to the subscription's URL (issue 7, 1a).

One ``httpx.Client`` per subscription keeps the connection alive between events. Events of a
batch go one at a time, in order; the first one the receiver does not take with a 2xx (any
other status, a redirect, a timeout or a network error) ends the batch, and the engine retries
from that event later. ``Retry-After`` (seconds or an HTTP date) on a 429 or 503 is passed back
as the floor of the next wait. The signature is described in :mod:`.signing`.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Sequence

import httpx
from django.conf import settings

from mederp.core import clock
from mederp.integration.models import Subscription
from mederp.integration.relay import signing
from mederp.integration.relay.contract import DeliveryResult, OutboundEvent
from mederp.integration.relay.secrets import SecretUnreadable, open_secret

USER_AGENT = "MedERP-Relay/1"
_ERROR_LEN = 500
_BODY_EXCERPT = 200


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` value: delta-seconds or an HTTP date; None if unusable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - clock.now()).total_seconds())


class WebhookTransport:
    """POSTs events to one webhook subscription (see :class:`~.contract.Transport`)."""

    def __init__(self, subscription: Subscription, *, client: httpx.Client | None = None) -> None:
        self.subscription_id = subscription.pk
        self.url = subscription.url
        self._secret_encrypted = subscription.secret_encrypted
        self._secret: str | None = None
        timeout = float(settings.MEDERP_RELAY["WEBHOOK_TIMEOUT_SECONDS"])
        self._client = client or httpx.Client(
            timeout=timeout,
            follow_redirects=False,
            headers={"User-Agent": USER_AGENT, "Content-Type": "application/json"},
        )

    def _signing_secret(self) -> str:
        if self._secret is None:
            if not self._secret_encrypted:
                raise SecretUnreadable("the subscription has no signing secret")
            self._secret = open_secret(self._secret_encrypted)
        return self._secret

    def deliver(self, events: Sequence[OutboundEvent]) -> DeliveryResult:
        result = DeliveryResult(delivered=0)
        try:
            secret = self._signing_secret()
        except SecretUnreadable as exc:
            if events:
                result.error = str(exc)
                result.log.append((events[0].position, None, 0))
            return result
        for event in events:
            body = event.message_body()
            timestamp = int(clock.now().timestamp())
            headers = {
                "MedERP-Event-Id": str(event.event_id),
                "MedERP-Event-Type": event.event_type,
                signing.TIMESTAMP_HEADER: str(timestamp),
                signing.SIGNATURE_HEADER: signing.signature_header(secret, timestamp, body),
            }
            started = time.perf_counter()
            try:
                response = self._client.post(self.url, content=body, headers=headers)
            except httpx.HTTPError as exc:
                ms = _ms(started)
                result.log.append((event.position, None, ms))
                result.error = f"{type(exc).__name__}: {exc}"[:_ERROR_LEN]
                return result
            ms = _ms(started)
            result.log.append((event.position, response.status_code, ms))
            if 200 <= response.status_code < 300:
                result.delivered += 1
                continue
            result.status_code = response.status_code
            excerpt = response.text[:_BODY_EXCERPT].strip() if response.content else ""
            result.error = f"HTTP {response.status_code} {excerpt}".strip()[:_ERROR_LEN]
            if response.status_code in (429, 503):
                result.retry_after_s = parse_retry_after(response.headers.get("Retry-After"))
            return result
        return result

    def close(self) -> None:
        self._client.close()


def _ms(started: float) -> int:
    return max(0, round((time.perf_counter() - started) * 1000))
