"""Append-only tables enforced by the database itself (invariant 2, AT-06).

The application never issues UPDATE or DELETE on these tables, and the database refuses them
from anyone, so a bug or a careless script cannot rewrite history. A DBA can still drop the
trigger; that is what the hash chain and signed checkpoints are for.
"""

from __future__ import annotations

from typing import Any

# No "%" in this text: Django's PostgreSQL schema editor interpolates the statement client-side
# (psycopg mogrify), where a bare "%" is a broken placeholder and the migration fails.
PG_FUNCTION = """
CREATE OR REPLACE FUNCTION mederp_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = 'mederp: ' || TG_TABLE_NAME || ' is append-only; ' || TG_OP || ' refused',
        ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def install_append_only(schema_editor: Any, table: str) -> None:
    """Create the triggers that refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL).

    Idempotent: existing triggers of the same name are replaced.
    """
    drop_append_only(schema_editor, table)
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION)
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION mederp_refuse_change()"
        )
        schema_editor.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION mederp_refuse_change()"
        )
    elif vendor == "sqlite":
        for op in ("UPDATE", "DELETE"):
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'mederp: {table} is append-only; {op} refused'); END"
            )
    else:
        raise NotImplementedError(f"append-only triggers for {vendor}")


def drop_append_only(schema_editor: Any, table: str) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    elif vendor == "sqlite":
        for op in ("update", "delete"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op}")


APPEND_ONLY_TABLES: list[str] = [
    "core_auditentry",
    "core_auditchainlink",
    "core_signature",
    "identity_securityevent",
    "identity_apicall",
    "inventory_move",
    "inventory_temperaturereading",
    "procurement_receipt",
    "procurement_receiptline",
    "sales_distributionrecord",
    "sales_pick",
    "sales_salesreturn",
    "production_materialissue",
    "production_productionoutput",
    "production_componentscrap",
    "production_operationrecord",
    "production_inprocesscheck",
    "production_genealogyedge",
    "integration_inboundevent",
    "compliance_recallscope",
    "inspections_inspectionresult",
]
"""Every append-only table; apps that add one (signatures, stock moves) register it here too."""
