from django.apps import AppConfig


class PublicServiceConfig(AppConfig):
    name = "sdsf.publicservice"
    label = "publicservice"
    verbose_name = "Service public de la petite enfance"
