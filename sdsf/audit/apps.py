from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "sdsf.audit"
    label = "audit"
    verbose_name = "Journal d'audit"

    def ready(self):
        from sdsf.audit import signals  # noqa: F401
