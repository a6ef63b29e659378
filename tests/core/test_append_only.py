"""The audit tables are append-only, enforced by the database itself (invariant 2; AT-06).

Raw SQL through Django's connection, as any script with the application's credentials could
send, and the ORM's bulk ``update()``/``delete()`` are both refused on SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest
from django.db import DatabaseError, transaction
from kernel_support import drop_triggers, on_postgres, sealed_chain, sql, trigger_names

from mederp.core import chain
from mederp.core.models import AuditChainLink, AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries(system):
    return sealed_chain(system, 3)


def refused(statement: str) -> str:
    with pytest.raises(DatabaseError) as exc, transaction.atomic():
        sql(statement)
    return str(exc.value)


@pytest.mark.parametrize("table", ["core_auditentry", "core_auditchainlink"])
def test_raw_update_is_refused_by_the_database(entries, table):
    column = "reason" if table == "core_auditentry" else "hash"
    message = refused(f"UPDATE {table} SET {column} = 'rewritten'")
    assert "append-only" in message and "UPDATE" in message


@pytest.mark.parametrize("table", ["core_auditentry", "core_auditchainlink"])
def test_raw_delete_is_refused_by_the_database(entries, table):
    message = refused(f"DELETE FROM {table}")
    assert "append-only" in message and "DELETE" in message


@on_postgres
@pytest.mark.parametrize("table", ["core_auditentry", "core_auditchainlink"])
def test_truncate_is_refused_on_postgresql(entries, table):
    message = refused(f"TRUNCATE {table}")
    assert "append-only" in message and "TRUNCATE" in message


def test_orm_update_and_delete_are_refused_and_change_nothing(entries):
    before = list(AuditEntry.objects.order_by("id").values_list("id", "reason"))
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(id=entries[0]).update(reason="tidied up")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(id=entries[0]).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditChainLink.objects.all().update(hash="0" * 64)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditChainLink.objects.all().delete()
    assert list(AuditEntry.objects.order_by("id").values_list("id", "reason")) == before
    assert chain.verify().ok


def test_inserting_stays_allowed(entries):
    assert AuditEntry.objects.count() == 3
    assert AuditChainLink.objects.count() == 3


def test_dropping_the_triggers_inside_a_transaction_rolls_back_with_it(entries):
    """What the tampering tests rely on: DDL is transactional on both engines."""
    installed = trigger_names()
    assert len(installed) == 4  # UPDATE+DELETE (+TRUNCATE on PostgreSQL) per table

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        drop_triggers()
        assert trigger_names() == set()
        sql("UPDATE core_auditentry SET reason = 'x'")
        raise Undo
    assert trigger_names() == installed
    assert not AuditEntry.objects.filter(reason="x").exists()
    refused("UPDATE core_auditentry SET reason = 'x'")
