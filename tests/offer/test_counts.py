import datetime

import pytest

from sdsf.offer.counts import COUNT_COLUMNS, commune_counts, offer_counts
from sdsf.offer.coverage import rpe_laep_coverage

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def registry(load, write_csv):
    """Bobigny: a PSU crèche 30 → 40 places on 1 Sept 2024, a PAJE micro-crèche opened in
    2023 and closed on 1 July 2025; Montreuil: an agrément granted 2020-2024 then renewed, one
    suspended in 2025."""
    load(
        "eaje",
        write_csv(
            "eaje",
            "C1;Crèche;multi-accueil;93008;PSU;30;;;;01/01/2020;;;;",
            "C2;Micro;micro-crèche;93008;PAJE;10;;;;;fermé;01/01/2023;01/07/2025;",
            "C3;Future;multi-accueil;93048;PSU;20;;;;;en projet;;;",
        ),
    )
    load("eaje", write_csv("eaje", "C1;Crèche;multi-accueil;93008;PSU;40;;;;01/09/2024;;;;"))
    load(
        "am",
        write_csv(
            "am",
            "A1;Durand;Léa;93048;01/01/2020;31/12/2024;3;accordé;;",
            "A2;Petit;Ana;93048;01/01/2021;31/12/2030;4;accordé;;",
        ),
    )
    load(
        "am",
        write_csv(
            "am",
            "A1;Durand;Léa;93048;01/01/2025;31/12/2029;4;renouvelé;;",
            "A2;Petit;Ana;93048;01/01/2021;31/12/2030;4;suspendu;01/03/2025;",
        ),
    )


def _by_commune(on):
    return {row["commune_code"]: row for row in commune_counts(on).to_dicts()}


def test_dated_capacity_and_agrements(registry):
    assert _by_commune(D(2019, 12, 31)) == {}
    before = _by_commune(D(2024, 6, 1))
    assert before["93008"] == {
        "commune_code": "93008",
        "eaje_psu_places": 30,
        "eaje_other_places": 10,
        "am_count": 0,
        "am_places": 0,
    }
    assert (before["93048"]["am_count"], before["93048"]["am_places"]) == (2, 7)
    after = _by_commune(D(2025, 6, 1))
    assert (after["93008"]["eaje_psu_places"], after["93008"]["eaje_other_places"]) == (40, 10)
    assert (after["93048"]["am_count"], after["93048"]["am_places"]) == (1, 4)  # A2 suspended
    closed = _by_commune(D(2025, 7, 1))
    assert closed["93008"]["eaje_other_places"] == 0  # micro-crèche closed that day
    assert closed["93048"]["eaje_psu_places"] == 0  # C3, planned without a date, counts nothing


def test_commune_counts_contract(registry):
    frame = commune_counts(D(2025, 6, 1), ["93048"])
    assert frame.columns == ["commune_code", *COUNT_COLUMNS]
    assert [str(t) for t in frame.dtypes] == ["String", "Int64", "Int64", "Int64", "Int64"]
    assert frame["commune_code"].to_list() == ["93048"]
    assert commune_counts(D(2025, 6, 1), []).height == 0


def test_offer_counts_by_level(registry):
    on = D(2025, 6, 1)
    [departement] = offer_counts("departement", "93", on)
    assert departement == {
        "level": "departement",
        "code": "93",
        "name": "Seine-Saint-Denis",
        "date": "2025-06-01",
        "eaje_psu_places": 40,
        "eaje_other_places": 10,
        "am_count": 1,
        "am_places": 4,
    }
    communes = offer_counts("commune", None, on)
    assert len(communes) == 35014  # every commune, zeros included
    assert next(r for r in communes if r["code"] == "93048")["am_places"] == 4
    assert offer_counts("epci", "200054781", on)[0]["eaje_psu_places"] == 40


def test_offer_counts_command(registry, capsys):
    from django.core.management import call_command

    call_command("offer_counts", level="commune", code="93008", date="2024-06-01")
    assert capsys.readouterr().out.splitlines() == [
        "level,code,name,date,eaje_psu_places,eaje_other_places,am_count,am_places",
        "commune,93008,Bobigny,2024-06-01,30,10,0,0",
    ]


def test_rpe_laep_coverage(load, write_csv):
    rpe = "Identifiant;Nom;Code commune;Communes couvertes"
    load("rpe", write_csv("rpe", "R1;Relais;26362;26362 26281", header=rpe))
    load("laep", write_csv("laep", "L1;Lieu;26362", header="Identifiant;Nom;Code commune"))
    rows = {r.epci_code: r for r in rpe_laep_coverage("26")}
    valence = rows[next(code for code, r in rows.items() if r.has_rpe)]
    assert valence.has_laep and 0 < valence.rpe_population_share < 1
    assert sum(r.has_rpe for r in rows.values()) == 1
