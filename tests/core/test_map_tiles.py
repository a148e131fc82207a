"""The maps' tile layer: off by default (offline), an installation's setting when set."""

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from sdsf.core.middleware import tile_origin

pytestmark = pytest.mark.django_db


def test_no_tiles_by_default_and_images_from_the_site_only(client):
    response = client.get(reverse("families:search"))
    assert 'data-tiles-url=""' in response.content.decode()
    assert "img-src 'self' data:;" in response["Content-Security-Policy"]


def test_a_tile_server_is_given_to_the_maps_and_allowed_for_images():
    url = "https://data.geopf.fr/wmts?layer=PLAN.IGN&z={z}&x={x}&y={y}"
    with override_settings(SDSF_MAP_TILES_URL=url, SDSF_MAP_TILES_ATTRIBUTION="IGN"):
        response = Client().get(reverse("families:search"))  # new middleware: reads the setting
    page = response.content.decode()
    assert 'data-tiles-url="https://data.geopf.fr/wmts?layer=PLAN.IGN&amp;z={z}' in page
    assert 'data-tiles-attribution="IGN"' in page
    assert "img-src 'self' data: https://data.geopf.fr;" in response["Content-Security-Policy"]


def test_tile_origin():
    assert tile_origin("") == []
    assert tile_origin("https://tiles.example.fr:8443/{z}/{x}/{y}.png") == [
        "https://tiles.example.fr:8443"
    ]
    assert tile_origin("/relative/{z}") == []
