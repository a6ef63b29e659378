"""The relay loop: committed outbox events to every active subscription, at least once, in
order per aggregate (invariant 3; issue 7 point 1).

Each turn the engine numbers newly committed events (:func:`mederp.core.outbox.assign_positions`),
claims a few lanes that have events after their cursor and no retry pending
(:mod:`.lanes`: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, the single-relay lease on SQLite),
fetches their next events in feed order, skips the types the subscription does not want, hands
the rest to the subscription's transport, and moves the cursors over what was taken, writing the
delivery log in the same transaction (:mod:`.settle` decides what changes).

- PostgreSQL keeps the claiming transaction open while it delivers: a relay killed mid-batch
  rolls back, so its batch is delivered again by the next claimer (at least once), and two live
  relays never deliver the same attempt. SQLite never holds a write transaction during network
  I/O: it reads, delivers, then writes in one short transaction.
- Events of one aggregate share a lane and a lane is delivered strictly in feed order, so they
  arrive in order. A failing head event holds its lane (other lanes go on) and is retried with
  exponential backoff and full jitter, never sooner than the destination's ``Retry-After``.
- A webhook head event that reaches the subscription's ``max_attempts`` becomes a
  :class:`~mederp.integration.models.DeadLetter` and the lane moves on. That one event then
  arrives out of its aggregate's order (after later events, when it is replayed); consumers
  that care compare ``aggregate_seq``. RabbitMQ failures (a broker down) never dead-letter:
  they back off and retry for ever.
- A dead letter whose replay was requested is delivered once more, outside lane order:
  ``replayed`` on success, back to ``dead`` (one more attempt counted) on failure.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import F

from mederp.core import clock, outbox
from mederp.integration.events import matches
from mederp.integration.models import (
    DeadLetter,
    DeadLetterState,
    DeliveryAttempt,
    DeliveryOutcome,
    RelayCursor,
    Subscription,
    SubscriptionKind,
)
from mederp.integration.relay import lanes
from mederp.integration.relay.contract import DeliveryResult, OutboundEvent
from mederp.integration.relay.settle import Backoff, Settlement, settle
from mederp.integration.relay.transports import TransportFactory, Transports, default_transport

log = logging.getLogger("mederp.integration.relay")

#: Lanes claimed at once; grouped by subscription, one transport call per group.
CLAIM_LANES = 4
#: Dead letters replayed per turn.
REPLAY_CLAIM = 10
#: Webhook events per transport call; on SQLite the lease is renewed between calls.
WEBHOOK_CHUNK = 25
PROGRESS_SECONDS = 10.0


@dataclass
class RunStats:
    """What one relay did since it started."""

    delivered: int = 0
    failed: int = 0
    dead_lettered: int = 0
    replayed: int = 0
    batches: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


class Relay:
    """One relay process's state: its name, transports, lease and statistics."""

    def __init__(
        self,
        name: str,
        *,
        transports: TransportFactory | None = None,
        batch: int | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        config = settings.MEDERP_RELAY
        self.name = name[:100]
        self.batch = int(batch or config["BATCH"])
        self.poll_s = float(config["POLL_SECONDS"])
        self.lease_s = float(config["LEASE_SECONDS"])
        self.waits = Backoff(
            base_s=float(config["BACKOFF_BASE_SECONDS"]), cap_s=float(config["BACKOFF_MAX_SECONDS"])
        )
        self.stop = stop or threading.Event()
        self.stats = RunStats()
        self._transports = Transports(transports or default_transport)
        self._lease_until: dt.datetime | None = None
        # With ``once``: lanes are due as of the start, so a lane that fails during the run
        # (and might draw a near-zero jittered wait) is not retried within it.
        self._as_of: dt.datetime | None = None

    def run(self, *, once: bool = False) -> RunStats:
        log.info("relay %s started (batch %d)", self.name, self.batch)
        self._as_of = clock.now() if once else None
        reported, next_report = self.stats.as_dict(), time.monotonic() + PROGRESS_SECONDS
        try:
            while not self.stop.is_set():
                try:
                    worked = self.step()
                except DatabaseError:
                    if once:
                        raise
                    log.exception("relay %s: database error; retrying", self.name)
                    self._lease_until = None
                    if not connection.in_atomic_block:
                        connection.close()
                    worked = False
                if time.monotonic() >= next_report and self.stats.as_dict() != reported:
                    reported, next_report = self._report(), time.monotonic() + PROGRESS_SECONDS
                if worked:
                    continue
                if once:
                    break
                self.stop.wait(self.poll_s)
        finally:
            self._transports.close_all()
            self._give_up_lease()
            self._report(final=True)
        return self.stats

    def step(self) -> bool:
        """One turn: number new events, replay requested dead letters, deliver a few lanes.
        True when there was something to do."""
        if lanes.events_to_number():
            outbox.assign_positions()
        lanes.ensure_cursors()
        if lanes.uses_lease() and not self._keep_lease():
            return False
        replayed = self._replays()
        delivered = self._lanes()
        return replayed or delivered

    def _report(self, *, final: bool = False) -> dict[str, int]:
        figures = self.stats.as_dict()
        text = " ".join(f"{k}={v}" for k, v in figures.items())
        log.info("relay %s %s: %s", self.name, "stopped" if final else "progress", text)
        return figures

    def _keep_lease(self) -> bool:
        """Hold the single-relay lease, renewing it once a third of it has run out."""
        now = clock.now()
        renew_at = None
        if self._lease_until is not None:
            renew_at = self._lease_until - dt.timedelta(seconds=self.lease_s * 2 / 3)
        if renew_at is not None and now < renew_at:
            return True
        if lanes.take_lease(self.name, now=now, seconds=self.lease_s):
            if self._lease_until is None:
                log.info("relay %s holds the relay lease", self.name)
            self._lease_until = now + dt.timedelta(seconds=self.lease_s)
            return True
        if self._lease_until is not None:
            log.warning("relay %s lost the relay lease", self.name)
        self._lease_until = None
        return False

    def _give_up_lease(self) -> None:
        if self._lease_until is None:
            return
        self._lease_until = None
        try:
            lanes.release_lease(self.name)
        except DatabaseError:
            log.warning("relay %s could not release its lease; it expires by itself", self.name)

    def _lanes(self) -> bool:
        if lanes.uses_lease():
            return self._deliver_claimed()
        with transaction.atomic():
            return self._deliver_claimed()

    def _deliver_claimed(self) -> bool:
        cursors = lanes.claim_lanes(now=self._as_of or clock.now(), limit=CLAIM_LANES)
        groups: dict[int, list[RelayCursor]] = {}
        for cursor in cursors:
            groups.setdefault(cursor.subscription_id, []).append(cursor)
        for group in groups.values():
            self._deliver_lanes(group[0].subscription, group)
        return bool(cursors)

    def _deliver_lanes(self, sub: Subscription, cursors: list[RelayCursor]) -> None:
        rows = lanes.next_events(cursors, limit=self.batch)
        sent = [OutboundEvent.from_row(r) for r in rows if matches(r.event_type, sub.event_types)]
        started = time.perf_counter()
        result = self._send(sub, sent) if sent else DeliveryResult(delivered=0)
        duration_ms = round((time.perf_counter() - started) * 1000)
        now = clock.now()
        outcome = settle(
            sub,
            cursors,
            rows,
            sent,
            result,
            now=now,
            relay=self.name,
            duration_ms=duration_ms,
            waits=self.waits,
        )
        self._write(sub, outcome, now)
        self.stats.batches += 1
        self.stats.delivered += outcome.delivered
        self.stats.failed += outcome.failed
        self.stats.dead_lettered += len(outcome.dead)
        if result.error:
            log.info("relay %s: subscription %s failed: %s", self.name, sub.name, result.error)

    def _send(self, sub: Subscription, events: Sequence[OutboundEvent]) -> DeliveryResult:
        """Hand ``events`` to the subscription's transport, webhooks in chunks (renewing the
        SQLite lease between them); stop at the first event not taken."""
        try:
            transport = self._transports.get(sub)
        except Exception as exc:  # a destination that cannot be set up is a failed attempt
            log.exception("relay %s: no transport for subscription %s", self.name, sub.name)
            return DeliveryResult(delivered=0, error=f"transport unavailable: {exc}"[:500])
        chunk = WEBHOOK_CHUNK if sub.kind == SubscriptionKind.WEBHOOK else max(len(events), 1)
        total = DeliveryResult(delivered=0)
        for start in range(0, len(events), chunk):
            if start and lanes.uses_lease() and not self._keep_lease():
                break  # another relay may now deliver these; not a failure of the destination
            part = events[start : start + chunk]
            try:
                answer = transport.deliver(part)
            except Exception as exc:  # a transport bug must not kill the relay
                log.exception("relay %s: transport of %s raised", self.name, sub.name)
                self._transports.drop(sub.pk)
                answer = DeliveryResult(delivered=0, error=f"{type(exc).__name__}: {exc}"[:500])
            taken = max(0, min(answer.delivered, len(part)))
            total.delivered += taken
            total.log.extend(answer.log)
            if taken < len(part):
                total.error = answer.error or "the transport stopped without saying why"
                total.status_code = answer.status_code
                total.retry_after_s = answer.retry_after_s
                break
        return total

    def _write(self, sub: Subscription, outcome: Settlement, now: dt.datetime) -> None:
        with transaction.atomic():
            for lane in outcome.lanes:
                # Guarded by the old position: a cursor moved meanwhile (an operator resetting
                # it) is not overwritten; the events are then delivered again, at least once.
                RelayCursor.objects.filter(
                    pk=lane.cursor_id, position=lane.expected_position
                ).update(
                    position=lane.position,
                    attempts=lane.attempts,
                    next_attempt_at=lane.next_attempt_at,
                    last_error=lane.last_error,
                    updated_at=now,
                )
            for dead in outcome.dead:
                DeadLetter.objects.update_or_create(
                    subscription_id=sub.pk,
                    event_id=dead.event_pk,
                    defaults={
                        "attempts": dead.attempts,
                        "last_error": dead.error,
                        "last_status_code": dead.status_code,
                        "dead_at": now,
                        "state": DeadLetterState.DEAD,
                    },
                )
                log.warning(
                    "relay %s: event #%s dead-lettered for subscription %s after %d attempts",
                    self.name,
                    dead.event_pk,
                    sub.name,
                    dead.attempts,
                )
            DeliveryAttempt.objects.bulk_create(outcome.log)

    def _replays(self) -> bool:
        if lanes.uses_lease():
            letters = lanes.claim_replays(limit=REPLAY_CLAIM)
            for letter in letters:
                self._replay(letter)
            return bool(letters)
        with transaction.atomic():
            letters = lanes.claim_replays(limit=REPLAY_CLAIM)
            for letter in letters:
                self._replay(letter)
            return bool(letters)

    def _replay(self, letter: DeadLetter) -> None:
        sub = letter.subscription
        event = OutboundEvent.from_row(letter.event)
        started = time.perf_counter()
        result = self._send(sub, [event])
        duration_ms = round((time.perf_counter() - started) * 1000)
        now = clock.now()
        ok = result.delivered >= 1
        status = result.log[0][1] if result.log else result.status_code
        with transaction.atomic():
            pending = DeadLetter.objects.filter(
                pk=letter.pk, state=DeadLetterState.REPLAY_REQUESTED
            )
            if ok:
                pending.update(state=DeadLetterState.REPLAYED, replayed_at=now)
            else:
                pending.update(
                    state=DeadLetterState.DEAD,
                    attempts=F("attempts") + 1,
                    last_error=result.error[:500],
                    last_status_code=result.status_code,
                )
            DeliveryAttempt.objects.create(
                subscription_id=sub.pk,
                event_id=event.event_id,
                event_type=event.event_type,
                position=event.position,
                last_position=event.position,
                attempt=letter.attempts + 1,
                outcome=DeliveryOutcome.DELIVERED if ok else DeliveryOutcome.DEAD,
                status_code=status,
                error="" if ok else result.error[:500],
                duration_ms=duration_ms,
                attempted_at=now,
                relay=self.name,
            )
        if ok:
            self.stats.replayed += 1
        else:
            self.stats.failed += 1
            log.info(
                "relay %s: replay of event #%s failed: %s", self.name, event.position, result.error
            )


def run(
    *,
    relay_name: str,
    once: bool = False,
    stop: threading.Event | None = None,
    transports: TransportFactory | None = None,
    batch: int | None = None,
) -> RunStats:
    """Run a relay until ``stop`` is set (or, with ``once``, until nothing is
    deliverable: lanes due as of the start, so a lane that fails is not retried in the run).

    Without ``stop``, in the main thread, SIGTERM and SIGINT stop it gracefully: the current
    batch is finished and committed, transports are closed and the SQLite lease given up.
    ``transports`` maps a subscription to its transport (tests inject one; the default opens a
    :class:`WebhookTransport` or the RabbitMQ ``AmqpTransport``).
    """
    handlers: dict[signal.Signals, Any] = {}
    if stop is None:
        stop = threading.Event()
        if threading.current_thread() is threading.main_thread():

            def on_signal(signum: int, frame: Any) -> None:
                log.info("relay %s: signal %d, stopping after this batch", relay_name, signum)
                stop.set()

            for sig in (signal.SIGTERM, signal.SIGINT):
                handlers[sig] = signal.signal(sig, on_signal)
    try:
        relay = Relay(relay_name, transports=transports, batch=batch, stop=stop)
        return relay.run(once=once)
    finally:
        for sig, previous in handlers.items():
            signal.signal(sig, previous)
