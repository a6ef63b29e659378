from django.db import migrations

from mederp.core.triggers import drop_append_only, install_append_only

# What a recall stands on is never edited or deleted (CN-09, AT-06): the distribution records,
# the picks the review checked, and the returns that cite them.
TABLES = ("sales_distributionrecord", "sales_pick", "sales_salesreturn")


def forwards(apps, schema_editor):
    for table in TABLES:
        install_append_only(schema_editor, table)


def backwards(apps, schema_editor):
    for table in TABLES:
        drop_append_only(schema_editor, table)


class Migration(migrations.Migration):
    dependencies = [("sales", "0001_initial"), ("core", "0005_signature_append_only")]
    operations = [migrations.RunPython(forwards, backwards)]
