"""Demo step: loads the real plan shipped for the département (``data/plans/<code>_*.json``).

The shipped plans are transcriptions of public documents (see ``data/SOURCES.md``), not
synthetic data. The first published version records the plan as signed. The demo programmes
of the funding ledger are then linked to the actions they serve (:func:`link_funding`).
"""

from django.conf import settings

from sdsf.funding.models import Programme
from sdsf.steering import versions
from sdsf.steering.models import Action, ActionFunding, Scheme
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


# Words of an action's title that say which kind of demo programme serves it.
FUNDING_KEYWORDS = {"call_for_projects": "parentalit", "funded_posts": "coordinat"}


def link_funding(departement: Departement) -> list[str]:
    """Links the département's demo programmes of the funding ledger to the actions of its
    schemes whose title names their subject (parenting, coordination), so that the actions'
    budgets show planned and received amounts."""
    lines = []
    programmes = Programme.objects.filter(departement=departement, is_demo=True)
    for programme in programmes:
        keyword = FUNDING_KEYWORDS.get(programme.kind)
        if keyword is None:
            continue
        actions = Action.objects.filter(
            scheme__departement=departement, title__icontains=keyword
        ).order_by("scheme_id", "code")[:1]
        for action in actions:
            ActionFunding.objects.get_or_create(action=action, programme=programme)
            lines.append(f"  {programme.name} → action {action.code} ({action.scheme})")
    return ["Programmes de financement reliés aux actions :", *lines] if lines else []
