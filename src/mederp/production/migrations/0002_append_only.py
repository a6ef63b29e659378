from django.db import migrations

from mederp.core.triggers import drop_append_only, install_append_only

TABLES = (
    "production_materialissue",
    "production_productionoutput",
    "production_componentscrap",
    "production_operationrecord",
    "production_inprocesscheck",
    "production_genealogyedge",
)


def forwards(apps, schema_editor):
    for table in TABLES:
        install_append_only(schema_editor, table)


def backwards(apps, schema_editor):
    for table in TABLES:
        drop_append_only(schema_editor, table)


class Migration(migrations.Migration):
    dependencies = [("production", "0001_initial"), ("core", "0005_signature_append_only")]
    operations = [migrations.RunPython(forwards, backwards)]
