from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0003_partner_min_remaining_shelf_life"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="partner",
            options={
                "ordering": ["code"],
                "permissions": [
                    ("approve_partner", "Can approve partner qualification (首营企业)"),
                    (
                        "set_supplier_status",
                        "Can set a supplier's status from a signed evaluation",
                    ),
                ],
                "verbose_name": "partner",
                "verbose_name_plural": "partners",
            },
        ),
        migrations.AddField(
            model_name="partner",
            name="status_evaluation",
            field=models.CharField(
                blank=True,
                default="",
                max_length=32,
                verbose_name="status decided by evaluation",
            ),
        ),
        migrations.AlterField(
            model_name="partner",
            name="status",
            field=models.CharField(
                choices=[
                    ("approved", "approved"),
                    ("conditional", "conditional"),
                    ("blocked", "disqualified"),
                ],
                default="conditional",
                max_length=16,
                verbose_name="status",
            ),
        ),
    ]
