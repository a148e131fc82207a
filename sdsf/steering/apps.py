from django.apps import AppConfig


class SteeringConfig(AppConfig):
    name = "sdsf.steering"
    label = "steering"
    verbose_name = "Pilotage du schéma"

    def ready(self):
        from sdsf.steering import figures  # noqa: F401 — registers the observatory figures
