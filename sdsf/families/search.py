"""Find the offer: the public search of families (no account), as plain functions.

What is public is decided by the registry's managers (``Structure.objects.public()``,
``AssistantMaternel.objects.public()``, ``ParentingAction.objects.public()``); an assistant
maternel is a person: families see their first name, the initial of their last name and their
commune, never their address.

The search is by commune or by position, never by address: no address base is shipped and no
online geocoder is called. A commune is placed at the centroid of its shipped geometry.

Distance: a bounding box is asked of the database (indexed latitude and longitude); within it the
database keeps the rows inside the circle by a flat-earth distance (a 1 % larger circle: it errs
by well under 1 % at these distances) and returns only the nearest ``MAX_RESULTS`` of each kind of
row, first within a quarter of the radius, then, if fewer, within all of it; the exact
great-circle distance (haversine) is then computed on those rows only, which are filtered and
sorted by it. A dense search (10 km around Paris finds tens of thousands of childminders in the
benchmark) thus lists the nearest ``MAX_RESULTS`` and says there are more, instead of reading
every row. Only the few columns that sort and name a place are read for the places found; the
rest of what the list shows is read for the page's 20 places only (:class:`Found`). See
``docs/performance.md``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, time
from functools import cached_property, reduce
from operator import or_

from django import forms
from django.db import models
from django.db.models import Exists, ExpressionWrapper, F, FloatField, Min, OuterRef, Q, Value
from django.db.models.functions import Length
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from sdsf.core import clock
from sdsf.core.codes import COMMUNE_CODE_PATTERN, is_commune_code
from sdsf.offer.importers.common import normalise
from sdsf.offer.models import (
    AssistantMaternel,
    Capacity,
    ParentingAction,
    Section,
    Structure,
)
from sdsf.territories.models import Commune

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180
RADIUS_CHOICES = (2, 5, 10, 20, 30)
DEFAULT_RADIUS = 10
MAX_RESULTS = 500  # a family refines the search long before; the page says there are more
CHILDCARE_MAX_MONTHS = 72  # EAJE, assistants maternels, MAM and LAEP: children under 6
# Structures whose opening hours the hours filter compares (known hours only).
KINDS_WITH_HOURS = (Structure.Kind.EAJE, Structure.Kind.MAM)


class Kind(models.TextChoices):
    """The kinds a family chooses from (an EAJE is a crèche or a micro-crèche)."""

    CRECHE = "creche", _("Crèche")
    MICRO_CRECHE = "micro_creche", _("Micro-crèche")
    ASSISTANT = "assistant", _("Assistant maternel avec des places disponibles")
    MAM = "mam", _("Maison d'assistants maternels (MAM)")
    RPE = "rpe", _("Relais petite enfance (RPE)")
    LAEP = "laep", _("Lieu d'accueil enfants-parents (LAEP)")
    PARENTING = "parenting", _("Action de soutien à la parentalité")


STRUCTURE_KINDS = {
    Kind.CRECHE: Q(kind=Structure.Kind.EAJE) & ~Q(category=Structure.Category.MICRO),
    Kind.MICRO_CRECHE: Q(kind=Structure.Kind.EAJE, category=Structure.Category.MICRO),
    Kind.MAM: Q(kind=Structure.Kind.MAM),
    Kind.RPE: Q(kind=Structure.Kind.RPE),
    Kind.LAEP: Q(kind=Structure.Kind.LAEP),
}


def display_name(first_name: str, last_name: str) -> str:
    """« Sophie M. »: what a family needs to recognise a childminder, no more."""
    initial = f"{last_name[:1].upper()}." if last_name else ""
    return f"{first_name} {initial}".strip()


# --- geometry -------------------------------------------------------------------------------


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """(lat_min, lat_max, lon_min, lon_max) containing the circle (a little larger)."""
    dlat = radius_km / KM_PER_DEGREE
    dlon = radius_km / (KM_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


def _in_box(box, lat: str = "latitude", lon: str = "longitude") -> Q:
    lat_min, lat_max, lon_min, lon_max = box
    return Q(
        **{
            f"{lat}__gte": lat_min,
            f"{lat}__lte": lat_max,
            f"{lon}__gte": lon_min,
            f"{lon}__lte": lon_max,
        }
    )


# --- communes -------------------------------------------------------------------------------

_WITH_CODE = re.compile(rf"^.*\(({COMMUNE_CODE_PATTERN})\)\s*$")


def find_communes(text: str) -> list[Commune]:
    """Communes a family may mean: an INSEE code, a postal code, « Nom (code) » or a name
    (case, accents and hyphens ignored). Several for a shared name or postal code, most populous
    first. Some may have no position (no geometry shipped for their département)."""
    text = " ".join(text.split())
    if not text:
        return []
    match = _WITH_CODE.match(text)
    code = (match[1] if match else text).upper()
    rows = Commune.objects.all()
    if is_commune_code(code):
        found = list(rows.filter(code=code))
        if found:
            return found
        by_postal = rows.filter(postal_codes__contains=code).order_by("-population")
        return [c for c in by_postal if code in c.postal_code_list]
    found = list(rows.filter(name__iexact=text).order_by("-population"))
    if found:
        return found
    wanted = normalise(text)
    same_length = rows.annotate(length=Length("name")).filter(length=len(text))
    return [c for c in same_length.order_by("-population") if normalise(c.name) == wanted]


# --- the search -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    latitude: float
    longitude: float
    radius_km: float = DEFAULT_RADIUS
    kinds: frozenset[str] = frozenset()  # empty: every kind
    needed_from: time | None = None
    needed_to: time | None = None
    age_months: int | None = None
    today: date = field(default_factory=clock.today)

    def wants(self, kind: str) -> bool:
        return not self.kinds or kind in self.kinds


@dataclass
class Hit:
    """A place found: what sorts it, names it and puts it on the map, read for every place found
    (at most ``MAX_RESULTS`` per table); the rest of a :class:`Result` is read only when listed."""

    kind: str
    identifier: str
    name: str
    latitude: float
    longitude: float
    distance_km: float
    pk: int
    # Placed at its commune's centre (no position of its own): its distance is not known.
    approximate: bool = False

    @property
    def kind_label(self) -> str:
        return Kind(self.kind).label

    @property
    def url(self) -> str:
        """Reversed on demand: a dense search finds hundreds of places, a page shows 20."""
        return reverse(DETAIL_PAGES.get(self.kind, "families:structure"), args=[self.identifier])


DETAIL_PAGES = {Kind.ASSISTANT: "families:assistant", Kind.PARENTING: "families:parenting_action"}


@dataclass
class Result(Hit):
    """A place as the list shows it."""

    commune: str = ""
    is_demo: bool = False
    available_places: int | None = None
    available_from: date | None = None
    opens_at: time | None = None
    closes_at: time | None = None
    funding: str = ""
    next_event: date | None = None


@dataclass
class Found:
    """The places found, nearest first, at most the limit; sliced (as a paginator does) it gives
    the :class:`Result` of those places only, so a page reads 20 rows, not the hundreds found."""

    hits: list[Hit]
    more: bool  # more places within the radius than the limit: only the nearest are listed
    today: date = field(default_factory=clock.today)  # for the coming sessions

    def __len__(self) -> int:
        return len(self.hits)

    def __getitem__(self, index: slice) -> list[Result]:
        return _details(self.hits[index], self.today)

    @cached_property
    def results(self) -> list[Result]:
        return self[:]


def search(filters: Filters, limit: int = MAX_RESULTS) -> Found:
    """The public places within the radius that pass the filters, nearest first (then by name).

    Each table gives its ``limit + 1`` nearest places (all, if fewer; a few more at times), so
    the ``limit`` nearest of their union are the ``limit`` nearest overall.
    """
    hits = _structures(filters, limit + 1)
    if filters.wants(Kind.ASSISTANT):
        hits += _assistants(filters, limit + 1)
    if filters.wants(Kind.PARENTING):
        hits += _parenting(filters, limit + 1)
    hits.sort(key=lambda h: (h.distance_km, h.name, h.identifier))
    return Found(hits[:limit], len(hits) > limit, filters.today)


RINGS = (0.25, 1)  # shares of the radius searched in turn (see _keys)


def _nearest(filters: Filters, rows, columns, make, limit: int, **place) -> list[Hit]:
    """Hits of (at least) the ``limit`` rows nearest the point within the radius, if there are
    so many (see :func:`_keys`).

    The nearest by flat distance may include rows just beyond the radius by the great circle,
    which are dropped: then more rows are asked for, so a row within the radius is never left
    out for one outside it.
    """
    asked = limit
    while True:
        keys = _keys(filters, rows, asked, **place)
        found = _within(filters, rows.model.objects.filter(pk__in=keys).values_list(*columns), make)
        if len(found) >= limit or len(keys) < asked:
            return found
        asked *= 2


def _keys(filters: Filters, rows, limit: int, lat="latitude", lon="longitude", rings=RINGS):
    """Keys of the ``limit`` rows nearest the point within (a little more than) the radius, by a
    flat-earth squared distance in degrees the database computes with plain arithmetic.

    Searched in growing circles (``rings``: a quarter of the radius, then all of it): in a dense
    place the nearest ``limit`` are all in the first, and only the rows of that small circle are
    read. A row outside a circle's bounding box is outside the circle (the box is taken at the
    circle's centre latitude, like the flat distance), so when a circle holds ``limit`` rows
    they are the ``limit`` nearest of the whole radius.

    The query reads only the search index (position and filter columns); the caller reads the
    few columns it needs of the rows kept.
    """
    lat0, lon0 = Value(filters.latitude), Value(filters.longitude)
    squeeze = Value(math.cos(math.radians(filters.latitude)) ** 2)
    squared = ExpressionWrapper(
        (F(lat) - lat0) * (F(lat) - lat0) + (F(lon) - lon0) * (F(lon) - lon0) * squeeze,
        output_field=FloatField(),
    )
    for share in rings:
        reach_km = filters.radius_km * share * 1.01
        box = bounding_box(filters.latitude, filters.longitude, reach_km)
        nearest = (
            rows.filter(_in_box(box, lat, lon))
            .annotate(d2=squared)
            .filter(d2__lte=(reach_km / KM_PER_DEGREE) ** 2)
            .order_by("d2")
        )
        keys = list(nearest.values_list("pk", flat=True)[:limit])
        if len(keys) == limit:
            break
    return keys


def _within(filters: Filters, rows, make) -> list[Hit]:
    """Hits of the rows (ending with latitude, longitude) within the radius (great circle)."""
    found = []
    for row in rows:
        distance = haversine_km(filters.latitude, filters.longitude, row[-2], row[-1])
        if distance <= filters.radius_km:
            found.append(
                make(*row[:-2], latitude=row[-2], longitude=row[-1], distance_km=round(distance, 1))
            )
    return found


def _structures(filters: Filters, limit: int) -> list[Hit]:
    wanted = [q for kind, q in STRUCTURE_KINDS.items() if filters.wants(kind)]
    if not wanted:
        return []
    rows = Structure.objects.public().filter(reduce(or_, wanted))
    if filters.needed_from or filters.needed_to:
        hours = Q()
        if filters.needed_from:
            hours &= Q(opens_at__lte=filters.needed_from)
        if filters.needed_to:
            hours &= Q(closes_at__gte=filters.needed_to)
        rows = rows.filter(hours | ~Q(kind__in=KINDS_WITH_HOURS))
    if filters.age_months is not None and filters.age_months >= CHILDCARE_MAX_MONTHS:
        rows = rows.exclude(kind__in=(Structure.Kind.EAJE, Structure.Kind.MAM, Structure.Kind.LAEP))
    elif filters.age_months is not None:
        rows = rows.filter(~Q(kind=Structure.Kind.EAJE) | Exists(_accepting(filters)))
    columns = ("pk", "identifier", "name", "kind", "category", "location_approximate")
    columns += ("latitude", "longitude")

    def make(pk, identifier, name, kind, category, approximate, **place):
        kind = _structure_kind(kind, category)
        return Hit(kind, identifier, name, pk=pk, approximate=approximate, **place)

    return _nearest(filters, rows, columns, make, limit)


def _structure_kind(kind: str, category: str) -> str:
    if kind == Structure.Kind.EAJE:
        return Kind.MICRO_CRECHE if category == Structure.Category.MICRO else Kind.CRECHE
    return kind


def _accepting(filters: Filters):
    """Capacity rows in force today with places for the child's age section (or places not
    split by section), for the crèche of the outer query."""
    newer = Capacity.objects.filter(
        structure=OuterRef("structure"),
        section=OuterRef("section"),
        start__gt=OuterRef("start"),
        start__lte=filters.today,
    )
    return Capacity.objects.filter(
        structure=OuterRef("pk"),
        start__lte=filters.today,
        places__gt=0,
        section__in=(age_section(filters.age_months), Section.ALL),
    ).exclude(Exists(newer))


def age_section(age_months: int) -> str:
    """The crèche section of a child of this age (see ``Section``)."""
    if age_months < 18:
        return Section.BABIES
    if age_months < 24:
        return Section.MIDDLE
    return Section.OLDER


def _assistants(filters: Filters, limit: int) -> list[Hit]:
    age = filters.age_months
    if age is not None and age >= CHILDCARE_MAX_MONTHS:
        return []
    rows = AssistantMaternel.objects.public(filters.today)
    if age is not None:
        # Ages read from the agrément's text when written; unreadable (None): kept.
        readable = Q(agrement_min_months__lte=age, agrement_max_months__gte=age)
        rows = rows.filter(readable | Q(agrement_min_months__isnull=True))
    columns = ("pk", "identifier", "first_name", "last_name", "location_approximate")
    columns += ("latitude", "longitude")

    def make(pk, identifier, first_name, last_name, approximate, **place):
        name = display_name(first_name, last_name)
        return Hit(Kind.ASSISTANT, identifier, name, pk=pk, approximate=approximate, **place)

    return _nearest(filters, rows, columns, make, limit)


def _parenting(filters: Filters, limit: int) -> list[Hit]:
    lat, lon = "commune__centroid_lat", "commune__centroid_lon"
    columns = ("pk", "identifier", "title", lat, lon)

    def make(pk, identifier, title, **place):
        return Hit(Kind.PARENTING, identifier, title, pk=pk, approximate=True, **place)

    # Few actions, placed at their commune's centre: one circle, the radius.
    rows = ParentingAction.objects.public()
    return _nearest(filters, rows, columns, make, limit, lat=lat, lon=lon, rings=(1,))


# What a listed place shows besides its hit, by table (read for the listed places only).
DETAILS = {
    Structure: (
        "commune__name",
        "available_places",
        "available_from",
        "opens_at",
        "closes_at",
        "funding",
        "is_demo",
    ),
    AssistantMaternel: (
        "commune__name",
        "available_places",
        "available_from",
        "is_demo",
    ),
    ParentingAction: ("commune__name", "is_demo", "next_event"),
}


def _details(hits: list[Hit], today: date) -> list[Result]:
    """The results of these hits, in their order: one query per table."""
    tables = {Kind.ASSISTANT: AssistantMaternel, Kind.PARENTING: ParentingAction}
    keys = {}
    for hit in hits:
        keys.setdefault(tables.get(hit.kind, Structure), []).append(hit.pk)
    details = {}
    for model, pks in keys.items():
        rows = model.objects.filter(pk__in=pks)
        if model is ParentingAction:
            rows = rows.annotate(next_event=Min("events__date", filter=Q(events__date__gte=today)))
        for row in rows.values("pk", *DETAILS[model]):
            details[model, row.pop("pk")] = row
    results = []
    for hit in hits:
        model = tables.get(hit.kind, Structure)
        row = details[model, hit.pk]
        results.append(Result(**vars(hit), commune=row.pop("commune__name"), **row))
    return results


# --- the form -------------------------------------------------------------------------------


class SearchForm(forms.Form):
    """The search as families fill it in; :meth:`filters` gives what :func:`search` needs."""

    commune = forms.CharField(
        label=_("Commune"),
        help_text=_("Nom, code postal ou code INSEE, par exemple « Bobigny » ou « 93000 »."),
        required=False,
        max_length=120,
    )
    latitude = forms.FloatField(
        required=False, min_value=-90, max_value=90, widget=forms.HiddenInput
    )
    longitude = forms.FloatField(
        required=False, min_value=-180, max_value=180, widget=forms.HiddenInput
    )
    radius = forms.TypedChoiceField(
        label=_("Distance"),
        choices=[(r, f"{r} km") for r in RADIUS_CHOICES],
        coerce=int,
        initial=DEFAULT_RADIUS,
        required=False,
        empty_value=DEFAULT_RADIUS,
    )
    kinds = forms.MultipleChoiceField(
        label=_("Type d'accueil"),
        help_text=_("Aucune case cochée : tous les types."),
        choices=Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    needed_from = forms.TimeField(
        label=_("Accueil nécessaire à partir de"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    needed_to = forms.TimeField(
        label=_("Jusqu'à"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    age_months = forms.IntegerField(
        label=_("Âge de l'enfant (en mois)"),
        help_text=_("À la date d'accueil souhaitée ; 0 pour un enfant à naître."),
        required=False,
        min_value=0,
        max_value=144,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def clean(self):
        data = super().clean()
        self.place = None
        text = data.get("commune") or ""
        lat, lon = data.get("latitude"), data.get("longitude")
        if text:
            found = find_communes(text)
            communes = [c for c in found if c.centroid_lat is not None]
            if not found:
                self.add_error(
                    "commune",
                    _(
                        "Commune introuvable. Indiquez son nom, son code postal ou son code "
                        "INSEE (la recherche par adresse n'est pas possible)."
                    ),
                )
            elif not communes:
                self.add_error(
                    "commune",
                    _(
                        "La position de cette commune n'est pas connue de la plateforme : "
                        "choisissez une commune voisine ou « Autour de moi »."
                    ),
                )
            elif len(communes) > 1:
                self.add_error(
                    "commune",
                    _("Plusieurs communes correspondent : %(names)s. Indiquez le code INSEE.")
                    % {"names": ", ".join(f"{c.name} ({c.code})" for c in communes[:8])},
                )
            else:
                self.place = communes[0]
                data["latitude"], data["longitude"] = (
                    self.place.centroid_lat,
                    self.place.centroid_lon,
                )
        elif lat is None or lon is None:
            data["latitude"] = data["longitude"] = None
        start, end = data.get("needed_from"), data.get("needed_to")
        if start and end and end <= start:
            self.add_error("needed_to", _("L'heure de fin doit suivre l'heure de début."))
        return data

    def filters(self, today: date | None = None) -> Filters | None:
        """None when the form is invalid or says neither a commune nor a position."""
        if not self.is_valid() or self.cleaned_data["latitude"] is None:
            return None
        data = self.cleaned_data
        return Filters(
            latitude=data["latitude"],
            longitude=data["longitude"],
            radius_km=data["radius"] or DEFAULT_RADIUS,
            kinds=frozenset(data["kinds"]),
            needed_from=data["needed_from"],
            needed_to=data["needed_to"],
            age_months=data["age_months"],
            today=today or clock.today(),
        )
