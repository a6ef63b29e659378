"""Inspection results are evidence (ISO 13485 §8.2.6; 820.80(e)): a correction is a new result
with a reason, never an edit, and the database refuses UPDATE and DELETE on them."""

from django.db import migrations

from mederp.core.triggers import drop_append_only, install_append_only

TABLE = "inspections_inspectionresult"


def forwards(apps, schema_editor):
    install_append_only(schema_editor, TABLE)


def backwards(apps, schema_editor):
    drop_append_only(schema_editor, TABLE)


class Migration(migrations.Migration):
    dependencies = [("inspections", "0001_initial"), ("core", "0005_signature_append_only")]
    operations = [migrations.RunPython(forwards, backwards)]
