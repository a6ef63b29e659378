from django.db import migrations

from mederp.core.triggers import drop_append_only, install_append_only

# A receipt is the 进货查验记录 as it was inspected: never edited, never deleted (CN-08, AT-06).
TABLES = ("procurement_receipt", "procurement_receiptline")


def forwards(apps, schema_editor):
    for table in TABLES:
        install_append_only(schema_editor, table)


def backwards(apps, schema_editor):
    for table in TABLES:
        drop_append_only(schema_editor, table)


class Migration(migrations.Migration):
    dependencies = [("procurement", "0001_initial"), ("core", "0005_signature_append_only")]
    operations = [migrations.RunPython(forwards, backwards)]
