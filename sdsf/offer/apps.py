from django.apps import AppConfig


class OfferConfig(AppConfig):
    name = "sdsf.offer"
    label = "offer"
    verbose_name = "Registre de l'offre"
