from django.apps import AppConfig


class SteeringConfig(AppConfig):
    name = "sdsf.steering"
    label = "steering"
    verbose_name = "Pilotage du schéma"
