from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "sdsf.audit"
    label = "audit"
    verbose_name = "Journal d'audit"

    def ready(self):
        from sdsf.accounts import scope
        from sdsf.audit import logins  # noqa: F401  (signal receivers)
        from sdsf.audit.territory import register_person_territory

        # An agent's events concern the départements of their roles.
        register_person_territory(scope.departements_of_people)
