from django.apps import AppConfig


class FamiliesConfig(AppConfig):
    name = "sdsf.families"
    label = "families"
    verbose_name = "Familles"
