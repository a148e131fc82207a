import pytest
from django.core.management import call_command
from django.test import override_settings

from sdsf.publicservice.models import LocalSchema, Meeting, Member

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=True)
def test_the_demo_gives_a_committee_and_the_chef_lieus_draft_schema(capsys):
    call_command("load_demo", departement="26")
    call_command("load_demo", departement="26")  # idempotent
    assert "Comité départemental" in capsys.readouterr().out
    assert Member.objects.filter(departement="26").count() == 7
    meeting = Meeting.objects.get(departement="26")
    assert "démonstration" in meeting.title and meeting.decisions.count() == 2
    assert meeting.decisions.first().actions.exists()  # the Drôme plan's first action
    schema = LocalSchema.objects.get(authority_code="26362")
    assert schema.status == "draft" and schema.orientations.count() == 8
    assert "Données de démonstration" in schema.orientations.get(part="a").text
