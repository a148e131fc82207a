from django.apps import AppConfig

# The rows the public pages show: a change of any of them renews their cached results.
PUBLIC_MODELS = (
    "Structure",
    "Capacity",
    "AssistantMaternel",
    "Agrement",
    "LaepSession",
    "ParentingAction",
    "ParentingFunding",
    "ParentingEvent",
)


class OfferConfig(AppConfig):
    name = "sdsf.offer"
    label = "offer"
    verbose_name = "Registre de l'offre"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        for name in PUBLIC_MODELS:
            model = self.get_model(name)
            post_save.connect(_changed, sender=model, dispatch_uid=f"offer-cache-{name}")
            post_delete.connect(_changed, sender=model, dispatch_uid=f"offer-cache-{name}-del")


def _changed(**kwargs) -> None:
    from sdsf.core import cache

    cache.bump("offer")
