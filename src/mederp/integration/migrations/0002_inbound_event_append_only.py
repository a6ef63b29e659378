from django.db import migrations

from mederp.core.triggers import drop_append_only, install_append_only

# What the MES reported and what MedERP answered is never edited or deleted: a stored event is
# the proof that its effect was recorded once (invariant 5, AT-06).
TABLES = ("integration_inboundevent",)


def forwards(apps, schema_editor):
    for table in TABLES:
        install_append_only(schema_editor, table)


def backwards(apps, schema_editor):
    for table in TABLES:
        drop_append_only(schema_editor, table)


class Migration(migrations.Migration):
    dependencies = [("integration", "0001_initial"), ("core", "0005_signature_append_only")]
    operations = [migrations.RunPython(forwards, backwards)]
