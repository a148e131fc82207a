"""The outlines drawn under the maps' points: communes and départements (stored by the COG
import from the shipped files), as GeoJSON the app serves itself, so a map is readable without
any tile server (the platform works offline)."""

from sdsf.territories.models import Commune, DepartementOutline

# A box larger than this (degrees of latitude or longitude, about 110 km) is not outlined:
# a search covers 30 km at most, and a wider box would send thousands of outlines.
MAX_BOX_DEGREES = 1.0


def departement_outline(departement) -> dict:
    """A FeatureCollection of the département's outline (empty when none is shipped)."""
    outline = DepartementOutline.objects.filter(departement=departement).first()
    if outline is None:
        return {"type": "FeatureCollection", "features": []}
    properties = {"code": departement.code, "name": departement.name, "level": "departement"}
    feature = {"type": "Feature", "properties": properties, "geometry": outline.geometry}
    return {"type": "FeatureCollection", "features": [feature]}


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
