from django.apps import AppConfig


class QualityDashboardConfig(AppConfig):
    name = "mederp.quality.dashboard"
    label = "quality_dashboard"
    verbose_name = "Quality dashboard"
