from django.db import migrations
from django.db.models import OuterRef, Subquery


def locate_structure_roles(apps, schema_editor):
    """Roles scoped to one structure cover the structure's commune, now stored on the role
    (``accounts.Assignment.structure_commune``). A role naming no known structure covers
    no commune (it still names its structure)."""
    assignment = apps.get_model("accounts", "Assignment")
    structure = apps.get_model("offer", "Structure")
    commune = structure.objects.filter(identifier=OuterRef("scope_code")).values("commune_id")
    assignment.objects.filter(scope_level="structure").update(
        structure_commune_id=Subquery(commune[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("offer", "0004_agrement_age_bounds"),
        ("accounts", "0003_assignment_structure_commune"),
    ]

    operations = [migrations.RunPython(locate_structure_roles, migrations.RunPython.noop)]
