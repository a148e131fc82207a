"""Values every page template needs."""

from types import SimpleNamespace

from django.utils.translation import gettext_lazy as _
from dsfr.models import DsfrConfig

from sdsf.site.navigation import menu_for

# Texts of the DSFR header and footer, French source translated on family pages (docs/i18n.md).
# "République française" is the State's brand block: it stays French in every language.
_SITE = SimpleNamespace(
    site_title=_("Services aux familles"),
    site_tagline=_("Schéma départemental des services aux familles"),
    header_brand_html="République<br>française",
    footer_brand_html="République<br>française",
    footer_description=_(
        "Plateforme partagée du Département, de la CAF, de l'État et des communes "
        "pour les services aux familles. Logiciel libre sous licence AGPL-3.0."
    ),
    # The footer's "Accessibilité : non conforme" (no accessibility audit yet): django-dsfr's own
    # label, which its catalogues (and sdsf/locale_dsfr for Arabic) translate.
    get_accessibility_status_display=dict(DsfrConfig.A11Y_CHOICES)["NOT"],
    beta_tag=True,
    mourning=False,
)


def site(request):
    """The DSFR site configuration (from code, not the database) and the role menu."""
    return {"SITE_CONFIG": _SITE, "main_menu": menu_for(request)}
