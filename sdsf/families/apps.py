from django.apps import AppConfig


class FamiliesConfig(AppConfig):
    name = "sdsf.families"
    label = "families"
    verbose_name = "Familles"

    def ready(self):
        from sdsf.audit.territory import register_person_territory
        from sdsf.families.models import PreApplication

        # A family's logins concern the départements of its pré-demandes (none before the first).
        register_person_territory(
            lambda users: (
                PreApplication.objects.filter(family__user__in=users)
                .order_by()
                .values_list("family__user_id", "departement_id")
                .distinct()
            )
        )
