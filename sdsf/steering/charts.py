"""Charts and maps drawn server side as inline SVG (no JavaScript: the PDF and the pages share
them). Every text put into the SVG is escaped; callers give the same data as a table beside it.
"""

import math
from collections.abc import Iterable, Sequence
from decimal import Decimal
from functools import partial

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from sdsf.core import formats

# DSFR-like colours: planned, in progress, done, delayed, ended
STATUS_COLOURS = {
    "planned": "#929292",
    "in_progress": "#000091",
    "done": "#18753c",
    "delayed": "#b34000",
    "ended": "#3a3a3a",
}
# A figure on a chart, as the plan pages write it: up to two decimals, none trailing.
_figure = partial(formats.number, places=2, trim=True)
MAP_COLOURS = ["#f5f5fe", "#cacafb", "#8585f6", "#313178"]


def _svg(width: int, height: int, body: list[str], label: str) -> SafeString:
    return mark_safe(  # noqa: S308 — every text inside was escaped when the parts were built
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(label)}" '
        f'font-family="Marianne, Arial, sans-serif" font-size="11">{"".join(body)}</svg>'
    )


def status_bars(rows: Sequence[tuple[str, dict[str, int]]], label: str) -> SafeString:
    """One horizontal stacked bar per axis: number of actions by status."""
    width, bar_left, bar_width, line = 640, 230, 380, 26
    total_max = max((sum(counts.values()) for _, counts in rows), default=0) or 1
    body = []
    for i, (name, counts) in enumerate(rows):
        y = 10 + i * line
        short = name if len(name) <= 38 else name[:37] + "…"
        body.append(f'<text x="0" y="{y + 13}">{escape(short)}</text>')
        x = bar_left
        for status, count in counts.items():
            if not count:
                continue
            w = bar_width * count / total_max
            body.append(
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="18" '
                f'fill="{STATUS_COLOURS.get(status, "#666")}"/>'
            )
            if w > 14:
                body.append(
                    f'<text x="{x + w / 2:.1f}" y="{y + 13}" fill="#fff" '
                    f'text-anchor="middle">{count}</text>'
                )
            x += w
    return _svg(width, 20 + len(rows) * line, body, label)


def trajectory(
    points: Sequence[tuple[int, Decimal]],
    target: tuple[int, Decimal] | None,
    years: Iterable[int],
    label: str,
) -> SafeString:
    """An indicator's known values by year as a line, the target as a distinct marker."""
    years = list(years)
    all_years = sorted({*years, *(y for y, _ in points), *([target[0]] if target else [])})
    values = [float(v) for _, v in points] + ([float(target[1])] if target else [])
    width, height, left, bottom, top = 320, 160, 40, 24, 12
    if not all_years or not values:
        return _svg(width, 40, ['<text x="0" y="20">Aucune valeur connue</text>'], label)
    low, high = min(0.0, *values), max(values) or 1.0
    span_x = (all_years[-1] - all_years[0]) or 1

    def xy(year: int, value: float) -> tuple[float, float]:
        x = left + (width - left - 10) * (year - all_years[0]) / span_x
        y = top + (height - top - bottom) * (1 - (value - low) / ((high - low) or 1))
        return x, y

    body = [
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" '
        'stroke="#666"/>',
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end">{_figure(high)}</text>',
        f'<text x="{left - 4}" y="{height - bottom}" text-anchor="end">{_figure(low)}</text>',
    ]
    for year in all_years:
        x, _ = xy(year, low)
        body.append(f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle">{year}</text>')
    coords = [xy(y, float(v)) for y, v in points]
    if len(coords) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        body.append(f'<polyline points="{path}" fill="none" stroke="#000091" stroke-width="2"/>')
    for (x, y), (_, v) in zip(coords, points, strict=True):
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#000091"/>')
        body.append(f'<text x="{x:.1f}" y="{y - 6:.1f}" text-anchor="middle">{_figure(v)}</text>')
    if target:
        x, y = xy(target[0], float(target[1]))
        body.append(
            f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="#b34000"/>'
            f'<text x="{x:.1f}" y="{y - 7:.1f}" text-anchor="middle" fill="#b34000">'
            f"cible {_figure(target[1])}</text>"
        )
    return _svg(width, height, body, label)


def _rings(geometry: dict) -> list[list]:
    if geometry["type"] == "Polygon":
        return geometry["coordinates"]
    if geometry["type"] == "MultiPolygon":
        return [ring for polygon in geometry["coordinates"] for ring in polygon]
    return []


def choropleth(
    shapes: Sequence[tuple[str, str, dict]],
    values: dict[str, int],
    label: str,
    legend: str,
) -> SafeString:
    """Communes coloured by a small count (0, 1, 2, 3+), in an equirectangular projection
    corrected by the cosine of the mean latitude (good enough at a département's scale)."""
    rings_by_code = [(code, name, _rings(geometry)) for code, name, geometry in shapes]
    lons = [p[0] for _, _, rings in rings_by_code for ring in rings for p in ring]
    lats = [p[1] for _, _, rings in rings_by_code for ring in rings for p in ring]
    if not lons:
        return _svg(300, 40, ['<text x="0" y="20">Contours des communes absents</text>'], label)
    scale_x = math.cos(math.radians((min(lats) + max(lats)) / 2))
    span = max((max(lons) - min(lons)) * scale_x, max(lats) - min(lats)) or 1
    size, legend_height = 420, 70
    body = []
    for code, name, rings in rings_by_code:
        path = " ".join(
            "M"
            + " L".join(
                f"{(lon - min(lons)) * scale_x / span * size:.1f},"
                f"{(max(lats) - lat) / span * size:.1f}"
                for lon, lat in ring
            )
            + "Z"
            for ring in rings
        )
        colour = MAP_COLOURS[min(values.get(code, 0), len(MAP_COLOURS) - 1)]
        body.append(
            f'<path d="{path}" fill="{colour}" stroke="#666" stroke-width="0.5">'
            f"<title>{escape(name)} : {values.get(code, 0)}</title></path>"
        )
    height = int((max(lats) - min(lats)) / span * size) + 10
    body.append(f'<text x="0" y="{height + 14}">{escape(legend)}</text>')
    for i, colour in enumerate(MAP_COLOURS):
        x = i * 70
        text = f"{i}+" if i == len(MAP_COLOURS) - 1 else str(i)
        body.append(
            f'<rect x="{x}" y="{height + 22}" width="16" height="12" fill="{colour}" '
            f'stroke="#666"/><text x="{x + 20}" y="{height + 32}">{text}</text>'
        )
    return _svg(size, height + legend_height - 20, body, label)
