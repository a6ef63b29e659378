"""``mederp deadletter list|replay``: events a webhook did not take after its subscription's
maximum attempts, and asking the relay to deliver them again (docs/relay.md).

``replay ID...`` names dead letters; ``replay --subscription NAME`` takes every dead one of that
subscription. ``--reason`` is required and goes into the audit trail (AT-04).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.integration import selectors, services
from mederp.integration.models import DeadLetterState

ACTOR = "mederp deadletter"


class Command(BaseCommand):
    help = "List dead letters, or ask the relay to deliver them again."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="dead letters, newest first")
        listing.add_argument("--state", choices=DeadLetterState.values, default="")
        listing.add_argument("--subscription", default="", help="a subscription's name")
        listing.add_argument("--limit", type=int, default=100)
        replay = sub.add_parser("replay", help="deliver dead letters again")
        replay.add_argument("ids", nargs="*", type=int, help="dead letter ids")
        replay.add_argument("--subscription", default="", help="every dead one of it")
        replay.add_argument("--reason", required=True)

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            getattr(self, f"_{opts['action']}")(Actor.system(ACTOR), **opts)
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.render_message()}") from exc

    @staticmethod
    def _subscription_id(name: str) -> int | None:
        if not name:
            return None
        sub = selectors.subscription_by_name(name)
        if sub is None:
            raise CommandError(f"no subscription {name}")
        return sub.pk

    def _list(self, actor: Actor, *, state: str, subscription: str, limit: int, **_: Any) -> None:
        rows = selectors.dead_letters(
            state=state, subscription_id=self._subscription_id(subscription)
        )
        for d in rows[: max(1, limit)]:
            self.stdout.write(
                f"{d.pk}\t{d.state}\t{d.subscription.name}\t{d.event.event_type}"
                f"\t{d.event.event_id}\tattempts={d.attempts}"
                f"\tdead_at={d.dead_at.isoformat().replace('+00:00', 'Z')}\t{d.last_error}"
            )

    def _replay(
        self, actor: Actor, *, ids: list[int], subscription: str, reason: str, **_: Any
    ) -> None:
        if not ids and not subscription:
            raise CommandError("name dead letter ids, or --subscription NAME")
        letters = services.request_replay(
            actor,
            dead_letter_ids=ids,
            subscription=self._subscription_id(subscription),
            reason=reason,
        )
        for d in letters:
            self.stdout.write(f"{d.pk}\treplay_requested\t{d.subscription.name}")
        self.stdout.write(f"{len(letters)} dead letter(s): replay requested")
