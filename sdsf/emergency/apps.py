from django.apps import AppConfig


class EmergencyConfig(AppConfig):
    name = "sdsf.emergency"
    label = "emergency"
    verbose_name = "Accueil d'urgence"
