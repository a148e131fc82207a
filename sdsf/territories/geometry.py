"""Plain-Python helpers on GeoJSON geometries (no GIS library needed for what we do)."""


def _ring_area_centroid(ring: list[list[float]]) -> tuple[float, float, float]:
    """Signed area and centroid of one linear ring (shoelace formula, lon/lat as planar)."""
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    area /= 2
    if area == 0:
        return 0.0, ring[0][0], ring[0][1]
    return area, cx / (6 * area), cy / (6 * area)


def centroid(geometry: dict) -> tuple[float, float]:
    """Area-weighted centroid (lat, lon) of a Polygon or MultiPolygon, holes subtracted.

    Good enough for placing an offer approximately in its commune when the file gives no
    coordinates; the planar approximation is fine at commune scale.
    """
    polygons = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        polygons = [polygons]
    total = sx = sy = 0.0
    for polygon in polygons:
        for index, ring in enumerate(polygon):
            area, x, y = _ring_area_centroid(ring)
            area = abs(area) if index == 0 else -abs(area)
            total += area
            sx += x * area
            sy += y * area
    if total == 0:
        first = polygons[0][0][0]
        return first[1], first[0]
    return round(sy / total, 6), round(sx / total, 6)
