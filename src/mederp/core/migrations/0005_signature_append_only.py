from django.db import migrations

from mederp.core.triggers import drop_append_only, install_append_only

TABLE = "core_signature"


def forwards(apps, schema_editor):
    install_append_only(schema_editor, TABLE)


def backwards(apps, schema_editor):
    drop_append_only(schema_editor, TABLE)


class Migration(migrations.Migration):
    dependencies = [("core", "0004_signature")]
    operations = [migrations.RunPython(forwards, backwards)]
