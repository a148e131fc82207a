"""Outline URLs for a map's ``data-outlines`` (see sdsf/js/map.js)."""

from django import template
from django.urls import reverse

register = template.Library()


@register.simple_tag
def departement_outlines(code, communes=True):
    """The département's border (framed first by the map) and, unless told not, its communes."""
    urls = [reverse("maps:departement", args=[code])]
    if communes:
        urls.append(reverse("maps:departement_communes", args=[code]))
    return " ".join(urls)
