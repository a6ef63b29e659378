from django.db import migrations

from mederp.core.triggers import drop_append_only, install_append_only

TABLES = ("core_auditentry", "core_auditchainlink")


def forwards(apps, schema_editor):
    for table in TABLES:
        install_append_only(schema_editor, table)


def backwards(apps, schema_editor):
    for table in TABLES:
        drop_append_only(schema_editor, table)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
