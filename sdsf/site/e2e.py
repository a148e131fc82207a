"""The test-only API of the browser tests: empty the data, create named fixtures over HTTP.

Browser tests drive a separate server process (``tests/browser/conftest.py``) with its own
database, so they cannot call the ORM: they create what they need through these endpoints, as
eVaka's end-to-end tests do. Nothing here checks who asks, so the routes are mounted only when
``settings.SDSF_E2E_API`` is True (``sdsf.settings.e2e``, which refuses to load in a
deployment), and answer only to the loopback address.

- ``POST /e2e/reset``: deletes every row except the territories (COG) and Django's catalogue
  tables, and the e-mails and documents written to disk.
- ``POST /e2e/fixtures/<name>`` with a JSON object of keyword arguments: runs the builder
  ``FIXTURES[name]`` in a transaction and answers its JSON object (201), or
  ``{"error": ...}`` (400).
- ``GET /e2e/fixtures/``: the builders' names and docstrings.

A builder is a plain function registered with :func:`fixture`: keyword arguments in JSON types
(dates as ``YYYY-MM-DD``), a dict out. Features add theirs here.
"""

import json
import shutil
from collections.abc import Callable
from datetime import date
from functools import wraps
from pathlib import Path
from tempfile import TemporaryDirectory

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.management.color import no_style
from django.db import connection, transaction
from django.http import Http404, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from sdsf.accounts.models import INSTITUTION_KIND_OF_ROLE, Assignment, Institution, Role, User
from sdsf.core import clock
from sdsf.core.imports import ImportFailed
from sdsf.territories.models import Commune, Level

PASSWORD = "e2e-password-2026"  # noqa: S105 — every fixture account's password unless told
KEPT_APPS = {"territories", "contenttypes"}  # loaded once per server, never emptied
KEPT_TABLES = {"auth_permission"}

FIXTURES: dict[str, Callable[..., dict]] = {}


def fixture(builder: Callable[..., dict]) -> Callable[..., dict]:
    FIXTURES[builder.__name__] = builder
    return builder


def _local_only(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        loopback = request.META.get("REMOTE_ADDR") in {"127.0.0.1", "::1"}
        if not (settings.SDSF_E2E_API and loopback):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def reset() -> None:
    kept = KEPT_TABLES | {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in KEPT_APPS
    }
    tables = [
        t for t in connection.introspection.django_table_names(only_existing=True) if t not in kept
    ]
    with transaction.atomic():
        connection.ops.execute_sql_flush(
            connection.ops.sql_flush(no_style(), tables, reset_sequences=True)
        )
    for directory in (getattr(settings, "EMAIL_FILE_PATH", None), settings.MEDIA_ROOT):
        if directory:
            shutil.rmtree(directory, ignore_errors=True)


@fixture
def staff_user(
    role: str, level: str = Level.DEPARTEMENT, code: str = "93", email: str = "", password=PASSWORD
) -> dict:
    """An agent with one role (accounts.Role value) over a territory (level, code)."""
    role = Role(role)
    kind = INSTITUTION_KIND_OF_ROLE[role]
    institution, _ = Institution.objects.get_or_create(
        name=f"{kind.label} {level} {code}",
        kind=kind,
        defaults={"territory_level": level, "territory_code": code},
    )
    email = email or f"{role.value}.{level}.{code}@e2e.sdsf.test"
    user = User.objects.create_user(email, password, first_name="Agent", last_name=role.label)
    Assignment.objects.create(
        user=user, institution=institution, role=role, scope_level=level, scope_code=code
    )
    return {"id": user.pk, "email": user.email, "password": password}


@fixture
def family(
    email: str = "famille@e2e.sdsf.test",
    password=PASSWORD,
    first_name: str = "Camille",
    last_name: str = "Martin",
    verified: bool = True,
) -> dict:
    """A family account (sign-up as on the site), its e-mail address verified unless told."""
    from sdsf.families.accounts import sign_up

    account = sign_up(email=email, password=password, first_name=first_name, last_name=last_name)
    if verified:
        account.email_verified_at = clock.now()
        account.save(update_fields=["email_verified_at"])
    return {"id": account.pk, "user_id": account.user_id, "email": email, "password": password}


@fixture
def structure(
    commune: str = "93008",
    name: str = "Crèche des Lilas",
    identifier: str = "",
    category: str = "multi_accueil",
    funding: str = "psu",
    places: dict | None = None,
    capacity_from: str = "2020-01-01",
    available_places: int | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
) -> dict:
    """An open EAJE with its capacity by age section (``places``: section value → places,
    ``{"all": 20}`` by default), at the commune's centre unless placed."""
    from sdsf.offer.models import Capacity, Section, Structure

    town = Commune.objects.get(code=commune)
    located = latitude is not None and longitude is not None
    created = Structure.objects.create(
        identifier=identifier or f"E2E-{Structure.objects.count() + 1:04d}",
        kind=Structure.Kind.EAJE,
        category=Structure.Category(category),
        name=name,
        address="1 rue de l'Exemple",
        commune=town,
        latitude=latitude if located else town.centroid_lat,
        longitude=longitude if located else town.centroid_lon,
        location_approximate=not located,
        funding=Structure.Funding(funding),
        opening_days="lundi-vendredi",
        opens_at="07:30",
        closes_at="18:30",
        available_places=available_places,
    )
    for section, count in (places or {Section.ALL: 20}).items():
        Capacity.objects.create(
            structure=created,
            section=Section(section),
            places=count,
            start=date.fromisoformat(capacity_from),
        )
    return {"id": created.pk, "identifier": created.identifier, "name": created.name}


@fixture
def assistant(
    commune: str = "93008",
    identifier: str = "AM-E2E-0001",
    last_name: str = "Martin",
    first_name: str = "Sophie",
    places: int = 4,
    ages: str = "0-6 ans",
    start: str = "2024-09-01",
    expiry: str = "2029-08-31",
) -> dict:
    """A childminder whose agrément was granted on ``start`` (its first state in the history),
    at the commune's centre."""
    from sdsf.offer.history import record_agrement
    from sdsf.offer.models import Agrement, AgrementStatus, AssistantMaternel, Decision

    town = Commune.objects.get(code=commune)
    granted = date.fromisoformat(start)
    created = AssistantMaternel.objects.create(
        identifier=identifier,
        last_name=last_name,
        first_name=first_name,
        commune=town,
        latitude=town.centroid_lat,
        longitude=town.centroid_lon,
        location_approximate=True,
        agrement_status=AgrementStatus.GRANTED,
        agrement_places=places,
        agrement_start=granted,
        agrement_expiry=date.fromisoformat(expiry),
        agrement_since=granted,
    )
    record_agrement(
        created,
        Agrement(
            effective_from=granted,
            decision=Decision.GRANT,
            status=AgrementStatus.GRANTED,
            places=places,
            ages=ages,
            start=granted,
            expiry=date.fromisoformat(expiry),
        ),
    )
    return {"id": created.pk, "identifier": created.identifier}


@fixture
def allocation_round(
    commune: str = "93008",
    grid: str = "pessac-2022",
    name: str = "Commission de septembre 2026",
    meets_on: str = "2026-06-15",
    starts_on: str = "2026-09-01",
    ends_on: str = "2027-08-31",
    published: bool = True,
) -> dict:
    """A commune's allocation round, its grid published by that commune with the criteria of a
    shipped grid (``data/grids/<grid>.json``); published unless told."""
    from sdsf.allocation import rounds
    from sdsf.allocation.grids import load_grid
    from sdsf.allocation.models import AllocationRound

    data = json.loads((settings.DATA_DIR / "grids" / f"{grid}.json").read_text(encoding="utf-8"))
    data["commune"] = commune
    with TemporaryDirectory() as directory:  # load_grid validates a file: the shipped one, moved
        copy = Path(directory) / f"{grid}.json"
        copy.write_text(json.dumps(data), encoding="utf-8")
        points_grid = load_grid(copy)
    created = AllocationRound.objects.create(
        commune_id=commune,
        name=name,
        meets_on=date.fromisoformat(meets_on),
        starts_on=date.fromisoformat(starts_on),
        ends_on=date.fromisoformat(ends_on),
        grid=points_grid,
    )
    if published:
        rounds.publish(created)
    return {"id": created.pk, "name": created.name, "grid_id": points_grid.pk}


@csrf_exempt
@_local_only
@require_POST
def reset_view(request):
    reset()
    return JsonResponse({"reset": True})


@_local_only
@require_GET
def fixtures_view(request):
    return JsonResponse({name: (builder.__doc__ or "") for name, builder in FIXTURES.items()})


@csrf_exempt
@_local_only
@require_POST
def create_view(request, name):
    builder = FIXTURES.get(name)
    if builder is None:
        raise Http404
    try:
        arguments = json.loads(request.body or b"{}")
    except ValueError:
        return JsonResponse({"error": "JSON body expected"}, status=400)
    if not isinstance(arguments, dict):
        return JsonResponse({"error": "a JSON object of keyword arguments expected"}, status=400)
    try:
        with transaction.atomic():
            result = builder(**arguments)
    except (TypeError, ValueError, ValidationError, ObjectDoesNotExist, ImportFailed) as error:
        return JsonResponse({"error": f"{type(error).__name__}: {error}"}, status=400)
    return JsonResponse(result, status=201)


urlpatterns = [
    path("reset", reset_view, name="e2e_reset"),
    path("fixtures/", fixtures_view, name="e2e_fixtures"),
    path("fixtures/<slug:name>", create_view, name="e2e_create"),
]
