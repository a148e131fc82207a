from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "sdsf.core"
    label = "core"
    verbose_name = "Socle"
