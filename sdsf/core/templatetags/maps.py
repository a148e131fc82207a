"""The installation's map settings, given to sdsf/js/map.js by sdsf/map_assets.html."""

from django import template
from django.conf import settings
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def map_config():
    """A hidden element carrying the tile layer (none by default: the maps work offline)."""
    return format_html(
        '<div id="sdsf-map-config" hidden data-tiles-url="{}" data-tiles-attribution="{}"></div>',
        settings.SDSF_MAP_TILES_URL,
        settings.SDSF_MAP_TILES_ATTRIBUTION,
    )
