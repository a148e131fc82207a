from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "sdsf.accounts"
    label = "accounts"
    verbose_name = "Institutions, personnes et rôles"
