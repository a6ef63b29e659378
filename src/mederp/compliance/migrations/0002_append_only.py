from django.db import migrations

from mederp.core.triggers import drop_append_only, install_append_only

# What a recall named is a fact of its opening: never edited afterwards. The items get their
# on-hand figure by an UPDATE in the opening transaction and the consignee lines are updated by
# tracking (audited), so neither is here.
TABLES = ("compliance_recallscope",)


def forwards(apps, schema_editor):
    for table in TABLES:
        install_append_only(schema_editor, table)


def backwards(apps, schema_editor):
    for table in TABLES:
        drop_append_only(schema_editor, table)


class Migration(migrations.Migration):
    dependencies = [("compliance", "0001_initial"), ("core", "0005_signature_append_only")]
    operations = [migrations.RunPython(forwards, backwards)]
