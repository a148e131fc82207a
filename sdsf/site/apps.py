from django.apps import AppConfig


class SiteConfig(AppConfig):
    """What composes the apps: home page, menu, page layout, demo loader, browser tests' API."""

    name = "sdsf.site"
    label = "site"
    verbose_name = "Site"
