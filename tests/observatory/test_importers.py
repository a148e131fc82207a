"""The observatory's importers on the shipped example files and on bad files."""

from pathlib import Path

import pytest
from django.core.management import call_command

from sdsf.core.imports import ImportFailed
from sdsf.observatory.importers import (
    import_births,
    import_caf_coverage,
    import_caf_places,
    import_capacity,
    import_indicator,
    import_population,
)
from sdsf.observatory.models import (
    DEMO_LABEL,
    BirthCount,
    CapacityCount,
    DataVersion,
    Indicator,
    IndicatorValue,
    PopulationCount,
    PublishedCoverage,
    PublishedPlaces,
)

pytestmark = pytest.mark.django_db
EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def write(tmp_path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def report_of(call, *args, **kwargs) -> str:
    """The French report, one error a line as "line|column|message" to assert on exactly."""
    with pytest.raises(ImportFailed) as failure:
        call(*args, **kwargs)
    assert "rien n'a été enregistré" in failure.value.report()
    return "\n".join(f"{e.line}|{e.column or ''}|{e.message}" for e in failure.value.errors)


# INSEE population


def test_population_example_file():
    result = import_population(EXAMPLES / "base-ic-evol-struct-pop.csv", 2021)
    assert result.created == 4
    bobigny = PopulationCount.objects.get(commune_id="93008", year=2021)
    assert bobigny.children_under_3 == pytest.approx(2710.52)
    assert bobigny.population == pytest.approx(55000.4)
    assert bobigny.source == "INSEE base-ic-evol-struct-pop.csv"
    again = import_population(EXAMPLES / "base-ic-evol-struct-pop.csv", 2021)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)


def test_population_column_follows_the_year(tmp_path):
    report = report_of(import_population, EXAMPLES / "base-ic-evol-struct-pop.csv", 2020)
    assert "1|P20_POP0002|colonne obligatoire absente" in report


def test_population_bad_cells_write_nothing(tmp_path):
    path = write(
        tmp_path,
        "pop.csv",
        "CODGEO;P21_POP0002\n93008;12\n930;abc\n93066;-3\n93008;14\n",
    )
    report = report_of(import_population, path, 2021)
    assert "3|CODGEO|code commune INSEE" in report
    assert "3|P21_POP0002|nombre attendu, reçu « abc »" in report
    assert "4|P21_POP0002|nombre supérieur ou égal à 0 attendu" in report
    assert "5|CODGEO|93008 en double (déjà à la ligne 2)" in report
    assert not PopulationCount.objects.exists()


def test_population_restores_leading_zero_and_skips_unknown_communes(tmp_path):
    path = write(tmp_path, "pop.csv", "CODGEO;P21_POP0002;P21_POP\n1001;20,5;800\n01999;3;90\n")
    result = import_population(path, 2021)
    assert result.created == 1
    assert PopulationCount.objects.get(commune_id="01001").children_under_3 == 20.5
    assert "1 code(s) commune absent(s) du COG 2026 ignoré(s)" in result.summary()
    assert "01999" in result.summary()


def test_dry_run_writes_nothing_and_keeps_the_data_version():
    before = DataVersion.current()
    result = import_population(EXAMPLES / "base-ic-evol-struct-pop.csv", 2021, dry_run=True)
    assert result.created == 4 and "aucune donnée enregistrée" in result.summary()
    assert not PopulationCount.objects.exists()
    assert DataVersion.current() == before


def test_real_import_replaces_demo_figures():
    PopulationCount.objects.create(
        commune_id="93008", year=2019, children_under_3=1, source=DEMO_LABEL, is_demo=True
    )
    result = import_population(EXAMPLES / "base-ic-evol-struct-pop.csv", 2021)
    assert "1 donnée(s) de démonstration remplacée(s)" in result.summary()
    assert not PopulationCount.objects.filter(is_demo=True).exists()


def test_births_example_file(tmp_path):
    assert import_births(EXAMPLES / "naissances.csv", 2022).created == 4
    assert BirthCount.objects.get(commune_id="93066", year=2022).births == 1975
    report = report_of(import_births, write(tmp_path, "n.csv", "CODGEO;NAISD22\n93008;x\n"), 2022)
    assert "2|NAISD22|nombre attendu" in report


# capacity


def test_capacity_example_file_keeps_empty_components_unknown():
    assert import_capacity(EXAMPLES / "capacity.csv").created == 4
    saint_denis = CapacityCount.objects.get(commune_id="93066", year=2021)
    assert saint_denis.eaje_psu_places == 910
    assert saint_denis.am_places is None  # the registry's count will be used
    assert saint_denis.source == "Import capacity.csv"


def test_capacity_bad_file(tmp_path):
    header = (
        "code_commune;annee;places_eaje_psu;places_eaje_hors_psu;places_am;"
        "places_garde_domicile;places_prescolarisation\n"
    )
    path = write(
        tmp_path,
        "cap.csv",
        header + "93008;2021;10;0;5;0;0\n93008;21;1;;;;\n93066;2021;;;;;\n93008;2021;2,5;;;;\n",
    )
    report = report_of(import_capacity, path)
    assert "3|annee|année entre" in report
    assert "4||aucune place renseignée sur la ligne" in report
    assert "5|annee|93008 2021 en double (déjà à la ligne 2)" in report
    assert not CapacityCount.objects.exists()


def test_capacity_missing_columns(tmp_path):
    report = report_of(import_capacity, write(tmp_path, "c.csv", "code_commune;annee\n"))
    assert "1|places_eaje_psu|" in report and "1|places_am|" in report


# CNAF open data


def test_caf_places_commune_and_epci_files_with_their_residual():
    import_caf_places(EXAMPLES / "nbpla_pe_epci.csv")
    result = import_caf_places(EXAMPLES / "nbpla_pe_com.csv")
    assert result.created == 2 and "Attention" not in result.summary()
    bobigny = PublishedPlaces.objects.get(level="commune", code="93008", year=2021)
    assert (bobigny.parent_code, bobigny.total_places) == ("200054781", 768)
    epci = PublishedPlaces.objects.get(level="epci", code="200054781", year=2021)
    assert epci.total_places == 95500


def test_caf_places_reports_listed_communes_above_their_epci(tmp_path):
    path = write(
        tmp_path,
        "nbpla_pe_epci.csv",
        "numepci;nomepci;annee;pl_eaje_epci;pl_am_ind_epci;pl_gad_ind_epci;pl_prescol_epci;"
        "tot_offre_epci\n200054781;MGP;2021;100;10;1;1;112\n",
    )
    import_caf_places(path)
    result = import_caf_places(EXAMPLES / "nbpla_pe_com.csv")
    assert "plus de places que leur EPCI pour 1 EPCI" in result.summary()


def test_caf_places_unrecognised_file(tmp_path):
    report = report_of(import_caf_places, write(tmp_path, "x.csv", "a;b\n1;2\n"))
    assert "1||colonnes CNAF introuvables" in report


def test_caf_coverage_commune_and_national_files():
    import_caf_coverage(EXAMPLES / "txcouv_pe_com.csv")
    import_caf_coverage(EXAMPLES / "txcouv_pe_nat.csv")
    bobigny = PublishedCoverage.objects.get(level="commune", code="93008", year=2021)
    assert (bobigny.coverage_rate, bobigny.eaje_psu_rate, bobigny.am_rate) == (28.3, 15.2, 9.8)
    assert PublishedCoverage.objects.get(level="france", code="FR").coverage_rate == 59.9


def test_caf_coverage_older_yearly_file_takes_the_year_from_its_name(tmp_path):
    path = write(
        tmp_path,
        "TAUXCOUV2020.csv",
        "NUM_COM;NOM_COM;NUM_EPCI;NOM_EPCI;tauxcouv_com\n93008;Bobigny;200054781;MGP;27,4\n",
    )
    import_caf_coverage(path)
    assert PublishedCoverage.objects.get(code="93008", year=2020).coverage_rate == 27.4
    renamed = write(tmp_path, "couverture.csv", path.read_text(encoding="utf-8"))
    assert "indiquez l'année du fichier" in report_of(import_caf_coverage, renamed)
    import_caf_coverage(renamed, year=2019)
    assert PublishedCoverage.objects.filter(code="93008", year=2019).exists()


def test_caf_coverage_bad_rate(tmp_path):
    path = write(tmp_path, "t.csv", "numdep;nomdep;annee;txcouv_dep\n93;SSD;2021;trente\n")
    report = report_of(import_caf_coverage, path)
    assert "2|txcouv_dep|nombre attendu, reçu « trente »" in report


# any indicator


def test_indicator_with_numerator_and_denominator():
    result = import_indicator(
        EXAMPLES / "indicator.csv", name="Taux de pauvreté", unit="%", source="Test", year=2021
    )
    assert result.created == 4
    indicator = Indicator.objects.get(slug="taux-de-pauvrete")
    assert (indicator.name, indicator.unit, indicator.scale) == ("Taux de pauvreté", "%", 100.0)
    value = IndicatorValue.objects.get(indicator=indicator, commune_id="93008")
    assert (value.numerator, value.denominator, value.value) == (19800, 54100, None)


def test_indicator_value_only_and_bad_rows(tmp_path):
    good = write(tmp_path, "v.csv", "CODGEO;valeur\n93008;12,5\n")
    import_indicator(good, name="Natalité", unit="‰", source="INSEE", year=2022)
    assert IndicatorValue.objects.get(commune_id="93008").value == 12.5
    bad = write(tmp_path, "b.csv", "code_commune;numerateur;denominateur\n93008;3;\n93066;x;4\n")
    report = report_of(import_indicator, bad, name="Part", unit="%", source="S", year=2022)
    assert "2|denominateur|valeur obligatoire manquante" in report
    assert "3|numerateur|nombre attendu" in report


def test_indicator_import_replaces_the_demo_indicator():
    demo = Indicator.objects.create(
        slug="taux-de-pauvrete", name="Taux de pauvreté", unit="%", source=DEMO_LABEL, is_demo=True
    )
    IndicatorValue.objects.create(
        indicator=demo, commune_id="93048", year=2019, numerator=1, denominator=2
    )
    import_indicator(
        EXAMPLES / "indicator.csv", name="Taux de pauvreté", unit="%", source="INSEE", year=2021
    )
    demo.refresh_from_db()
    assert not demo.is_demo and demo.source == "INSEE"
    assert not IndicatorValue.objects.filter(year=2019).exists()


# commands


def test_import_command_reports_in_french_and_exits_1(tmp_path, capsys):
    path = write(tmp_path, "pop.csv", "CODGEO;P21_POP0002\n93008;abc\n")
    with pytest.raises(SystemExit) as exit_:
        call_command("import_population", str(path), year=2021)
    assert exit_.value.code == 1
    assert "1 erreur(s), rien n'a été enregistré" in capsys.readouterr().err


def test_every_import_command_on_its_example(capsys):
    call_command("import_population", str(EXAMPLES / "base-ic-evol-struct-pop.csv"), year=2021)
    call_command("import_births", str(EXAMPLES / "naissances.csv"), year=2021)
    call_command("import_capacity", str(EXAMPLES / "capacity.csv"))
    call_command("import_caf_places", str(EXAMPLES / "nbpla_pe_epci.csv"))
    call_command("import_caf_coverage", str(EXAMPLES / "txcouv_pe_nat.csv"))
    call_command(
        "import_indicator",
        str(EXAMPLES / "indicator.csv"),
        name="Taux de pauvreté",
        unit="%",
        source="Exemple",
        year=2021,
        dry_run=True,
    )
    out = capsys.readouterr().out
    assert out.count("ligne(s) ont été créée(s)") == 5
    assert "Vérification seule : aucune donnée enregistrée." in out
    assert not Indicator.objects.exists()
