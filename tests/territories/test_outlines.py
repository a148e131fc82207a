"""The outlines under the maps: public GeoJSON of a département's border and of communes."""

import pytest
from django.urls import reverse

from sdsf.territories.outlines import MAX_BOX_DEGREES, parse_box

pytestmark = pytest.mark.django_db


def test_departement_border_is_public_and_cached(client):
    response = client.get(reverse("maps:departement", args=["93"]))
    assert response.status_code == 200
    assert "public" in response["Cache-Control"]
    [feature] = response.json()["features"]
    assert feature["properties"] == {
        "code": "93",
        "name": "Seine-Saint-Denis",
        "level": "departement",
    }
    assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert client.get(reverse("maps:departement", args=["00"])).status_code == 404


def test_communes_of_a_departement(client):
    data = client.get(reverse("maps:departement_communes", args=["93"])).json()
    names = {f["properties"]["name"] for f in data["features"]}
    assert len(data["features"]) == 39 and {"Bobigny", "Aubervilliers"} <= names
    assert all(f["properties"]["level"] == "commune" for f in data["features"])


def test_communes_around_a_point_and_a_refused_box(client):
    url = reverse("maps:communes")
    data = client.get(url, {"bbox": "2.40,48.89,2.47,48.93"}).json()  # around Bobigny
    names = {f["properties"]["name"] for f in data["features"]}
    assert "Bobigny" in names and "Valence" not in names
    for bad in ("", "1,2,3", "2.5,48,2.4,49", "0,40,5,45", "a,b,c,d"):
        response = client.get(url, {"bbox": bad})
        assert response.status_code == 400
        assert "Zone invalide" in response.content.decode()


def test_parse_box_bounds():
    assert parse_box("2,48,3,49") == (2.0, 48.0, 3.0, 49.0)
    assert parse_box(f"2,48,{2 + MAX_BOX_DEGREES + 0.01},49") is None
    assert parse_box("-200,0,-199.5,0.5") is None
