"""Observatory pages, downloads, PDFs and API, as the people who use them see them."""

import io
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from sdsf.accounts.models import Role
from sdsf.observatory.demo import create_figures
from sdsf.observatory.importers import (
    import_caf_coverage,
    import_caf_places,
    import_capacity,
    import_indicator,
    import_population,
)
from sdsf.territories.models import Departement
from tests.factories import make_user

pytestmark = pytest.mark.django_db
EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
BOBIGNY, PLAINE_COMMUNE, MGP = "93008", "200057867", "200054781"


@pytest.fixture
def examples():
    import_population(EXAMPLES / "base-ic-evol-struct-pop.csv", 2021)
    import_capacity(EXAMPLES / "capacity.csv")
    import_caf_coverage(EXAMPLES / "txcouv_pe_com.csv")
    import_caf_coverage(EXAMPLES / "txcouv_pe_nat.csv")
    import_caf_places(EXAMPLES / "nbpla_pe_epci.csv")
    import_caf_places(EXAMPLES / "nbpla_pe_com.csv")
    import_indicator(
        EXAMPLES / "indicator.csv", name="Taux de pauvreté", unit="%", source="Exemple", year=2021
    )


@pytest.fixture
def commune_agent(client):
    client.force_login(make_user(Role.COMMUNE_AGENT, "commune", BOBIGNY))
    return client


def page(client, name, *args, query="") -> str:
    response = client.get(reverse(f"observatory:{name}", args=args) + query)
    assert response.status_code == 200
    return response.content.decode()


def pdf_text(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return " ".join(p.extract_text() for p in reader.pages).replace("\n", " ")


def test_a_commune_agent_sees_their_territory_pages(commune_agent, examples):
    assert commune_agent.get(reverse("observatory:index")).url == reverse(
        "observatory:territory", args=["departement", "93"]
    )
    commune = page(commune_agent, "territory", "commune", BOBIGNY)
    assert "Commune Bobigny" in commune and "28,3 %" in commune
    assert "EPT Est Ensemble" in commune  # compared with its EPT, then France
    assert "<td>France" in commune
    for level, code in (("ept", PLAINE_COMMUNE), ("epci", MGP), ("departement", "93")):
        assert "Taux de couverture calculé" in page(commune_agent, "territory", level, code)
    # Neighbours of the département, yes; another département, no.
    assert (
        commune_agent.get(reverse("observatory:territory", args=["commune", "26362"])).status_code
        == 404
    )
    assert (
        commune_agent.get(reverse("observatory:territory", args=["region", "11"])).status_code
        == 404
    )


def test_territory_page_figures_components_gap_and_map(commune_agent, examples):
    html = page(commune_agent, "territory", "commune", "93066", query="?annee=2021")
    # Saint-Denis: computed 20,5 against published 29,1 → flagged.
    assert "20,5 %" in html and "29,1" in html
    assert "Écart de −8,6 point(s)" in html
    assert "Registre" not in html and "Import capacity.csv" in html
    assert "INSEE base-ic-evol-struct-pop.csv" in html
    departement = page(commune_agent, "territory", "departement", "93")
    assert 'data-value-property="coverage_rate"' in departement
    assert 'data-breaks="20,40,60,80"' in departement
    assert "<td>93008</td>" in departement and "Taux de pauvreté (%)" in departement
    # Bobigny and Montreuil know all five components; 4 communes enter the rate.
    assert "Données partielles : 2 commune(s) sur 39" in departement
    assert "4 entrent dans le taux" in departement
    features = commune_agent.get(
        reverse("observatory:territory_geojson", args=["departement", "93"])
    ).json()["features"]
    bobigny = next(f for f in features if f["properties"]["code"] == BOBIGNY)
    assert bobigny["properties"]["coverage_rate"] == 28.3 and len(features) == 39


def test_epci_page_shows_cnaf_places_with_other_communes_line(commune_agent, examples):
    html = page(commune_agent, "territory", "epci", MGP)
    assert "Places publiées par la CNAF" in html
    # 95,500 for the EPCI minus Bobigny (768) and Saint-Denis (1,590).
    assert "Autres communes (moins de 10 000 habitants)" in html and "93\u00a0142" in html


def test_downloads_have_the_command_columns(commune_agent, examples):
    response = commune_agent.get(
        reverse("observatory:territory_export", args=["ept", PLAINE_COMMUNE, "csv"])
    )
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Échelon;Code;Nom;Année;Enfants de moins de 3 ans;")
    assert lines[0].endswith(
        "Taux de couverture calculé (%);Taux de couverture publié par la CNAF (%);Remarque"
    )
    assert "EPT;200057867;Plaine Commune;2021;9721,8;1450;80;300;35;150;2015;20,7;;" in lines
    assert "Commune;93066;Saint-Denis;2021;5420,9;910;80;;25;95;1110;20,5;29,1;" in lines
    response = commune_agent.get(
        reverse("observatory:territory_export", args=["ept", PLAINE_COMMUNE, "xlsx"])
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:4] == ("EPT", PLAINE_COMMUNE, "Plaine Commune", 2021) and rows[1][11] == 20.7
    assert (
        commune_agent.get(
            reverse("observatory:territory_export", args=["ept", PLAINE_COMMUNE, "ods"])
        ).status_code
        == 404
    )


def test_fiche_territoire_and_key_figures_pdf(commune_agent, examples):
    text = pdf_text(
        commune_agent.get(reverse("observatory:territory_pdf", args=["commune", BOBIGNY]))
    )
    assert "Fiche territoire — Commune Bobigny" in text
    assert "28,3 %" in text and "EAJE financés par la PSU" in text and "Démo" not in text
    text = pdf_text(commune_agent.get(reverse("observatory:key_figures_pdf", args=["93"])))
    assert "Chiffres clés — Seine-Saint-Denis (93)" in text
    assert "Plaine Commune" in text and "Bobigny" in text and "27,5 %" in text
    assert "Taux de couverture par commune" in text  # the server-drawn map's heading


@override_settings(
    SDSF_OBSERVATORY_PRIORITY={"national_coverage_rate": 25, "national_poverty_rate": 30}
)
def test_priority_territories_explain_each_condition(commune_agent, examples):
    html = page(commune_agent, "priority", "93", query="?annee=2021")
    # Saint-Denis: 20,5 % < 25 and poverty 36,1 % > 30; Aubervilliers 21,0 % and 43,5 %.
    assert "2 territoire(s) prioritaire(s) sur 39 en 2021" in html
    assert "Couverture 20,5 % inférieure à la référence nationale 25,0 %" in html
    assert "Taux de pauvreté 43,5 % supérieur à la référence nationale 30,0 %" in html
    assert (
        "valeur fixée par l&#x27;administrateur de la plateforme" in html and "indéterminé" in html
    )
    response = commune_agent.get(reverse("observatory:priority_export", args=["93", "csv"]))
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[1].startswith("Commune;93001;Aubervilliers;2021;21;43,5;oui;")
    features = commune_agent.get(reverse("observatory:priority_geojson", args=["93"])).json()
    priorities = {
        f["properties"]["code"] for f in features["features"] if f["properties"]["priority"]
    }
    assert priorities == {"93001", "93066"}


def test_priority_default_rule_uses_published_national_rate(commune_agent, examples):
    html = page(commune_agent, "priority", "93", query="?niveau=epci")
    assert "59,9 % (taux national publié par la CNAF)" in html


def test_api_rows_match_the_command_and_the_scope(client, examples):
    client.force_login(make_user(Role.CAF_ADVISOR))
    rows = client.get("/api/indicators", {"level": "commune", "code": BOBIGNY, "year": 2021}).json()
    assert rows == [
        {
            "level": "commune",
            "code": BOBIGNY,
            "name": "Bobigny",
            "year": 2021,
            "children_under_3": 2710.52,
            "eaje_psu_places": 420.0,
            "eaje_other_places": 36.0,
            "am_places": 260.0,
            "home_care_places": 12.0,
            "preschool_places": 40.0,
            "total_places": 768.0,
            "coverage_rate": 28.3,
            "published_coverage_rate": 28.3,
            "is_demo": False,
        }
    ]
    assert len(client.get("/api/indicators", {"level": "commune"}).json()) == 39
    assert client.get("/api/indicators", {"level": "commune", "code": "26362"}).status_code == 404
    france = client.get("/api/indicators", {"level": "france"}).json()
    assert france[0]["published_coverage_rate"] == 59.9
    schema = client.get("/api/openapi.json").json()
    assert "/api/indicators" in schema["paths"]
    assert "coverage_rate" in schema["components"]["schemas"]["IndicatorRow"]["properties"]


def test_demo_label_on_pages_exports_and_pdf(commune_agent):
    create_figures(Departement.objects.get(code="93"))
    assert "Données de démonstration" in page(commune_agent, "territory", "departement", "93")
    assert "Données de démonstration" in page(commune_agent, "priority", "93")
    csv = commune_agent.get(
        reverse("observatory:territory_export", args=["commune", BOBIGNY, "csv"])
    ).content.decode("utf-8-sig")
    assert all(line.endswith(";Données de démonstration") for line in csv.splitlines()[1:])
    text = pdf_text(
        commune_agent.get(reverse("observatory:territory_pdf", args=["commune", BOBIGNY]))
    )
    assert "Données de démonstration" in text


def test_pages_without_any_data(commune_agent):
    assert "Aucun effectif n'est encore importé" in page(
        commune_agent, "territory", "commune", BOBIGNY
    )
    assert "Aucun effectif n'est encore importé" in page(commune_agent, "priority", "93")


def test_a_wider_territory_shows_its_own_figures_or_says_none_were_imported(
    commune_agent, examples, tmp_path
):
    """Only communes of the 93 are imported: the région and France would repeat the
    département's figures; France keeps its published rate (CNAF ``txcouv_pe_nat``)."""
    from sdsf.observatory import report
    from sdsf.observatory.service import Observatory, territory

    built = report.build(Observatory(), territory("departement", "93"), 2021)
    own, region, france = built.comparisons
    assert own.row["coverage_rate"] is not None and not own.note
    assert region.row is None
    assert region.note == (
        "aucun effectif importé pour ce territoire en dehors de Département Seine-Saint-Denis"
    )
    assert france.row == {"published_coverage_rate": 59.9}
    text = page(commune_agent, "territory", "departement", "93")
    assert "Aucun effectif importé pour ce territoire en dehors de" in text

    drome = tmp_path / "pop26.csv"
    drome.write_text("CODGEO;P21_POP0002\n26362;2100\n", encoding="utf-8")
    import_population(drome, 2021)
    built = report.build(Observatory(), territory("departement", "93"), 2021)
    france = built.comparisons[-1]
    assert france.row["children_under_3"] > own.row["children_under_3"]
    assert france.note == "calculé sur les 5 communes dont les effectifs sont importés"


def test_the_priority_rule_names_the_reference_it_uses(commune_agent):
    """Only the 93's communes and no national rate imported: the rule compares with the
    département's own average, and says so."""
    import_population(EXAMPLES / "base-ic-evol-struct-pop.csv", 2021)
    import_capacity(EXAMPLES / "capacity.csv")
    import_indicator(
        EXAMPLES / "indicator.csv", name="Taux de pauvreté", unit="%", source="Exemple", year=2021
    )
    html = page(commune_agent, "priority", "93", query="?annee=2021")
    assert "taux de couverture inférieur à la moyenne départementale" in html
    assert "taux de pauvreté supérieur à la moyenne départementale" in html
    assert "référence nationale" not in html
    import_caf_coverage(EXAMPLES / "txcouv_pe_nat.csv")
    html = page(commune_agent, "priority", "93", query="?annee=2021")
    assert "taux de couverture inférieur à la référence nationale : 59,9 %" in html
