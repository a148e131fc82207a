import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """The commune a role scoped to one structure covers, stored on the role (filled for
    existing roles by the offer app's migration ``0005_structure_roles_commune``)."""

    dependencies = [
        ("accounts", "0002_alter_assignment_scope_code_and_more"),
        ("territories", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="assignment",
            name="structure_commune",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="territories.commune",
                verbose_name="commune de la structure",
            ),
        ),
    ]
