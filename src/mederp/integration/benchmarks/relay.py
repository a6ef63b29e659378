"""``mederp bench relay``: events per second ``mederp relay`` delivers to RabbitMQ (publisher
confirms) and to a webhook receiver, by one and by two relay processes, and the end-to-end lag
from commit to arrival at a steady 500 events/s (issue 7, "Measured").

In a scratch database (PostgreSQL by default, core.benchmarks.scratch):

1. ``--events`` events for RabbitMQ and ``--webhook-events`` for the webhook are written and
   sequenced beforehand (over ``--aggregates`` orders, so every lane has work);
2. for each relay count, that many ``mederp relay`` processes are started and left idle; then,
   per destination, a new subscription (the others paused) is committed with its lanes at the
   start of the range, and the time from that commit to the arrival of the range's last distinct
   event at the consumer is taken;
3. the references, in the same run: the same events delivered by the same transport with no
   database (read beforehand), pika's one-confirm-at-a-time publishing, and the events read in
   feed order with their message bodies built but not sent;
4. lag, with the first relay count (one by default): ``--lag-producers`` processes commit one
   event per transaction, together ``--lag-rate`` per second, for ``--lag-seconds`` while the
   relays run at their configured poll interval; lag = arrival at the consumer - commit,
   p50/p95/max.

The consumer and the receiver live in this process (:mod:`.receivers`); RabbitMQ gets a bench
exchange of its own, deleted at the end.
"""

from __future__ import annotations

import math
import secrets
import time
from collections.abc import Callable
from typing import Any

import pika

from mederp.core.benchmarks import scratch
from mederp.core.benchmarks.workers import Worker, gather, load_average
from mederp.integration.benchmarks.receivers import AmqpCounter, Relays, WebhookReceiver
from mederp.integration.relay.amqp import connection_parameters

COMMANDS = "mederp.integration.benchmarks.clients"
DEFAULT_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"
TARGETS = {"rabbitmq_events_per_s": 5000.0, "lag_p95_s": 1.0}
FULL = {
    "events": 50_000,
    "webhook_events": 10_000,
    "aggregates": 5_000,
    "lag_rate": 500.0,
    "lag_seconds": 20.0,
    "lag_producers": 4,
    "blocking_events": 5_000,
}
QUICK = {
    "events": 2_000,
    "webhook_events": 500,
    "aggregates": 500,
    "lag_rate": 500.0,
    "lag_seconds": 3.0,
    "lag_producers": 4,
    "blocking_events": 500,
}
MQ, HOOK, LAG = "bench.mq.shipped", "bench.hook.shipped", "bench.lag.shipped"
ARRIVAL_TIMEOUT_S = 600.0


def add_arguments(parser: Any) -> None:
    parser.add_argument("--json", action="store_true", help="one compact JSON line on stdout")
    parser.add_argument("--quick", action="store_true", help="a run of under a minute")
    parser.add_argument(
        "--database-url",
        help="server on which to create the scratch database (default: DATABASE_URL)",
    )
    parser.add_argument("--amqp-url", help=f"RabbitMQ broker (default {DEFAULT_AMQP_URL})")
    parser.add_argument("--relays", default="1,2", help="relay process counts, e.g. 1,2")
    parser.add_argument("--events", type=int, help="events delivered to RabbitMQ per phase")
    parser.add_argument("--webhook-events", type=int, help="events delivered to the webhook")
    parser.add_argument("--aggregates", type=int, help="aggregates the events belong to")
    parser.add_argument("--lag-rate", type=float, help="events per second in the lag phase")
    parser.add_argument("--lag-seconds", type=float, help="duration of the lag phase")
    parser.add_argument(
        "--lag-producers", type=int, help="producer processes sharing the lag phase's rate"
    )


def run(options: dict[str, Any], progress: Callable[[str], None] = lambda _: None) -> dict:
    quick = bool(options.get("quick"))
    cfg = {k: options.get(k) or v for k, v in (QUICK if quick else FULL).items()}
    counts = sorted({int(n) for n in str(options.get("relays") or "1,2").split(",") if n})
    if not counts or counts[0] < 1:
        raise ValueError("--relays needs positive counts, e.g. 1,2")
    server = options.get("database_url") or scratch.configured_url()
    amqp_url = options.get("amqp_url") or DEFAULT_AMQP_URL
    exchange = f"mederp.bench-{secrets.token_hex(4)}"
    load_before = load_average()
    with scratch.scratch_database(server) as url:
        bench = _Bench(url, amqp_url, exchange, progress)
        try:
            result = bench.measure(cfg, counts)
        finally:
            bench.close()
    result.update(
        {
            "benchmark": "relay",
            "quick": quick,
            "events": int(cfg["events"]),
            "webhook_events": int(cfg["webhook_events"]),
            "aggregates": int(cfg["aggregates"]),
        }
    )
    result["machine"] = {
        **scratch.machine(bench.database),
        "load_average_before": load_before,
        "load_average_after": load_average(),
    }
    return result


class _Bench:
    def __init__(self, url: str, amqp_url: str, exchange: str, progress: Any) -> None:
        self.url, self.amqp_url, self.exchange, self.progress = url, amqp_url, exchange, progress
        self.worker = Worker(url, 0, COMMANDS)
        self.producers: list[Worker] = []
        self.database = ""
        self._phase = 0

    def close(self) -> None:
        for worker in [self.worker, *self.producers]:
            worker.stop()
        try:
            connection = pika.BlockingConnection(connection_parameters(self.amqp_url))
            connection.channel().exchange_delete(self.exchange)
            connection.close()
        except Exception as exc:  # the run's figures stand; say what was left behind
            self.progress(f"could not delete the exchange {self.exchange}: {exc}")

    def measure(self, cfg: dict[str, Any], counts: list[int]) -> dict[str, Any]:
        self.producers = [Worker(self.url, 1 + i, COMMANDS) for i in range(cfg["lag_producers"])]
        self.database = self.worker.call("database")
        self.progress(f"writing {cfg['events']:,} + {cfg['webhook_events']:,} events")
        mq = self.worker.call("prepare", MQ, int(cfg["events"]), int(cfg["aggregates"]))
        hook = self.worker.call("prepare", HOOK, int(cfg["webhook_events"]), int(cfg["aggregates"]))
        result: dict[str, Any] = {"rabbitmq_events_per_s": {}, "webhook_events_per_s": {}}
        phases: dict[str, Any] = {}
        lag: dict[str, Any] = {}
        for n in counts:
            # The relays start once per count and idle until a phase's subscription appears,
            # so their start-up is never timed; each phase pauses the previous subscription.
            relays = Relays(self.url, n, f"bench-{n}")
            try:
                relays.wait_started()
                figures = self._relayed("amqp", n, mq, MQ)
                result["rabbitmq_events_per_s"][str(n)] = figures["events_per_s"]
                phases[f"rabbitmq_{n}"] = figures
                figures = self._relayed("webhook", n, hook, HOOK)
                result["webhook_events_per_s"][str(n)] = figures["events_per_s"]
                phases[f"webhook_{n}"] = figures
                if n == counts[0]:
                    lag = self._lag(float(cfg["lag_rate"]), float(cfg["lag_seconds"]))
                    lag["producer_processes"] = len(self.producers)
                    lag["relay_processes"] = n
            finally:
                phases[f"relays_{n}"] = relays.stop()
        result["lag_p95_s"] = lag["p95_s"]
        result["lag"] = lag
        reference = self._references(mq, hook, int(cfg["blocking_events"]))
        result["reference"] = reference
        one = str(counts[0])
        result["ratios"] = {
            f"rabbitmq_{one}_over_transport": _ratio(
                result["rabbitmq_events_per_s"][one], reference["rabbitmq_transport_events_per_s"]
            ),
            f"webhook_{one}_over_transport": _ratio(
                result["webhook_events_per_s"][one], reference["webhook_transport_events_per_s"]
            ),
        }
        best = max(result["rabbitmq_events_per_s"].values())
        result["targets"] = {
            "rabbitmq_events_per_s": {"min": TARGETS["rabbitmq_events_per_s"],
                                      "met": best >= TARGETS["rabbitmq_events_per_s"]},
            "lag_p95_s": {"max": TARGETS["lag_p95_s"],
                          "met": lag["p95_s"] is not None
                          and lag["p95_s"] < TARGETS["lag_p95_s"]},
        }  # fmt: skip
        result["phases"] = phases
        result["receivers"] = {
            "rabbitmq": "pika BlockingConnection consumer thread in the bench process, no-ack, "
            "prefetch 2000, counting distinct message ids",
            "webhook": "http.server.ThreadingHTTPServer in the bench process, HTTP/1.1 "
            "keep-alive, 204 after parsing the JSON body, signature not checked",
        }
        return result

    def _name(self, label: str) -> str:
        self._phase += 1
        return f"bench-{self._phase}-{label}"

    def _receiver(self, kind: str) -> Any:
        return AmqpCounter(self.amqp_url, self.exchange) if kind == "amqp" else WebhookReceiver()

    def _target(self, kind: str, receiver: Any) -> str:
        return self.amqp_url if kind == "amqp" else str(receiver.url)

    def _relayed(self, kind: str, relays: int, rng: dict[str, int], event_type: str) -> dict:
        """The running relays deliver the range to a new subscription, timed from its commit
        to the arrival of the range's last distinct event."""
        count = rng["last"] - rng["first"] + 1
        receiver = self._receiver(kind)
        try:
            started = self.worker.call(
                "subscribe", self._name(f"{kind}-{relays}"), kind, self._target(kind, receiver),
                self.exchange, event_type, rng["first"] - 1,
            )  # fmt: skip
            done = receiver.wait_for(count, ARRIVAL_TIMEOUT_S)
        finally:
            receiver.close()
        if done is None:
            raise RuntimeError(f"{kind}: {receiver.distinct()} of {count} events arrived")
        seconds = done - started
        figures = {
            "events_per_s": round(count / seconds, 1),
            "seconds": round(seconds, 3),
            "duplicates": receiver.total - receiver.distinct(),
        }
        self.progress(f"{kind}, {relays} relay(s): {figures['events_per_s']:,.0f} events/s")
        return figures

    def _lag(self, rate: float, seconds: float) -> dict[str, Any]:
        """The running relays deliver what a producer commits at ``rate`` per second."""
        counter = AmqpCounter(self.amqp_url, self.exchange)
        try:
            self.worker.call(
                "subscribe", self._name("lag"), "amqp", self.amqp_url, self.exchange, LAG, None
            )
            # Interleaved: producer i's n-th event is due at start + i/rate + n * producers/rate.
            total, many = int(rate * seconds), len(self.producers)
            start, share = time.time() + 1.0, rate / many
            committed: dict[str, float] = {}
            for answer in gather(
                [p.send("produce", LAG, share, len(range(i, total, many)), start + i / rate)
                 for i, p in enumerate(self.producers)]
            ):  # fmt: skip
                committed.update(answer)
            counter.wait_for(len(committed), 30.0)
        finally:
            counter.close()
        lags = sorted(counter.first[i] - t for i, t in committed.items() if i in counter.first)
        produced_s = max(committed.values()) - min(committed.values()) if committed else 0.0
        figures = {
            "rate_per_s": rate,
            "seconds": seconds,
            "events": len(committed),
            "produced_per_s": round(len(committed) / produced_s, 1) if produced_s else None,
            "arrived": len(lags),
            "p50_s": _percentile(lags, 0.50),
            "p95_s": _percentile(lags, 0.95),
            "max_s": round(lags[-1], 4) if lags else None,
        }
        self.progress(f"lag at {rate:.0f}/s: p95 {figures['p95_s']}s")
        return figures

    def _references(self, mq: dict[str, int], hook: dict[str, int], blocking: int) -> dict:
        reference: dict[str, Any] = {}
        for kind, rng, key in (
            ("amqp", mq, "rabbitmq_transport_events_per_s"),
            ("webhook", hook, "webhook_transport_events_per_s"),
        ):
            count = rng["last"] - rng["first"] + 1
            receiver = self._receiver(kind)
            try:
                name = self._name(f"{kind}-reference")
                self.worker.call(
                    "subscribe", name, kind, self._target(kind, receiver), self.exchange,
                    "bench.none", None,
                )  # fmt: skip
                started = self.worker.call("transport_floor", name, rng["first"], rng["last"], 500)
                done = receiver.wait_for(count, ARRIVAL_TIMEOUT_S)
            finally:
                receiver.close()
            if done is None:
                raise RuntimeError(f"{kind} reference: {receiver.distinct()} of {count} arrived")
            reference[key] = round(count / (done - started), 1)
        counter = AmqpCounter(self.amqp_url, self.exchange)  # so the messages are routed
        try:
            last = min(mq["last"], mq["first"] + blocking - 1)
            one_by_one = self.worker.call(
                "blocking_floor", self.amqp_url, self.exchange, mq["first"], last
            )
        finally:
            counter.close()
        reference["rabbitmq_one_confirm_at_a_time_events_per_s"] = round(
            one_by_one["events"] / one_by_one["seconds"], 1
        )
        read = self.worker.call("select_floor", mq["first"], mq["last"])
        reference["select_events_per_s"] = round(read["events"] / read["seconds"], 1)
        reference["what"] = {
            "rabbitmq_transport_events_per_s": "the same events through AmqpTransport (batches "
            "of 500, confirms per batch), read beforehand: no database during delivery",
            "webhook_transport_events_per_s": "the same events through WebhookTransport "
            "(chunks of 25, as the engine sends them), no database during delivery",
            "rabbitmq_one_confirm_at_a_time_events_per_s": "pika BlockingChannel in confirm "
            "mode, each publish waiting for its own confirm",
            "select_events_per_s": "the events read in feed order, pages of 500, message "
            "bodies built, nothing sent",
        }
        self.progress("references measured")
        return reference


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    return round(values[max(0, math.ceil(q * len(values)) - 1)], 4)


def _ratio(value: float, reference: float) -> float:
    return round(value / reference, 3) if reference else 0.0
