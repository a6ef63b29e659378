"""The reporting rules as delivered (QE-04, QE-05, QE-06): data QA may change afterwards,
through the reporting-rule pages or API (audited)."""

from django.db import migrations

CD, WD, H = "calendar_days", "working_days", "hours"

RULES = [
    # FDA, 21 CFR 803.50(a), 803.53 (QE-04)
    ("US", "FDA-MDR-30D-DEATH", "MDR 30-day report: death", "death", 30, CD, "21 CFR 803.50(a)(1)"),
    (
        "US",
        "FDA-MDR-30D-INJURY",
        "MDR 30-day report: serious injury",
        "serious_injury",
        30,
        CD,
        "21 CFR 803.50(a)(1)",
    ),
    (
        "US",
        "FDA-MDR-30D-MALFUNCTION",
        "MDR 30-day report: malfunction",
        "malfunction",
        30,
        CD,
        "21 CFR 803.50(a)(2)",
    ),
    (
        "US",
        "FDA-MDR-5D-REMEDIAL",
        "MDR 5-day report: remedial action",
        "remedial_action",
        5,
        WD,
        "21 CFR 803.53(a)",
    ),
    (
        "US",
        "FDA-MDR-5D-REQUEST",
        "MDR 5-day report: FDA request",
        "fda_request",
        5,
        WD,
        "21 CFR 803.53(b)",
    ),
    # NMPA, 医疗器械不良事件监测和再评价管理办法 (QE-05)
    (
        "CN",
        "NMPA-AE-DEATH",
        "不良事件报告：死亡 (7 days)",
        "death",
        7,
        CD,
        "不良事件监测和再评价管理办法 (death: 7 days)",
    ),
    (
        "CN",
        "NMPA-AE-SERIOUS",
        "不良事件报告：严重伤害 (20 days)",
        "serious_injury",
        20,
        CD,
        "不良事件监测和再评价管理办法 (serious injury: 20 days)",
    ),
    (
        "CN",
        "NMPA-AE-GROUP",
        "群体不良事件 (12 hours)",
        "group_event",
        12,
        H,
        "不良事件监测和再评价管理办法 (group event: 12 hours)",
    ),
    # EU MDR Art. 87 (QE-06)
    (
        "EU",
        "MDR-87-PUBLIC-HEALTH",
        "Vigilance: serious public health threat",
        "serious_public_health_threat",
        2,
        CD,
        "MDR (EU) 2017/745 Art. 87(4)",
    ),
    ("EU", "MDR-87-DEATH", "Vigilance: death", "death", 10, CD, "MDR (EU) 2017/745 Art. 87(5)"),
    (
        "EU",
        "MDR-87-DETERIORATION",
        "Vigilance: unanticipated serious deterioration",
        "unanticipated_serious_deterioration",
        10,
        CD,
        "MDR (EU) 2017/745 Art. 87(5)",
    ),
    (
        "EU",
        "MDR-87-SERIOUS-INCIDENT",
        "Vigilance: serious incident",
        "serious_incident",
        15,
        CD,
        "MDR (EU) 2017/745 Art. 87(3)",
    ),
]


def forwards(apps, schema_editor):
    ReportingRule = apps.get_model("complaints", "ReportingRule")
    for jurisdiction, code, label, condition, amount, unit, regulation in RULES:
        ReportingRule.objects.get_or_create(
            code=code,
            defaults={
                "jurisdiction": jurisdiction,
                "label": label,
                "condition": condition,
                "deadline_amount": amount,
                "deadline_unit": unit,
                "regulation": regulation,
            },
        )


def backwards(apps, schema_editor):
    ReportingRule = apps.get_model("complaints", "ReportingRule")
    ReportingRule.objects.filter(code__in=[r[1] for r in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
