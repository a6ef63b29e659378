from django.db import migrations

from mederp.core.triggers import drop_append_only, install_append_only

TABLES = ("identity_securityevent", "identity_apicall")


def forwards(apps, schema_editor):
    for table in TABLES:
        install_append_only(schema_editor, table)


def backwards(apps, schema_editor):
    for table in TABLES:
        drop_append_only(schema_editor, table)


class Migration(migrations.Migration):
    dependencies = [("identity", "0002_security")]
    operations = [migrations.RunPython(forwards, backwards)]
