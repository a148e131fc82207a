from django.apps import AppConfig


class AllocationConfig(AppConfig):
    name = "sdsf.allocation"
    label = "allocation"
    verbose_name = "Attribution des places"
