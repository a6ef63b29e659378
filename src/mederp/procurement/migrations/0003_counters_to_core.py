"""The document counters move to the kernel's one table (``core.DocumentCounter``): each
(prefix, year) row is copied with its last number, so numbering of purchase orders (PO)
continues where it stood, then this app's own counter table is dropped (DI-03: no number is
given twice, none is skipped)."""

from django.db import migrations

#: The prefixes this app numbers with, to give their rows back when the move is undone.
PREFIXES = ("PO",)


def to_core(apps, schema_editor):
    """Copy every counter row; a row already in core keeps the higher of the two numbers."""
    ours = apps.get_model("procurement", "DocumentCounter")
    core = apps.get_model("core", "DocumentCounter")
    for row in ours.objects.order_by("pk"):
        target, created = core.objects.get_or_create(
            prefix=row.prefix, year=row.year, defaults={"last": row.last}
        )
        if not created and target.last < row.last:
            target.last = row.last
            target.save(update_fields=["last"])


def from_core(apps, schema_editor):
    """Undone: this app's prefixes go back to its own table (recreated first) and leave core."""
    ours = apps.get_model("procurement", "DocumentCounter")
    core = apps.get_model("core", "DocumentCounter")
    rows = core.objects.filter(prefix__in=PREFIXES).order_by("pk")
    for row in rows:
        ours.objects.create(prefix=row.prefix, year=row.year, last=row.last)
    rows.delete()


class Migration(migrations.Migration):
    dependencies = [("procurement", "0002_receipts_append_only"), ("core", "0006_documentcounter")]
    operations = [
        migrations.RunPython(to_core, from_core),
        migrations.DeleteModel(name="DocumentCounter"),
    ]
