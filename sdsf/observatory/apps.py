from django.apps import AppConfig


class ObservatoryConfig(AppConfig):
    name = "sdsf.observatory"
    label = "observatory"
    verbose_name = "Observatoire"
