"""Demo step: loads the real plan shipped for the département (``data/plans/<code>_*.json``).

The shipped plans are transcriptions of public documents (see ``data/SOURCES.md``), not
synthetic data. The first published version records the plan as signed.
"""

from django.conf import settings

from sdsf.steering import versions
from sdsf.steering.models import Scheme
from sdsf.steering.planio import import_plan
from sdsf.territories.models import Departement


def load_plan(departement: Departement) -> list[str]:
    files = sorted((settings.DATA_DIR / "plans").glob(f"{departement.code}_*.json"))
    if not files:
        return [f"Pilotage : aucun plan livré pour le département {departement.code}."]
    lines = ["Pilotage du schéma (plans réels transcrits, voir data/SOURCES.md) :"]
    for path in files:
        scheme_id, result = import_plan(path.read_text(encoding="utf-8"), path.name)
        scheme = Scheme.objects.get(pk=scheme_id)
        if not scheme.versions.exists():
            versions.publish(
                scheme, scheme.start_year, "Plan d'actions initial (signé)", "", user=None
            )
        lines.append(f"  {scheme.name} : {scheme.actions.count()} actions (schéma {scheme_id})")
    return lines
