from django.apps import AppConfig


class FundingConfig(AppConfig):
    name = "sdsf.funding"
    label = "funding"
    verbose_name = "Financements"
