"""Event subscriptions: where the relay delivers outbox events and which ones (issue 7, 1a/1b;
invariant 3). The only code that writes :class:`~mederp.integration.models.Subscription` rows.

A subscription is configuration of a regulated system (AT-13, 21 CFR 11.10(k)(2)): each
creation and change is audited in its transaction, with a reason for every change (AT-04), and
announced on the outbox (:mod:`mederp.integration.events`). A refusal writes nothing.

The webhook signing secret is like an API key's secret (AC-07): generated here unless the
caller brings one, handed back once (:class:`WithSecret`), stored only sealed
(AES-256-GCM, :mod:`mederp.integration.relay.secrets`), and never written to the audit trail,
an event or a log. A RabbitMQ broker password is kept the same way: given inside the URL, it
is taken out of the URL and sealed.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from typing import Any, NamedTuple
from urllib.parse import SplitResult, urlsplit, urlunsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from mederp.core import audit, canonical, clock, outbox
from mederp.core.actors import Actor
from mederp.core.errors import ReasonRequired
from mederp.core.models import OutboxEvent
from mederp.core.services import authorize, check_version
from mederp.integration import events, locks
from mederp.integration.errors import (
    EventPatternsInvalid,
    SecretRotationWebhookOnly,
    SubscriptionInvalid,
    SubscriptionNameTaken,
    SubscriptionNotFound,
    SubscriptionStateUnchanged,
    SubscriptionUrlInsecure,
    SubscriptionUrlInvalid,
)
from mederp.integration.models import RelayCursor, Subscription, SubscriptionKind
from mederp.integration.relay.secrets import generate_secret, seal_secret

ADD = "integration.add_subscription"
CHANGE = "integration.change_subscription"
AGGREGATE = "integration.subscription"
START_NOW, START_BEGINNING = "now", "beginning"
MAX_PATTERNS = 50
MAX_ATTEMPTS_LIMIT = 100
MIN_SECRET_LENGTH = 16
_EXCHANGE = re.compile(r"^[A-Za-z0-9_.:-]{0,100}$")
# In the audit trail a secret is only ever "set": never its value, nor its ciphertext.
SECRET_SET = "(set)"  # noqa: S105 (a placeholder)
SECRET_REPLACED = "(replaced)"  # noqa: S105 (a placeholder)


class WithSecret(NamedTuple):
    """A subscription and its new secret in clear text: show it once, store it nowhere."""

    subscription: Subscription
    secret: str | None


def _reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ReasonRequired()
    return text


def _name(name: str) -> str:
    text = (name or "").strip()
    if not text or len(text) > 100:
        raise SubscriptionInvalid(label=_("Name"), problem=_("1 to 100 characters."), field="name")
    return text


def clean_patterns(patterns: Iterable[str] | None) -> list[str]:
    """Lower-cased, de-duplicated event-type patterns (:data:`events.PATTERN`); at least one."""
    if isinstance(patterns, str):
        patterns = [p for p in re.split(r"[\s,]+", patterns) if p]
    cleaned: list[str] = []
    bad: list[str] = []
    for raw in patterns or ():
        pattern = str(raw).strip().lower()
        if not events.valid_pattern(pattern):
            bad.append(str(raw))
        elif pattern not in cleaned:
            cleaned.append(pattern)
    if bad or not cleaned or len(cleaned) > MAX_PATTERNS:
        raise EventPatternsInvalid(patterns=", ".join(bad) or "—", field="event_types")
    return cleaned


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _shown(url: str) -> str:
    """The URL as an error may repeat it: without a password."""
    return re.sub(r"(//[^/@:]*):[^/@]*@", r"\1:***@", url)


def _split(url: str, kind: str) -> SplitResult:
    text = (url or "").strip()
    problem = ""
    parts = urlsplit(text)
    try:
        parts.port  # noqa: B018 (parsing the port is the check)
    except ValueError:
        problem = _("the port is not a number from 0 to 65535")
    if not text or len(text) > 500 or any(c.isspace() for c in text):
        problem = _("1 to 500 characters without spaces")
    elif not parts.hostname:
        problem = _("a host name is required")
    elif parts.fragment:
        problem = _("no #fragment")
    if problem:
        raise SubscriptionUrlInvalid(
            url=_shown(text) or "—", kind=kind, problem=problem, field="url"
        )
    return parts


def clean_url(kind: str, url: str) -> tuple[str, str | None]:
    """The URL to store and, for RabbitMQ, the broker password taken out of it (or None).

    Webhook: http(s) with a host and no credentials; plain http only to a loopback host unless
    ``MEDERP_RELAY["ALLOW_HTTP"]``. RabbitMQ: amqp(s)://user[:password]@host[:port]/vhost.
    """
    if kind == SubscriptionKind.WEBHOOK:
        parts = _split(url, "webhook")
        if parts.scheme not in ("http", "https"):
            raise SubscriptionUrlInvalid(
                url=url, kind="webhook", problem=_("it must start with https://"), field="url"
            )
        if parts.username is not None or parts.password is not None:
            raise SubscriptionUrlInvalid(
                url=_shown(parts.geturl()),
                kind="webhook",
                problem=_("no user name or password in a webhook URL"),
                field="url",
            )
        allow_http = bool(getattr(settings, "MEDERP_RELAY", {}).get("ALLOW_HTTP", False))
        if parts.scheme == "http" and not allow_http and not _is_loopback(parts.hostname or ""):
            raise SubscriptionUrlInsecure(url=url.strip(), field="url")
        return parts.geturl(), None
    if kind == SubscriptionKind.AMQP:
        parts = _split(url, "RabbitMQ")
        if parts.scheme not in ("amqp", "amqps"):
            raise SubscriptionUrlInvalid(
                url=_shown(parts.geturl()),
                kind="RabbitMQ",
                problem=_("it must start with amqp:// or amqps://"),
                field="url",
            )
        password = parts.password
        if password is None:
            return parts.geturl(), None
        host = parts.netloc.rpartition("@")[2]
        netloc = f"{parts.username}@{host}" if parts.username else host
        return urlunsplit(parts._replace(netloc=netloc)), password
    raise SubscriptionInvalid(
        label=_("Kind"), problem=_("webhook or amqp (RabbitMQ)."), field="kind"
    )


def _max_attempts(value: int | None) -> int:
    if value is None:
        return int(settings.MEDERP_RELAY["MAX_ATTEMPTS"])
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not (1 <= value <= MAX_ATTEMPTS_LIMIT)
    ):
        raise SubscriptionInvalid(
            label=_("Attempts before dead letter"),
            problem=_("a whole number from 1 to %(n)s.") % {"n": MAX_ATTEMPTS_LIMIT},
            field="max_attempts",
        )
    return value


def _exchange(kind: str, exchange: str) -> str:
    text = (exchange or "").strip()
    if text and kind != SubscriptionKind.AMQP:
        raise SubscriptionInvalid(
            label=_("Exchange"),
            problem=_("only a RabbitMQ subscription has an exchange."),
            field="exchange",
        )
    if not _EXCHANGE.fullmatch(text):
        raise SubscriptionInvalid(
            label=_("Exchange"),
            problem=_("letters, digits and . _ : - only, at most 100."),
            field="exchange",
        )
    return text


def _secret(secret: str | None) -> str | None:
    if secret is None or secret == "":
        return None
    if len(secret) < MIN_SECRET_LENGTH or len(secret) > 200 or not secret.isprintable():
        raise SubscriptionInvalid(
            label=_("Secret"),
            problem=_("%(n)s to 200 printable characters.") % {"n": MIN_SECRET_LENGTH},
            field="secret",
        )
    return secret


def _snapshot(sub: Subscription) -> dict[str, Any]:
    """What the audit trail shows of a subscription: every field but the sealed secret."""
    values = canonical.snapshot(sub)
    values.pop("secret_encrypted", None)
    return values


def _payload(sub: Subscription) -> dict[str, Any]:
    return {
        "id": sub.pk,
        "name": sub.name,
        "kind": sub.kind,
        "url": sub.url,
        "event_types": list(sub.event_types),
        "exchange": sub.exchange,
        "max_attempts": sub.max_attempts,
        "active": sub.active,
    }


def _emit(actor: Actor, sub: Subscription, event_type: str, payload: dict[str, Any]) -> None:
    outbox.emit(actor, event_type, aggregate_type=AGGREGATE, aggregate_id=sub.pk, payload=payload)


def _locked(pk: int) -> Subscription:
    sub = locks.lock_subscription(pk)
    if sub is None:
        raise SubscriptionNotFound(subscription=pk)
    return sub


def create_subscription(
    actor: Actor,
    *,
    name: str,
    kind: str,
    url: str,
    event_types: Iterable[str],
    secret: str | None = None,
    exchange: str = "",
    max_attempts: int | None = None,
    start: str = START_NOW,
) -> WithSecret:
    """A new subscription, its 16 lane cursors, and (webhook) its signing secret, returned once.

    ``start="now"`` delivers only events committed after this call (the cursors start at the
    feed's head, after sequencing what is committed); ``"beginning"`` replays the whole outbox.
    """
    authorize(actor, ADD)
    name = _name(name)
    if kind not in SubscriptionKind.values:
        raise SubscriptionInvalid(
            label=_("Kind"), problem=_("webhook or amqp (RabbitMQ)."), field="kind"
        )
    clean, password = clean_url(kind, url)
    patterns = clean_patterns(event_types)
    attempts = _max_attempts(max_attempts)
    exchange = _exchange(kind, exchange)
    given = _secret(secret)
    if password is not None and given is not None:
        raise SubscriptionInvalid(
            label=_("Secret"),
            problem=_("give the broker password either in the URL or as the secret, not both."),
            field="secret",
        )
    if start not in (START_NOW, START_BEGINNING):
        raise SubscriptionInvalid(label=_("Start"), problem=_("now or beginning."), field="start")
    if kind == SubscriptionKind.WEBHOOK:
        plain: str | None = given or generate_secret()
    else:
        plain = password if password is not None else given
    if Subscription.objects.filter(name=name).exists():
        raise SubscriptionNameTaken(name=name, field="name")
    if start == START_NOW:
        outbox.assign_positions()
    with transaction.atomic():
        head = 0
        if start == START_NOW:
            head = OutboxEvent.objects.aggregate(m=Max("position"))["m"] or 0
        now = clock.now()
        try:
            with transaction.atomic():
                sub = Subscription.objects.create(
                    name=name,
                    kind=kind,
                    url=clean,
                    event_types=patterns,
                    secret_encrypted=seal_secret(plain) if plain else "",
                    exchange=exchange,
                    max_attempts=attempts,
                    active=True,
                    created_at=now,
                    created_by=actor.name[:200],
                )
        except IntegrityError as exc:  # the same name created at the same moment
            raise SubscriptionNameTaken(name=name, field="name") from exc
        RelayCursor.objects.bulk_create(
            RelayCursor(subscription=sub, partition=lane, position=head, updated_at=now)
            for lane in range(outbox.PARTITIONS)
        )
        changes = canonical.diff({}, _snapshot(sub))
        if plain:
            changes["secret"] = [None, SECRET_SET]
        audit.record(actor, action=audit.CREATE, instance=sub, changes=changes)
        _emit(actor, sub, events.SUBSCRIPTION_CREATED, {**_payload(sub), "start_position": head})
    shown = plain if kind == SubscriptionKind.WEBHOOK else None
    return WithSecret(sub, shown)


def update_subscription(
    actor: Actor,
    subscription_id: int,
    *,
    reason: str,
    event_types: Iterable[str] | None = None,
    url: str | None = None,
    max_attempts: int | None = None,
    exchange: str | None = None,
    expected_version: int | None = None,
) -> Subscription:
    """Change what a subscription receives or where it goes; fields left ``None`` stay.

    A new broker password may come inside a RabbitMQ URL. Nothing changed writes nothing.
    Events already delivered stay delivered; the new patterns apply from each lane's cursor on.
    """
    authorize(actor, CHANGE)
    reason = _reason(reason)
    with transaction.atomic():
        sub = _locked(subscription_id)
        check_version(sub, expected_version)
        before = _snapshot(sub)
        changes: dict[str, list[Any]] = {}
        if url is not None:
            sub.url, password = clean_url(sub.kind, url)
            if password is not None:
                sub.secret_encrypted = seal_secret(password)
                changes["secret"] = [SECRET_SET, SECRET_REPLACED]
        if event_types is not None:
            sub.event_types = clean_patterns(event_types)
        if max_attempts is not None:
            sub.max_attempts = _max_attempts(max_attempts)
        if exchange is not None:
            sub.exchange = _exchange(sub.kind, exchange)
        changes = {**canonical.diff(before, _snapshot(sub)), **changes}
        if not changes:
            return sub
        sub.version += 1
        sub.save()
        changes["version"] = [sub.version - 1, sub.version]
        audit.record(actor, action=audit.UPDATE, instance=sub, changes=changes, reason=reason)
        _emit(
            actor,
            sub,
            events.SUBSCRIPTION_CHANGED,
            {**_payload(sub), "changed": sorted(changes), "reason": reason},
        )
    return sub


def set_active(actor: Actor, subscription_id: int, *, active: bool, reason: str) -> Subscription:
    """Pause (``active=False``) or resume a subscription. A paused subscription's lanes keep
    their cursors: on resuming, delivery continues where it stopped, nothing is skipped."""
    authorize(actor, CHANGE)
    reason = _reason(reason)
    with transaction.atomic():
        sub = _locked(subscription_id)
        if sub.active == active:
            raise SubscriptionStateUnchanged(
                subscription=sub.name,
                state=_("active") if active else _("paused"),
                current="active" if active else "paused",
            )
        before = _snapshot(sub)
        sub.active = active
        sub.version += 1
        sub.save(update_fields=["active", "version"])
        audit.record(
            actor,
            action=audit.UPDATE,
            instance=sub,
            changes=canonical.diff(before, _snapshot(sub)),
            reason=reason,
        )
        event = events.SUBSCRIPTION_RESUMED if active else events.SUBSCRIPTION_PAUSED
        _emit(actor, sub, event, {"id": sub.pk, "name": sub.name, "reason": reason})
    return sub


def rotate_secret(actor: Actor, subscription_id: int, *, reason: str) -> WithSecret:
    """A new signing secret for a webhook, returned once; the old one stops signing at once
    (the receiver must switch to the new one: see docs/relay.md)."""
    authorize(actor, CHANGE)
    reason = _reason(reason)
    with transaction.atomic():
        sub = _locked(subscription_id)
        if sub.kind != SubscriptionKind.WEBHOOK:
            raise SecretRotationWebhookOnly(subscription=sub.name)
        secret = generate_secret()
        sub.secret_encrypted = seal_secret(secret)
        sub.version += 1
        sub.save(update_fields=["secret_encrypted", "version"])
        audit.record(
            actor,
            action=audit.UPDATE,
            instance=sub,
            changes={
                "secret": [SECRET_SET, SECRET_REPLACED],
                "version": [sub.version - 1, sub.version],
            },
            reason=reason,
        )
        _emit(
            actor,
            sub,
            events.SUBSCRIPTION_SECRET_ROTATED,
            {"id": sub.pk, "name": sub.name, "reason": reason},
        )
    return WithSecret(sub, secret)
