"""The official territories (COG), referred to by every other app through their codes."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    """Levels at which the platform scopes people and aggregates figures."""

    COMMUNE = "commune", _("Commune")
    EPCI = "epci", _("EPCI")
    EPT = "ept", _("EPT")
    DEPARTEMENT = "departement", _("Département")
    REGION = "region", _("Région")


class Region(models.Model):
    code = models.CharField(_("code INSEE"), max_length=3, primary_key=True)
    name = models.CharField(_("nom"), max_length=100)

    class Meta:
        ordering = ["code"]
        verbose_name = _("région")

    def __str__(self):
        return self.name


class Departement(models.Model):
    code = models.CharField(_("code INSEE"), max_length=3, primary_key=True)
    name = models.CharField(_("nom"), max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="departements")
    chef_lieu = models.CharField(_("chef-lieu (code INSEE)"), max_length=5)
    zone = models.CharField(max_length=10)

    class Meta:
        ordering = ["code"]
        verbose_name = _("département")

    def __str__(self):
        return f"{self.name} ({self.code})"


class DepartementOutline(models.Model):
    """A département's outline (simplified GeoJSON), drawn under the maps: a table of its own,
    so that reading départements never reads their outlines (3.7 MB for all of them)."""

    departement = models.OneToOneField(
        Departement, on_delete=models.CASCADE, primary_key=True, related_name="outline"
    )
    geometry = models.JSONField(_("contour (GeoJSON)"))

    def __str__(self):
        return f"Contour {self.departement_id}"


class Epci(models.Model):
    """An établissement public de coopération intercommunale à fiscalité propre (SIREN code)."""

    class Kind(models.TextChoices):
        CC = "CC", _("Communauté de communes")
        CA = "CA", _("Communauté d'agglomération")
        CU = "CU", _("Communauté urbaine")
        METRO = "METRO", _("Métropole")
        MET69 = "MET69", _("Métropole de Lyon")

    code = models.CharField(_("SIREN"), max_length=9, primary_key=True)
    name = models.CharField(_("nom"), max_length=200)
    kind = models.CharField(_("type"), max_length=5, choices=Kind.choices)
    financing = models.CharField(_("mode de financement"), max_length=3)
    population = models.PositiveIntegerField(_("population municipale"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("EPCI")
        verbose_name_plural = _("EPCI")

    def __str__(self):
        return self.name


class Ept(models.Model):
    """An établissement public territorial of the Métropole du Grand Paris."""

    code = models.CharField(_("SIREN"), max_length=9, primary_key=True)
    name = models.CharField(_("nom"), max_length=200)

    class Meta:
        ordering = ["name"]
        verbose_name = _("EPT")
        verbose_name_plural = _("EPT")

    def __str__(self):
        return self.name


class Commune(models.Model):
    class Kind(models.TextChoices):
        COMMUNE = "commune-actuelle", _("Commune")
        ARRONDISSEMENT = "arrondissement-municipal", _("Arrondissement municipal")

    code = models.CharField(_("code INSEE"), max_length=5, primary_key=True)
    name = models.CharField(_("nom"), max_length=200)
    kind = models.CharField(_("type"), max_length=30, choices=Kind.choices)
    departement = models.ForeignKey(Departement, on_delete=models.PROTECT, related_name="communes")
    epci = models.ForeignKey(
        Epci, on_delete=models.PROTECT, related_name="communes", null=True, blank=True
    )
    ept = models.ForeignKey(
        Ept, on_delete=models.PROTECT, related_name="communes", null=True, blank=True
    )
    # Unknown for a few uninhabited overseas territories (TAAF, Clipperton).
    population = models.PositiveIntegerField(_("population municipale"), null=True, blank=True)
    postal_codes = models.CharField(_("codes postaux"), max_length=200, blank=True)
    geometry = models.JSONField(_("contour (GeoJSON)"), null=True, blank=True)
    centroid_lat = models.FloatField(null=True, blank=True)
    centroid_lon = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("commune")

    def __str__(self):
        return f"{self.name} ({self.code})"

    @property
    def postal_code_list(self) -> list[str]:
        return [c for c in self.postal_codes.split("|") if c]
