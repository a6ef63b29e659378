"""``mederp subscription create|list|show|pause|resume|rotate-secret``: where the relay delivers
outbox events (docs/relay.md).

A webhook's signing secret is printed once, alone on the last line, when it is created or
rotated; it is stored only encrypted and cannot be shown again. Every change is audited as the
CLI (``mederp subscription``) with the reason given.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.integration import selectors, services
from mederp.integration.models import Subscription

ACTOR = "mederp subscription"


def _subscription(name: str) -> Subscription:
    sub = selectors.subscription_by_name(name)
    if sub is None and name.isdigit():
        sub = selectors.get_subscription(int(name))
    if sub is None:
        raise CommandError(f"no subscription {name}")
    return sub


def _when(value: Any) -> str:
    return value.isoformat().replace("+00:00", "Z") if value else "-"


class Command(BaseCommand):
    help = "Create, list, show, pause, resume event subscriptions and rotate webhook secrets."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="a webhook or RabbitMQ subscription")
        create.add_argument("name")
        create.add_argument("--kind", choices=["webhook", "amqp"], default="webhook")
        create.add_argument("--url", required=True, help="https://… or amqp://user:pw@host/vhost")
        create.add_argument(
            "--event",
            action="append",
            dest="event_types",
            required=True,
            help="event type pattern, e.g. sales.* or capa.opened (repeat for more)",
        )
        create.add_argument("--exchange", default="", help="RabbitMQ exchange (mederp.events)")
        create.add_argument("--max-attempts", type=int, dest="max_attempts")
        create.add_argument(
            "--from-beginning",
            action="store_true",
            help="deliver every event in the outbox, not only those from now on",
        )
        listing = sub.add_parser("list", help="subscriptions with their status and lag")
        listing.add_argument("--json", action="store_true", dest="as_json")
        show = sub.add_parser("show", help="one subscription, its lanes retrying and latest log")
        show.add_argument("name")
        for action, text in (
            ("pause", "stop delivering (the lanes keep their place)"),
            ("resume", "deliver again from where it stopped"),
            ("rotate-secret", "a new webhook signing secret, printed once"),
        ):
            p = sub.add_parser(action, help=text)
            p.add_argument("name")
            p.add_argument("--reason", required=True)

    def handle(self, *args: Any, **opts: Any) -> None:
        action = str(opts["action"]).replace("-", "_")
        try:
            getattr(self, f"_{action}")(Actor.system(ACTOR), **opts)
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.render_message()}") from exc

    def _create(self, actor: Actor, *, name: str, **opts: Any) -> None:
        sub, secret = services.create_subscription(
            actor,
            name=name,
            kind=opts["kind"],
            url=opts["url"],
            event_types=opts["event_types"],
            exchange=opts["exchange"],
            max_attempts=opts["max_attempts"],
            start="beginning" if opts["from_beginning"] else "now",
        )
        self.stdout.write(f"created {sub.name} (id {sub.pk}, {sub.kind}) -> {sub.url}")
        if secret:
            self.stdout.write("signing secret (shown once, store it now):")
            self.stdout.write(secret)

    def _list(self, actor: Actor, *, as_json: bool = False, **_: Any) -> None:
        statuses = selectors.relay_status()
        if as_json:
            import json

            rows = [
                {
                    "id": s.subscription.pk,
                    "name": s.subscription.name,
                    "kind": s.subscription.kind,
                    "active": s.subscription.active,
                    "event_types": s.subscription.event_types,
                    "events_pending": s.events_pending,
                    "lag_seconds": round(s.lag_seconds, 3),
                    "dead_letters": s.dead_letters,
                    "last_delivery_at": _when(s.last_delivery_at),
                }
                for s in statuses
            ]
            self.stdout.write(json.dumps(rows, ensure_ascii=False))
            return
        for s in statuses:
            sub = s.subscription
            self.stdout.write(
                f"{sub.name}\t{sub.kind}\t{'active' if sub.active else 'paused'}"
                f"\tlag={s.lag_seconds:.0f}s\tpending={s.events_pending}"
                f"\tdead={s.dead_letters}\tlast={_when(s.last_delivery_at)}"
                f"\tevents={','.join(sub.event_types)}"
            )

    def _show(self, actor: Actor, *, name: str, **_: Any) -> None:
        sub = _subscription(name)
        s = selectors.relay_status([sub.pk])[0]
        for label, value in (
            ("name", sub.name),
            ("id", sub.pk),
            ("kind", sub.kind),
            ("url", sub.url),
            ("exchange", sub.exchange or "-"),
            ("event types", ", ".join(sub.event_types)),
            ("state", "active" if sub.active else "paused"),
            ("max attempts", sub.max_attempts),
            ("lag", f"{s.lag_seconds:.0f}s (oldest owed {_when(s.oldest_pending_at)})"),
            ("pending", f"{s.events_pending} events in {s.lanes_pending} lanes"),
            ("dead letters", f"{s.dead_letters} (+{s.replays_requested} replay requested)"),
            ("last delivery", _when(s.last_delivery_at)),
        ):
            self.stdout.write(f"{label}:\t{value}")
        for r in s.retrying:
            self.stdout.write(
                f"retrying lane {r.partition}: {r.attempts} attempts, next "
                f"{_when(r.next_attempt_at)}: {r.last_error}"
            )
        for a in selectors.delivery_log(sub.pk)[:10]:
            self.stdout.write(
                f"  {_when(a.attempted_at)}\t{a.outcome}\t{a.event_type}\t#{a.position}"
                f"\tattempt {a.attempt}\t{a.status_code or '-'}\t{a.error}"
            )

    def _pause(self, actor: Actor, *, name: str, reason: str, **_: Any) -> None:
        sub = services.set_active(actor, _subscription(name).pk, active=False, reason=reason)
        self.stdout.write(f"paused {sub.name}")

    def _resume(self, actor: Actor, *, name: str, reason: str, **_: Any) -> None:
        sub = services.set_active(actor, _subscription(name).pk, active=True, reason=reason)
        self.stdout.write(f"resumed {sub.name}")

    def _rotate_secret(self, actor: Actor, *, name: str, reason: str, **_: Any) -> None:
        sub, secret = services.rotate_secret(actor, _subscription(name).pk, reason=reason)
        self.stdout.write(f"rotated the signing secret of {sub.name}; the old one no longer signs")
        self.stdout.write("signing secret (shown once, store it now):")
        self.stdout.write(str(secret))
