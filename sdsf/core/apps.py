from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "sdsf.core"
    label = "core"
    verbose_name = "Socle"

    def ready(self):
        from django.conf import settings
        from django.utils.translation import gettext, ngettext

        from sdsf.core import datadir, translation

        # Pure cores translate through sdsf.core.translation and find shipped data through
        # sdsf.core.datadir: Django's functions and settings from now on.
        translation.install(gettext, ngettext)
        datadir.install(lambda: settings.DATA_DIR)
