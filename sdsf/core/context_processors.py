"""Values every page template needs."""

from types import SimpleNamespace

from django.conf import settings

from sdsf.core.navigation import menu_for

_SITE = SimpleNamespace(
    site_title=settings.SDSF_SITE_TITLE,
    site_tagline=settings.SDSF_SITE_TAGLINE,
    header_brand_html="République<br>française",
    footer_brand_html="République<br>française",
    footer_description=(
        "Plateforme partagée du Département, de la CAF, de l'État et des communes "
        "pour les services aux familles. Logiciel libre sous licence AGPL-3.0."
    ),
    beta_tag=True,
    mourning=False,
)


def site(request):
    """The DSFR site configuration (from settings, not the database) and the role menu."""
    return {"SITE_CONFIG": _SITE, "main_menu": menu_for(request)}
