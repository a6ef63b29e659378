from django.apps import AppConfig


class NonconformanceConfig(AppConfig):
    name = "mederp.quality.nonconformance"
    label = "nonconformance"
    verbose_name = "Nonconformance"
