from django.apps import AppConfig


class TerritoriesConfig(AppConfig):
    name = "sdsf.territories"
    label = "territories"
    verbose_name = "Territoires"
