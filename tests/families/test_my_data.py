"""A family downloads everything the platform holds about it, and only its own."""

import json

import pytest
from django.urls import reverse

from sdsf.families.models import Event
from tests.factories import make_family, make_pre_application

pytestmark = pytest.mark.django_db


def test_my_data_json_and_summary(client):
    family = make_family()
    pre = make_pre_application(family=family, child_first_name="Léa")
    Event.objects.create(pre_application=pre, kind=Event.Kind.SUBMITTED, status=pre.status)
    make_pre_application(family=make_family(), child_first_name="Autre")
    client.force_login(family.user)

    response = client.get(reverse("families:my_data"), {"format": "json"})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["account"]["email"] == family.user.email
    assert [p["reference"] for p in data["pre_applications"]] == [pre.reference]
    mine = data["pre_applications"][0]
    assert mine["child"]["first_name"] == "Léa"
    assert mine["wishes"][0]["commune"] == "Bobigny"
    assert mine["events"][0]["kind"] == "submitted"
    assert mine["documents"] == [] and mine["round_applications"] == []

    page = client.get(reverse("families:my_data")).content.decode()
    assert pre.reference in page and "Autre" not in page
