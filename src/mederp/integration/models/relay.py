"""Outbound delivery of outbox events (invariant 3): subscriptions, their lanes, the delivery
log and dead letters.

A :class:`Subscription` is a destination (a webhook URL or a RabbitMQ broker) and the event types
it wants. Its stream is split into the outbox's fixed lanes (``core.outbox.PARTITIONS``, a hash of
the aggregate): one :class:`RelayCursor` per (subscription, lane) holds the feed position up to
which that lane is delivered. A relay process claims a lane (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL; the :class:`RelayLease` single-relay lock on SQLite), delivers the next events in
position order, and advances the cursor in the same transaction, so several relays never deliver
the same attempt twice, and events of one aggregate, which share a lane, arrive in order.

A webhook event that still fails after ``max_attempts`` becomes a :class:`DeadLetter` and the lane
moves on; replaying it (UI, CLI, API) delivers it again. Every attempt is written to the
per-subscription delivery log, :class:`DeliveryAttempt`.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SubscriptionKind(models.TextChoices):
    WEBHOOK = "webhook", _("webhook")
    AMQP = "amqp", _("RabbitMQ")


class Subscription(models.Model):
    """Where events go and which ones (``event_types``: patterns such as ``sales.*``)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=SubscriptionKind.choices)
    # Webhook: the https:// URL posted to. RabbitMQ: amqp://user@host:port/vhost (no password;
    # the password, like the webhook secret, is kept encrypted in ``secret_encrypted``).
    url = models.CharField(_("URL"), max_length=500)
    event_types = models.JSONField(_("event types"), default=list)
    # Webhook: the HMAC-SHA256 signing secret; RabbitMQ: the broker password. AES-256-GCM.
    secret_encrypted = models.TextField(blank=True, default="")
    exchange = models.CharField(_("exchange"), max_length=100, blank=True, default="")
    max_attempts = models.PositiveSmallIntegerField(_("attempts before dead letter"), default=8)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"))
    created_by = models.CharField(_("created by"), max_length=200)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name"]
        verbose_name = _("event subscription")
        verbose_name_plural = _("event subscriptions")
        permissions = [("replay_deadletter", "Can replay dead-lettered event deliveries")]

    def __str__(self) -> str:
        return self.name


class RelayCursor(models.Model):
    """How far one lane of one subscription is delivered, and the retry state of its head."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="cursors")
    partition = models.PositiveSmallIntegerField()
    # Feed position (``OutboxEvent.position``) of the last event delivered or dead-lettered.
    position = models.BigIntegerField(default=0)
    # Failed attempts at the lane's head event; reset when it is delivered or dead-lettered.
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "partition"], name="relay_cursor_lane_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subscription_id}/{self.partition}@{self.position}"


class DeliveryOutcome(models.TextChoices):
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("failed, will retry")
    DEAD = "dead", _("dead letter")


class DeliveryAttempt(models.Model):
    """The per-subscription delivery log: one row per webhook attempt, one per RabbitMQ batch."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="attempts"
    )
    # The event (webhook) or the first event of the batch (RabbitMQ).
    event_id = models.UUIDField(null=True, blank=True)
    event_type = models.CharField(max_length=100, blank=True, default="")
    position = models.BigIntegerField()
    last_position = models.BigIntegerField()
    event_count = models.PositiveIntegerField(default=1)
    attempt = models.PositiveIntegerField(default=1)
    outcome = models.CharField(max_length=16, choices=DeliveryOutcome.choices)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True, default="")
    duration_ms = models.PositiveIntegerField(default=0)
    attempted_at = models.DateTimeField()
    relay = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        ordering = ["-id"]
        default_permissions = ("view",)
        indexes = [models.Index(fields=["subscription", "-id"], name="relay_attempt_log_idx")]

    def __str__(self) -> str:
        return f"{self.subscription_id}:{self.position} {self.outcome}"


class DeadLetterState(models.TextChoices):
    DEAD = "dead", _("dead")
    REPLAY_REQUESTED = "replay_requested", _("replay requested")
    REPLAYED = "replayed", _("replayed")


class DeadLetter(models.Model):
    """An event a subscription could not take after ``max_attempts``; replayable."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.PROTECT, related_name="dead_letters"
    )
    event = models.ForeignKey("core.OutboxEvent", on_delete=models.PROTECT, related_name="+")
    attempts = models.PositiveIntegerField()
    last_error = models.CharField(max_length=500, blank=True, default="")
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    dead_at = models.DateTimeField()
    state = models.CharField(
        max_length=20, choices=DeadLetterState.choices, default=DeadLetterState.DEAD
    )
    replay_requested_at = models.DateTimeField(null=True, blank=True)
    replay_requested_by = models.CharField(max_length=200, blank=True, default="")
    replayed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event"], name="dead_letter_once")
        ]
        indexes = [models.Index(fields=["state", "id"], name="dead_letter_state_idx")]

    def __str__(self) -> str:
        return f"{self.subscription_id}:{self.event_id} {self.state}"


class RelayLease(models.Model):
    """The single-relay lock where the database has no row-level SKIP LOCKED (SQLite): one relay
    holds the lease, renews it while it works, and another takes over when it expires."""

    name = models.CharField(max_length=50, primary_key=True)
    holder = models.CharField(max_length=100)
    expires_at = models.DateTimeField()

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.name}: {self.holder}"
