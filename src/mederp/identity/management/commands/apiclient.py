"""``mederp apiclient create|issue|rotate|revoke|list|limit``: API clients, their keys (AC-07)
and their rate limits.

A secret is printed once, on its own line, when a key is issued or rotated; it is never stored
and cannot be shown again. Keys are named by their prefix (``mederp_<prefix>_...``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.identity import apiclients, ratelimits, services, tokens
from mederp.identity.models import ApiToken, User

ACTOR = "mederp apiclient"
# ``limit`` without --per-minute (or --burst) keeps that figure as it is.
KEEP_FIGURE: Any = object()


def _when(value: str) -> dt.datetime:
    """An ISO 8601 date or time; without a zone it is UTC."""
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--expires: not an ISO 8601 date or time: {value}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _client(name: str) -> User:
    username = name if name.startswith("client:") else f"client:{name}"
    client = User.objects.filter(username=username, is_api_client=True).first()
    if client is None:
        raise CommandError(f"no API client {username}")
    return client


def _client_or_key(name: str) -> User:
    """A client by its name (``mes``, ``client:mes``) or by one of its keys' prefixes."""
    found = User.objects.filter(
        username=name if name.startswith("client:") else f"client:{name}", is_api_client=True
    ).first()
    if found is None:
        key = ApiToken.objects.filter(prefix=name.removeprefix(f"{tokens.PREFIX}_")).first()
        found = key.user if key is not None else None
    if found is None:
        raise CommandError(f"no API client or key {name}")
    return found


def _figure(value: str) -> int | None:
    """A whole number, or ``default`` for the site's default."""
    if value == "default":
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise CommandError(f"not a whole number or 'default': {value}") from exc


def _key(prefix: str) -> ApiToken:
    key = ApiToken.objects.filter(prefix=prefix.removeprefix(f"{tokens.PREFIX}_")).first()
    if key is None:
        raise CommandError(f"no API key with prefix {prefix}")
    return key


class Command(BaseCommand):
    help = "Create API clients (MES, WMS, LIMS...) and issue, rotate, revoke or list their keys."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="a new API client and its first key")
        create.add_argument("name")
        create.add_argument("--role", action="append", default=[], dest="roles")
        self._key_options(create)
        issue = sub.add_parser("issue", help="another key for an existing client")
        issue.add_argument("client")
        issue.add_argument("--name", default="")
        self._key_options(issue)
        rotate = sub.add_parser("rotate", help="replace a key by a new one with the same scopes")
        rotate.add_argument("prefix")
        rotate.add_argument(
            "--grace",
            type=int,
            default=0,
            help="seconds the old key keeps working (default 0: refused at once)",
        )
        rotate.add_argument("--expires", type=_when, help="the new key's expiry (default: same)")
        rotate.add_argument("--reason", default="")
        revoke = sub.add_parser("revoke", help="stop a key at once")
        revoke.add_argument("prefix")
        revoke.add_argument("--reason", required=True)
        listing = sub.add_parser("list", help="clients and their keys (never the secrets)")
        listing.add_argument("client", nargs="?")
        limit = sub.add_parser(
            "limit", help="show or set a client's rate limit (without options: show it)"
        )
        limit.add_argument("client", help="the client's name or one of its keys' prefixes")
        limit.add_argument("--per-minute", type=_figure, default=KEEP_FIGURE, dest="per_minute")
        limit.add_argument("--burst", type=_figure, default=KEEP_FIGURE)
        limit.add_argument("--reason", default="")

    @staticmethod
    def _key_options(parser: CommandParser) -> None:
        parser.add_argument(
            "--scope",
            action="append",
            default=[],
            dest="scopes",
            required=True,
            help="app:verb, e.g. inventory:write or *:read (repeat for more)",
        )
        parser.add_argument("--expires", type=_when, help="ISO date or time (UTC if no zone)")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            getattr(self, f"_{opts['action']}")(Actor.system(ACTOR), **opts)
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.render_message()}") from exc

    def _create(self, actor: Actor, *, name: str, roles: list[str], **opts: Any) -> None:
        _user, secret = services.create_api_client(
            actor, name=name, roles=roles, scopes=opts["scopes"], expires_at=opts["expires"]
        )
        self.stdout.write(secret)

    def _issue(self, actor: Actor, *, client: str, **opts: Any) -> None:
        _new, secret = apiclients.issue_key(
            actor,
            _client(client).pk,
            name=opts["name"],
            scopes=opts["scopes"],
            expires_at=opts["expires"],
        )
        self.stdout.write(secret)

    def _rotate(self, actor: Actor, *, prefix: str, grace: int, **opts: Any) -> None:
        expires = opts["expires"] if opts["expires"] is not None else apiclients.KEEP
        _new, secret = apiclients.rotate_key(
            actor, _key(prefix).pk, grace_seconds=grace, expires_at=expires, reason=opts["reason"]
        )
        self.stdout.write(secret)

    def _revoke(self, actor: Actor, *, prefix: str, reason: str, **_: Any) -> None:
        key = apiclients.revoke_key(actor, _key(prefix).pk, reason=reason)
        self.stdout.write(f"revoked {key.prefix} at {key.revoked_at:%Y-%m-%dT%H:%M:%SZ}")

    def _list(self, actor: Actor, *, client: str | None, **_: Any) -> None:
        clients = apiclients.api_clients()
        if client:
            clients = clients.filter(pk=_client(client).pk)
        for c in clients:
            roles = ",".join(sorted(g.name for g in c.groups.all())) or "-"
            state = "active" if c.is_active else "inactive"
            self.stdout.write(f"{c.username}\t{state}\troles={roles}")
            for k in c.api_tokens.all():
                expires = k.expires_at.isoformat() if k.expires_at else "never"
                used = k.last_used_at.isoformat() if k.last_used_at else "never"
                self.stdout.write(
                    f"  {k.prefix}\t{tokens.state(k)}\tscopes={','.join(k.scopes)}"
                    f"\texpires={expires}\tlast_used={used}"
                )

    def _limit(
        self, actor: Actor, *, client: str, per_minute: Any, burst: Any, **opts: Any
    ) -> None:
        target = _client_or_key(client)
        if per_minute is not KEEP_FIGURE or burst is not KEEP_FIGURE:
            if per_minute is KEEP_FIGURE:
                per_minute = target.rate_limit_per_minute
            if burst is KEEP_FIGURE:
                burst = target.rate_limit_burst
            target = ratelimits.set_client_limit(
                actor, target.pk, per_minute=per_minute, burst=burst, reason=opts["reason"]
            )
        shown = ratelimits.limit_view(target)
        own = [
            "own" if shown["own_per_minute"] is not None else "default",
            "own" if shown["own_burst"] is not None else "default",
        ]
        self.stdout.write(
            f"{target.username}\tper_minute={shown['per_minute']} ({own[0]})"
            f"\tburst={shown['burst']} ({own[1]})"
        )
