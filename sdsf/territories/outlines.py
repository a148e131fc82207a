"""The outlines drawn under the maps' points: communes (stored with each commune by the COG
import) and départements (read from the shipped file), as GeoJSON the app serves itself, so a
map is readable without any tile server (the platform works offline)."""

import json
from functools import cache

from django.conf import settings

from sdsf.territories.models import Commune

DEPARTEMENTS_FILE = "geo/departements-avec-outre-mer.geojson"
# A box larger than this (degrees of latitude or longitude, about 110 km) is not outlined:
# a search covers 30 km at most, and a wider box would send thousands of outlines.
MAX_BOX_DEGREES = 1.0


@cache
def _departement_geometries() -> dict[str, str]:
    """Each département's outline as GeoJSON text, read once per process (3.7 MB parsed once,
    kept as text: the answer is sent as it is)."""
    path = settings.DATA_DIR / DEPARTEMENTS_FILE
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    return {f["properties"]["code"]: json.dumps(f["geometry"]) for f in features}


def departement_outline(code: str, name: str) -> str | None:
    """A FeatureCollection of the département's outline, None when no outline is shipped."""
    geometry = _departement_geometries().get(code)
    if geometry is None:
        return None
    properties = json.dumps({"code": code, "name": name, "level": "departement"})
    return (
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
        f'{properties},"geometry":{geometry}}}]}}'
    )


def commune_outlines(communes) -> dict:
    """A FeatureCollection of these communes' outlines (those without one are left out)."""
    rows = communes.exclude(geometry__isnull=True).order_by("code")
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": code, "name": name, "level": "commune"},
                "geometry": geometry,
            }
            for code, name, geometry in rows.values_list("code", "name", "geometry")
        ],
    }


def parse_box(text: str) -> tuple[float, float, float, float] | None:
    """« west,south,east,north » in degrees, or None when malformed or too large."""
    try:
        west, south, east, north = (float(part) for part in text.split(","))
    except ValueError:
        return None
    valid = -180 <= west < east <= 180 and -90 <= south < north <= 90
    if not valid or east - west > MAX_BOX_DEGREES or north - south > MAX_BOX_DEGREES:
        return None
    return west, south, east, north


def communes_in_box(box: tuple[float, float, float, float]):
    """Communes whose centre lies in the box."""
    west, south, east, north = box
    return Commune.objects.filter(
        centroid_lon__gte=west,
        centroid_lon__lte=east,
        centroid_lat__gte=south,
        centroid_lat__lte=north,
    )
