from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "sdsf.core"
    label = "core"
    verbose_name = "Socle"

    def ready(self):
        from django.utils.translation import gettext, ngettext

        from sdsf.core import translation

        # Pure cores translate through sdsf.core.translation: Django's functions from now on.
        translation.install(gettext, ngettext)
