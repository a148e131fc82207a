"""The observatory's stored figures: counts per commune and year, and published CNAF figures.

Rates are never stored for communes: they are derived from counts at any level by
:mod:`sdsf.observatory.coverage` (a rate cannot be re-aggregated). Published rates and place
counts are kept as published, to be shown *beside* the computed figures.

Every figure carries its ``source`` (the file it came from, shown on pages and exports) and
``is_demo``: synthetic figures created by the demo are labelled "Données de démonstration"
wherever they appear, and a real import of the same kind replaces them.
"""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from sdsf.territories.models import Commune

DEMO_LABEL = "Données de démonstration"


class Figure(models.Model):
    """Where a stored figure comes from."""

    source = models.CharField(_("source"), max_length=200)
    is_demo = models.BooleanField(_("données de démonstration"), default=False)
    imported_at = models.DateTimeField(_("importé le"), auto_now=True)

    class Meta:
        abstract = True


class CommuneYearFigure(Figure):
    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("année"))

    class Meta:
        abstract = True
        ordering = ["commune_id", "year"]
        constraints = [
            models.UniqueConstraint(fields=["commune", "year"], name="%(class)s_commune_year")
        ]

    def __str__(self):
        return f"{self._meta.verbose_name} {self.commune_id} {self.year}"


class PopulationCount(CommuneYearFigure):
    """INSEE population by age (``base-ic-evol-struct-pop``): children aged 0-2, population.

    INSEE's census counts are estimates with decimals; they are kept as published.
    """

    children_under_3 = models.FloatField(_("enfants de moins de 3 ans"), null=True)
    population = models.FloatField(_("population"), null=True)

    class Meta(CommuneYearFigure.Meta):
        verbose_name = _("population par âge")


class BirthCount(CommuneYearFigure):
    """INSEE births by mother's commune of residence (``NAISD`` columns)."""

    births = models.FloatField(_("naissances"))

    class Meta(CommuneYearFigure.Meta):
        verbose_name = _("naissances")


class CapacityCount(CommuneYearFigure):
    """Places by component imported for a commune and year (``import_capacity``).

    A null component is one the file did not give: the offer registry's count on 1 January of
    the year is used for it instead.
    """

    eaje_psu_places = models.FloatField(_("places EAJE PSU"), null=True)
    eaje_other_places = models.FloatField(_("places EAJE hors PSU"), null=True)
    am_places = models.FloatField(_("places chez les assistants maternels"), null=True)
    home_care_places = models.FloatField(_("places de garde à domicile"), null=True)
    preschool_places = models.FloatField(_("places de préscolarisation"), null=True)

    class Meta(CommuneYearFigure.Meta):
        verbose_name = _("capacité d'accueil")


class PublishedLevel(models.TextChoices):
    COMMUNE = "commune", _("Commune")
    EPCI = "epci", _("EPCI")
    DEPARTEMENT = "departement", _("Département")
    FRANCE = "france", _("France")


class PublishedFigure(Figure):
    """A figure published by the CNAF for one territory and year, kept as published.

    Codes are not foreign keys: CNAF files follow the COG of their year, which may name
    territories that no longer exist.
    """

    level = models.CharField(_("niveau"), max_length=12, choices=PublishedLevel.choices)
    code = models.CharField(_("code"), max_length=9)
    year = models.PositiveSmallIntegerField(_("année"))
    name = models.CharField(_("nom publié"), max_length=200, blank=True)

    class Meta:
        abstract = True
        ordering = ["level", "code", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["level", "code", "year"], name="%(class)s_level_code_year"
            )
        ]

    def __str__(self):
        return f"{self._meta.verbose_name} {self.level} {self.code} {self.year}"


class PublishedPlaces(PublishedFigure):
    """CNAF open data ``nbpla_pe_com|epci|dep``: places by kind of care."""

    parent_code = models.CharField(_("EPCI publié"), max_length=9, blank=True)
    eaje_places = models.FloatField(_("places EAJE"), null=True)
    am_places = models.FloatField(_("places chez les assistants maternels"), null=True)
    home_care_places = models.FloatField(_("places de garde à domicile"), null=True)
    preschool_places = models.FloatField(_("places de préscolarisation"), null=True)
    total_places = models.FloatField(_("offre totale"), null=True)

    class Meta(PublishedFigure.Meta):
        verbose_name = _("places publiées (CNAF)")
        verbose_name_plural = _("places publiées (CNAF)")


class PublishedCoverage(PublishedFigure):
    """CNAF open data ``txcouv_pe_*``: coverage rates per 100 children under 3."""

    eaje_psu_rate = models.FloatField(_("taux EAJE PSU"), null=True)
    eaje_other_rate = models.FloatField(_("taux EAJE hors PSU"), null=True)
    eaje_rate = models.FloatField(_("taux EAJE"), null=True)
    preschool_rate = models.FloatField(_("taux de préscolarisation"), null=True)
    am_rate = models.FloatField(_("taux assistants maternels"), null=True)
    home_care_rate = models.FloatField(_("taux garde à domicile"), null=True)
    individual_rate = models.FloatField(_("taux accueil individuel"), null=True)
    coverage_rate = models.FloatField(_("taux de couverture global"), null=True)

    class Meta(PublishedFigure.Meta):
        verbose_name = _("taux de couverture publié (CNAF)")
        verbose_name_plural = _("taux de couverture publiés (CNAF)")


class Indicator(models.Model):
    """Any other per-commune indicator (poverty rate, single-parent families...).

    Given as numerator and denominator it is pooled at every level like coverage; given only
    as a value it is shown for communes and cannot be aggregated.
    """

    slug = models.SlugField(_("identifiant"), max_length=100, unique=True)
    name = models.CharField(_("nom"), max_length=200)
    unit = models.CharField(_("unité"), max_length=20)
    source = models.CharField(_("source"), max_length=200)
    is_demo = models.BooleanField(_("données de démonstration"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("indicateur")

    def __str__(self):
        return self.name

    @property
    def scale(self) -> float:
        """Numerator/denominator → value: per 1,000 for "‰", per 100 otherwise."""
        return 1000.0 if self.unit.strip() in ("‰", "pour 1000", "pour 1 000") else 100.0


class IndicatorValue(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("année"))
    value = models.FloatField(_("valeur"), null=True)
    numerator = models.FloatField(_("numérateur"), null=True)
    denominator = models.FloatField(_("dénominateur"), null=True)

    class Meta:
        ordering = ["indicator", "commune_id", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "commune", "year"], name="indicatorvalue_commune_year"
            )
        ]

    def __str__(self):
        return f"{self.indicator_id} {self.commune_id} {self.year}"


class DataVersion(models.Model):
    """One row whose token every import renews, so cached reference figures are recomputed.

    The token is written in the import's transaction: a dry run (rolled back) leaves the cache
    alone. A random token rather than a counter: a rolled-back counter would come back to a
    value already used for other data.
    """

    token = models.CharField(max_length=32)

    def __str__(self):
        return self.token

    @classmethod
    def current(cls) -> str:
        return cls.objects.filter(pk=1).values_list("token", flat=True).first() or "none"

    @classmethod
    def bump(cls) -> None:
        cls.objects.update_or_create(pk=1, defaults={"token": uuid.uuid4().hex})
