"""Unmet demand: children still waiting for a place after the last commission, by territory.

No published indicator measures it: the coverage rate counts places, not the families that
asked for one and got none. Here, per commune (the child's home commune) and EPCI, the number of
children with an active pré-demande (``families.models.ACTIVE_STATUSES``) and no place accepted
in a validated allocation round, by age section at the wished start (bébés under 18 months,
moyens 18 to 24, grands from 24: the thresholds of the EAJE sections, ``allocation.intake``) and
by quarter of the wished start. One pré-demande is one child (duplicates are merged by the
guichet unique). A child not yet born at the wished start counts under « bébés ».

Families of a waiting list a commune imported (applications without pré-demande) count too:
those of each commune's latest commission whose proposal is computed who have no place (none
proposed; once validated, none accepted), in the commune of that commission (the list says no
home commune), under the section the list gives and the quarter of the commission's start. An
application of « toutes sections » counts in the total only.

Aggregates only, shown to every observatory reader: counts under ``SMALL_COUNT`` (5) are hidden
(« < 5 »); when a row hides exactly one section, its total is hidden too, so that it cannot be
recomputed from the row. Differences between a commune and its EPCI are not protected beyond
that (see docs/personal-data.md).
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date

from django.db.models import Q

from sdsf.allocation.models import AllocationRound, Answer, Application
from sdsf.families.models import ACTIVE_STATUSES, PreApplication
from sdsf.observatory.service import Territory
from sdsf.offer.models import SECTION_FILE_KEYS, Section
from sdsf.offer.sections import child_section

SMALL_COUNT = 5
SECTIONS = (Section.BABIES, Section.MIDDLE, Section.OLDER)
# Rows and the CSV name the sections as files do (bebes, moyens, grands).
SECTION_COLUMNS = tuple(SECTION_FILE_KEYS.public(s) for s in SECTIONS)
COLUMNS = ("level", "code", "name", "quarter", *SECTION_COLUMNS, "total")
HIDDEN = "< 5"


def quarter(day: date | None) -> str:
    return f"{day.year}-T{(day.month - 1) // 3 + 1}" if day else "non précisée"


@dataclass(frozen=True)
class UnmetDemand:
    place: Territory
    last_round: date | None  # the latest validated commission of the territory's communes
    rows: list[dict]  # COLUMNS; hidden counts are None
    total: int | None


def _hide(count: int) -> int | None:
    """The count, or None when it is small enough to point at a family (1 to 4)."""
    return None if 0 < count < SMALL_COUNT else count


def _row(level: str, code: str, name: str, period: str, counts: Counter) -> dict:
    cells = {section: _hide(counts[section]) for section in SECTIONS}
    hidden = [s for s in SECTIONS if cells[s] is None and counts[s] > 0]
    total = sum(counts.values())
    return {
        "level": level,
        "code": code,
        "name": name,
        "quarter": period,
        **{SECTION_FILE_KEYS.public(s): cells[s] for s in SECTIONS},
        "total": None if len(hidden) == 1 else _hide(total),
    }


def unmet_demand(place: Territory) -> UnmetDemand:
    """The table of :mod:`this module <sdsf.observatory.unmet_demand>` for ``place``'s communes
    and EPCIs (the EPCIs only for a département)."""
    communes = place.communes()
    # Without a pré-demande's NULL: "NOT IN" a list holding NULL matches no row at all.
    placed = Application.objects.filter(
        round__status=AllocationRound.Status.VALIDATED,
        answer=Answer.ACCEPTED,
        pre_application__isnull=False,
    ).values("pre_application_id")
    waiting = (
        PreApplication.objects.filter(status__in=ACTIVE_STATUSES, home_commune__in=communes)
        .exclude(pk__in=placed)
        .values_list(
            "home_commune_id",
            "home_commune__name",
            "home_commune__epci_id",
            "home_commune__epci__name",
            "child_birth_date",
            "expected_birth_date",
            "wished_start",
        )
    )
    by_commune: dict[tuple, Counter] = {}
    by_epci: dict[tuple, Counter] = {}
    counted = []
    for code, name, epci, epci_name, born, expected, start in waiting:
        birth = born or expected
        section = (child_section(birth, start) if birth and start else None) or Section.BABIES
        counted.append((code, name, epci, epci_name, quarter(start), section))
    counted += _imported_waiting(communes)
    for code, name, epci, epci_name, period, section in counted:
        by_commune.setdefault((code, name, period), Counter())[section] += 1
        if epci and place.level == "departement":
            by_epci.setdefault((epci, epci_name, period), Counter())[section] += 1
    rows = [
        _row("epci", code, name, period, counts)
        for (code, name, period), counts in sorted(by_epci.items())
    ] + [
        _row("commune", code, name, period, counts)
        for (code, name, period), counts in sorted(by_commune.items())
    ]
    last_round = (
        AllocationRound.objects.filter(
            commune__in=communes, status=AllocationRound.Status.VALIDATED
        )
        .order_by("-starts_on")
        .values_list("starts_on", flat=True)
        .first()
    )
    total = sum(sum(c.values()) for c in by_commune.values())
    return UnmetDemand(place, last_round, rows, _hide(total))


DECIDED = (AllocationRound.Status.RUN, AllocationRound.Status.VALIDATED)


def _imported_waiting(communes) -> list[tuple]:
    """Families of imported waiting lists without a place after their commune's latest
    commission whose proposal is computed: not accepted once it is validated, no place
    proposed before. ``(commune, name, epci, epci name, quarter, section)``."""
    latest: dict[str, int] = {}
    for pk, commune in (
        AllocationRound.objects.filter(commune__in=communes, status__in=DECIDED)
        .order_by("commune_id", "-starts_on", "-pk")
        .values_list("pk", "commune_id")
    ):
        latest.setdefault(commune, pk)
    validated = Q(round__status=AllocationRound.Status.VALIDATED) & ~Q(answer=Answer.ACCEPTED)
    proposed = Q(round__status=AllocationRound.Status.RUN) & Q(
        proposed_structure=None, decided_structure=None
    )
    rows = (
        Application.objects.filter(round__in=latest.values(), pre_application=None)
        .filter(validated | proposed)
        .values_list(
            "round__commune_id",
            "round__commune__name",
            "round__commune__epci_id",
            "round__commune__epci__name",
            "round__starts_on",
            "section",
        )
    )
    return [(c, n, e, en, quarter(start), section) for c, n, e, en, start, section in rows]


# The download's French labels, in the order of COLUMNS.
LABELS = ("Échelon", "Code", "Nom", "Entrée souhaitée", "Bébés", "Moyens", "Grands", "Total")
LEVELS = {"commune": "Commune", "epci": "EPCI"}


def csv_rows(found: UnmetDemand) -> list[list]:
    return [
        [LEVELS[row["level"]], *(HIDDEN if row[c] is None else row[c] for c in COLUMNS[1:])]
        for row in found.rows
    ]
