"""The observatory's settings, each with its default (override them in the Django settings).

``SDSF_OBSERVATORY_CACHE_SECONDS``
    How long the reference figures (départements, régions, France) stay cached; an import
    renews them at once, a change in the offer registry after this delay. Default 600.

``SDSF_OBSERVATORY_PRIORITY``
    The priority-territory rule (see ``docs/observatory.md``), a dict:

    - ``poverty_indicator``: identifier of the imported poverty indicator
      (``sdsf import_indicator --name "Taux de pauvreté"`` gives ``taux-de-pauvrete``);
    - ``national_coverage_rate``: a number, or None for the year's published national rate
      (CNAF ``txcouv_pe_nat``) or, failing it, the rate computed over the imported communes;
    - ``national_poverty_rate``: a number, or None for the rate computed over the imported
      communes;
    - ``minimum_met``: how many conditions make a priority territory (None: all of them).
"""

from django.conf import settings

DEFAULT_PRIORITY = {
    "poverty_indicator": "taux-de-pauvrete",
    "national_coverage_rate": None,
    "national_poverty_rate": None,
    "minimum_met": None,
}


def cache_seconds() -> int:
    return int(getattr(settings, "SDSF_OBSERVATORY_CACHE_SECONDS", 600))


def priority() -> dict:
    return DEFAULT_PRIORITY | getattr(settings, "SDSF_OBSERVATORY_PRIORITY", {})
