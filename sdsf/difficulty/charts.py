"""A structure's figures as inline SVG bars, drawn server side (no JavaScript), with reference
lines (thresholds, national figures). Every text is escaped; the page gives the same figures in
a table beside the chart."""

from collections.abc import Sequence
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from sdsf.core import formats

BAR, ALERT, REFERENCE = "#000091", "#b34000", "#18753c"


def bars(
    values: Sequence[tuple[str, Decimal | None]],
    references: Sequence[tuple[Decimal, str]],
    label: str,
    unit: str = " %",
    alert=lambda value: False,
) -> SafeString:
    """One bar per label (a year, a month); a missing value is written « n.d. », never 0.
    ``references``: horizontal lines with their caption; ``alert(value)`` colours a bar."""
    width, plot_height, left, bottom, top = 560, 200, 44, 28, 14
    height = plot_height + 16 * len(references)
    known = [v for _, v in values if v is not None]
    high = max([*known, *(r for r, _ in references), Decimal(1)])
    high = high * Decimal("1.1")
    step = (width - left - 10) / max(len(values), 1)
    plot = plot_height - top - bottom
    base = plot_height - bottom

    def y(value: Decimal) -> float:
        return top + plot * (1 - float(value / high))

    body = [f'<line x1="{left}" y1="{base}" x2="{width - 10}" y2="{base}" stroke="#666"/>']
    for i, (name, value) in enumerate(values):
        x = left + i * step + step * 0.15
        w = step * 0.7
        body.append(
            f'<text x="{x + w / 2:.1f}" y="{base + 18}" text-anchor="middle">{escape(name)}</text>'
        )
        if value is None:
            body.append(
                f'<text x="{x + w / 2:.1f}" y="{base - 4}" text-anchor="middle" '
                'fill="#666">n.d.</text>'
            )
            continue
        colour = ALERT if alert(value) else BAR
        body.append(
            f'<rect x="{x:.1f}" y="{y(value):.1f}" width="{w:.1f}" '
            f'height="{base - y(value):.1f}" fill="{colour}"/>'
            f'<text x="{x + w / 2:.1f}" y="{y(value) - 3:.1f}" text-anchor="middle">'
            f"{escape(formats.number(value, 1))}{escape(unit)}</text>"
        )
    for i, (value, caption) in enumerate(references):
        shown = escape(formats.number(value, 1, trim=True))
        legend = plot_height + 12 + 16 * i
        body.append(
            f'<line x1="{left}" y1="{y(value):.1f}" x2="{width - 10}" y2="{y(value):.1f}" '
            f'stroke="{REFERENCE}" stroke-dasharray="4 3"/>'
            f'<text x="{left - 4}" y="{y(value) + 4:.1f}" text-anchor="end" fill="{REFERENCE}">'
            f"{shown}</text>"
            f'<line x1="{left}" y1="{legend - 4}" x2="{left + 24}" y2="{legend - 4}" '
            f'stroke="{REFERENCE}" stroke-dasharray="4 3"/>'
            f'<text x="{left + 30}" y="{legend}" fill="{REFERENCE}">'
            f"{shown}{escape(unit)} : {escape(caption)}</text>"
        )
    return mark_safe(  # noqa: S308 — every text inside was escaped above
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" style="max-width:{width}px" role="img" aria-label="{escape(label)}" '
        f'font-family="Marianne, Arial, sans-serif" font-size="11">{"".join(body)}</svg>'
    )
