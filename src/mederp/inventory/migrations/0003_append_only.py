from django.db import migrations

from mederp.core.triggers import drop_append_only, install_append_only

TABLES = ("inventory_move", "inventory_temperaturereading")


def forwards(apps, schema_editor):
    for table in TABLES:
        install_append_only(schema_editor, table)


def backwards(apps, schema_editor):
    for table in TABLES:
        drop_append_only(schema_editor, table)


class Migration(migrations.Migration):
    dependencies = [("inventory", "0002_stock_ledger"), ("core", "0005_signature_append_only")]
    operations = [migrations.RunPython(forwards, backwards)]
