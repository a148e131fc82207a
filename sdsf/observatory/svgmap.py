"""A choropleth of communes drawn as SVG on the server, for PDFs (no JavaScript there).

Longitudes are scaled by the cosine of the mean latitude (equirectangular projection), which is
accurate enough at the scale of a département.
"""

import math
from collections.abc import Iterable
from xml.sax.saxutils import escape

WIDTH, HEIGHT, MARGIN = 500, 420, 6


def _polygons(geometry: dict) -> list[list[list[list[float]]]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["coordinates"]
    return []


def choropleth(features: Iterable[tuple[str, dict, str]]) -> str:
    """``features``: (name, GeoJSON geometry, fill colour). Returns an ``<svg>`` element."""
    shapes = [(name, _polygons(geometry), color) for name, geometry, color in features if geometry]
    points = [
        point
        for _, polygons, _ in shapes
        for polygon in polygons
        for ring in polygon
        for point in ring
    ]
    if not points:
        return ""
    west, east = min(p[0] for p in points), max(p[0] for p in points)
    south, north = min(p[1] for p in points), max(p[1] for p in points)
    x_scale = math.cos(math.radians((south + north) / 2))
    span_x = max((east - west) * x_scale, 1e-9)
    span_y = max(north - south, 1e-9)
    scale = min((WIDTH - 2 * MARGIN) / span_x, (HEIGHT - 2 * MARGIN) / span_y)
    height = span_y * scale + 2 * MARGIN

    def xy(point: list[float]) -> str:
        # the bounds are computed once: a département's outline has thousands of points
        x = MARGIN + (point[0] - west) * x_scale * scale
        y = MARGIN + (north - point[1]) * scale
        return f"{x:.1f},{y:.1f}"

    paths = []
    for name, polygons, color in shapes:
        d = " ".join(
            "M" + " L".join(xy(point) for point in ring) + " Z"
            for polygon in polygons
            for ring in polygon
        )
        paths.append(
            f'<path d="{d}" fill="{color}" stroke="#000091" stroke-width="0.5" '
            f'fill-rule="evenodd"><title>{escape(name)}</title></path>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:.0f}" '
        f'width="{WIDTH}" height="{height:.0f}" role="img">' + "".join(paths) + "</svg>"
    )
