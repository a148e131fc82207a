from django.apps import AppConfig


class AllocationConfig(AppConfig):
    name = "sdsf.allocation"
    label = "allocation"
    verbose_name = "Attribution des places"

    def ready(self):
        from sdsf.allocation import points
        from sdsf.families import commission

        # The family pages ask this app's grids, rounds and proposals through the families
        # app's interface: families sits below allocation and does not import it.
        commission.register(points)
