"""Kernel tables: audit trail, its hash chain, the outbox and idempotency records.

``AuditEntry`` and ``AuditChainLink`` are append-only, enforced by database triggers created in
migration 0002 (invariant 2; 21 CFR 11.10(e), AT-01, AT-06, AT-07).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    """One create/change/delete of a regulated record, written in the business transaction.

    ``changes`` holds canonical JSON text (``{"field": [old, new], ...}``) exactly as hashed, so
    the chain can be verified byte for byte on both PostgreSQL and SQLite (AT-02).
    """

    occurred_at = models.DateTimeField(db_index=True)
    actor_kind = models.CharField(max_length=16)
    actor_id = models.BigIntegerField(null=True, db_index=True)
    actor_name = models.CharField(max_length=200)
    action = models.CharField(max_length=32)
    record_type = models.CharField(max_length=100)
    record_id = models.CharField(max_length=64)
    record_label = models.CharField(max_length=300, blank=True, default="")
    changes = models.TextField()
    reason = models.TextField(blank=True, default="")
    request_id = models.CharField(max_length=64, blank=True, default="")
    client_ip = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["record_type", "record_id"], name="audit_record_idx")]
        default_permissions = ("view",)
        permissions = [("export_auditentry", "Can export the audit trail")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.record_type}:{self.record_id}"


class AuditChainLink(models.Model):
    """The entry's place in the hash chain, appended by the sealer in commit order (ADR 0001).

    ``hash = SHA-256(prev_hash || canonical(entry))``; ``seq`` is gap-free from 1.
    """

    seq = models.BigIntegerField(primary_key=True)
    entry_id = models.BigIntegerField(unique=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, db_index=True)
    sealed_at = models.DateTimeField(db_index=True)

    class Meta:
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"#{self.seq} entry {self.entry_id} {self.hash[:12]}"


class OutboxEvent(models.Model):
    """A domain event written in the business transaction (invariant 3).

    Delivery (webhooks, RabbitMQ) reads rows in ``id`` order per aggregate; ``event_id`` lets
    consumers dedupe at-least-once delivery; ``published_at``/``attempts`` serve the relay.
    """

    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event_type = models.CharField(max_length=100, db_index=True)
    aggregate_type = models.CharField(max_length=100)
    aggregate_id = models.CharField(max_length=64)
    aggregate_seq = models.PositiveIntegerField()
    schema_version = models.PositiveSmallIntegerField(default=1)
    payload = models.JSONField()
    occurred_at = models.DateTimeField()
    actor_name = models.CharField(max_length=200, blank=True, default="")
    request_id = models.CharField(max_length=64, blank=True, default="")
    published_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # Commit-ordered feed position, given by the sequencer once the event is committed; readers
    # page by it, never by ``id`` (ids are taken at insert, so a slow transaction's event can
    # become visible behind a later id and be skipped by a cursor).
    position = models.BigIntegerField(null=True, blank=True, unique=True)
    # The relay's delivery lane: a fixed hash of the aggregate (``outbox.partition_of``), so all
    # events of one aggregate share a lane and relays working different lanes keep their order.
    partition = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["aggregate_type", "aggregate_id", "aggregate_seq"],
                name="outbox_aggregate_seq_unique",
            )
        ]
        indexes = [
            models.Index(
                fields=["published_at", "id"],
                name="outbox_unpublished_idx",
                condition=models.Q(published_at__isnull=True),
            ),
            models.Index(
                fields=["id"],
                name="outbox_unpositioned_idx",
                condition=models.Q(position__isnull=True),
            ),
            models.Index(fields=["partition", "position"], name="outbox_partition_feed_idx"),
        ]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.event_type} {self.aggregate_type}:{self.aggregate_id}#{self.aggregate_seq}"


class IdempotencyRecord(models.Model):
    """The first response to a creating POST, replayed for the same key and body (invariant 5)."""

    principal = models.CharField(max_length=80)
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["principal", "key"], name="idempotency_principal_key")
        ]
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.principal} {self.key}"


class Signature(models.Model):
    """An electronic signature (21 CFR 11.50, 11.70; ES-01..ES-04), written by ``core.signatures``.

    Bound to one record and to the SHA-256 of that record's canonical content at signing: when the
    content later differs, the signature shows as invalid. Append-only (database trigger), so it
    can be neither edited, deleted nor moved to another record.
    """

    record_type = models.CharField(max_length=100)
    record_id = models.CharField(max_length=64)
    record_label = models.CharField(max_length=300, blank=True, default="")
    content_sha256 = models.CharField(max_length=64)
    meaning = models.CharField(max_length=32)
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signatures"
    )
    signer_username = models.CharField(max_length=150)
    printed_name = models.CharField(max_length=150)
    signed_at = models.DateTimeField(db_index=True)
    reason = models.TextField(blank=True, default="")
    method = models.CharField(max_length=32)
    request_id = models.CharField(max_length=64, blank=True, default="")
    client_ip = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["record_type", "record_id"], name="signature_record_idx")]
        ordering = ["signed_at", "id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.printed_name} {self.meaning} {self.record_type}#{self.record_id}"


class DocumentCounter(models.Model):
    """The last number handed out per prefix and business year (``SO-2026-00042``), for every
    app's documents, written only by :func:`mederp.core.numbering.next_number` under a row lock
    so two documents never share a number and a number is never skipped (DI-03)."""

    prefix = models.CharField(max_length=8)
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="core_counter_key"),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"


class RateBucket(models.Model):
    """One principal's API token bucket when no Redis is configured (the embedded mode), or
    while Redis cannot be reached. Written only by :mod:`mederp.core.ratelimit.db_bucket`,
    under the row's lock in a transaction of its own.

    ``tokens`` counts units of ``1 / ratelimit.rules.UNIT`` token, so the arithmetic is exact
    integers on both databases; ``updated_at`` is when that level held."""

    key = models.CharField(max_length=100, unique=True)  # "client:<user id>", "user:<user id>"
    tokens = models.BigIntegerField()
    updated_at = models.DateTimeField()

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.key}: {self.tokens} at {self.updated_at:%Y-%m-%d %H:%M:%S}"
