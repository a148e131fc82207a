"""The ``allocate`` command end to end: files in, files out, French errors."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sdsf.allocation import cli

PLACES = """structure_id,section,capacity,reserved_insertion,structure_name
LILAS,bébés,1,0,Les Lilas
LILAS,moyens,2,1,Les Lilas
ROSES,bébés,1,0,
ROSES,moyens,1,0,
"""
APPLICATIONS = """application_id,section,points,submitted_at,wishes,insertion
A1,bébés,42,2026-03-02T09:00:00+01:00,LILAS|ROSES,0
A2,bébés,37.5,2026-03-01T09:00:00+01:00,LILAS|ROSES,0
A3,bébés,10,2026-03-01T09:00:00+01:00,ROSES|LILAS,0
M1,moyens,50,2026-03-01T09:00:00,LILAS,0
M2,moyens,40,2026-03-01,LILAS,0
M3,moyens,5,2026-03-01 08:00:00Z,LILAS|ROSES,1
"""
BONUSES = """application_id,structure_id,bonus
A3,ROSES,30
"""


def write(directory: Path, **files: str) -> dict[str, Path]:
    texts = {"places": PLACES, "applications": APPLICATIONS, "bonuses": BONUSES} | files
    paths = {}
    for name, text in texts.items():
        paths[name] = directory / f"{name}.csv"
        paths[name].write_bytes(text.encode() if isinstance(text, str) else text)
    return paths


def arguments(paths: dict[str, Path], seed: int = 7) -> list[str]:
    directory = paths["places"].parent
    return [
        "--places", str(paths["places"]),
        "--applications", str(paths["applications"]),
        "--bonuses", str(paths["bonuses"]),
        "--seed", str(seed),
        "--out", str(directory / "out.csv"),
        "--explain", str(directory / "explain.jsonl"),
    ]  # fmt: skip


def test_allocates_and_writes_results_in_input_order(tmp_path):
    paths = write(tmp_path)
    assert cli.main(arguments(paths)) == 0
    assert (tmp_path / "out.csv").read_text().splitlines() == [
        "application_id,structure_id,section,wish_rank",
        "A1,LILAS,bébés,1",
        "A2,,bébés,",
        "A3,ROSES,bébés,1",
        "M1,LILAS,moyens,1",
        "M2,,moyens,",
        "M3,LILAS,moyens,1",
    ]
    lines = [json.loads(line) for line in (tmp_path / "explain.jsonl").read_text().splitlines()]
    assert [line["application_id"] for line in lines] == ["A1", "A2", "A3", "M1", "M2", "M3"]
    assert lines[1]["wishes"][1] == {
        "rank": 2,
        "structure_id": "ROSES",
        "outcome": "full",
        "score": 37.5,
        "cutoff_score": 40.0,
        "reason": "outranked",
        "day": None,
        "section": None,
    }
    assert lines[1]["message"] == (
        "La structure « Les Lilas » (votre vœu n° 1) était complète : la dernière famille "
        "admise avait 42 points, vous en aviez 37,5. La structure ROSES (votre vœu n° 2) "
        "était complète : la dernière famille admise avait 40 points, vous en aviez 37,5. "
        "Aucune place n'a pu vous être proposée sur vos vœux."
    )
    # M2 could only take the general seat (M1, 50 points): the reserved one went to M3.
    assert lines[4]["message"] == (
        "La structure « Les Lilas » (votre vœu n° 1) était complète : la dernière famille "
        "admise avait 50 points, vous en aviez 40. Aucune place n'a pu vous être proposée "
        "sur vos vœux."
    )


def test_times_without_offset_are_french_local_times(tmp_path):
    applications = """application_id,section,points,submitted_at,wishes,insertion
LOCAL,bébés,10,2026-03-01T10:00:00,ROSES,0
UTC,bébés,10,2026-03-01T09:30:00Z,ROSES,0
"""
    paths = write(
        tmp_path, applications=applications, bonuses="application_id,structure_id,bonus\n"
    )
    assert cli.main(arguments(paths)) == 0
    # 10:00 in Paris is 09:00 UTC: the local request came first.
    assert "LOCAL,ROSES,bébés,1" in (tmp_path / "out.csv").read_text()


def test_same_seed_same_files(tmp_path):
    applications = "application_id,section,points,submitted_at,wishes,insertion\n" + "".join(
        f"T{index},bébés,10,2026-03-01T09:00:00Z,LILAS|ROSES,0\n" for index in range(20)
    )
    paths = write(
        tmp_path, applications=applications, bonuses="application_id,structure_id,bonus\n"
    )
    outputs = []
    for seed in (5, 5, 6):
        assert cli.main(arguments(paths, seed)) == 0
        outputs.append((tmp_path / "out.csv").read_text())
    assert outputs[0] == outputs[1]
    assert outputs[0] != outputs[2]


def test_runs_as_a_module(tmp_path):
    paths = write(tmp_path)
    completed = subprocess.run(
        [sys.executable, "-m", "sdsf.allocation.cli", *arguments(paths)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert (tmp_path / "out.csv").exists()


def replace_line(text: str, line: int, new: str) -> str:
    lines = text.splitlines()
    lines[line - 1] = new
    return "\n".join(lines) + "\n"


T = "2026-03-01T09:00:00+01:00"
BAD_INPUTS = {
    "unknown structure in a wish": (
        "applications", replace_line(APPLICATIONS, 3, f"A2,bébés,37,{T},LILAS|PAPAYE,0"),
        "ligne 3, colonne « wishes » : structure « PAPAYE »",
    ),
    "duplicate application": (
        "applications", replace_line(APPLICATIONS, 4, f"A1,bébés,10,{T},ROSES,0"),
        "ligne 4, colonne « application_id » : « A1 » est déjà utilisé",
    ),
    "negative capacity": (
        "places", replace_line(PLACES, 2, "LILAS,bébés,-1,0,Les Lilas"),
        "ligne 2, colonne « capacity »",
    ),
    "reserved above capacity": (
        "places", replace_line(PLACES, 3, "LILAS,moyens,2,3,Les Lilas"),
        "ligne 3, colonne « reserved_insertion » : 3 places réservées pour une capacité de 2",
    ),
    "capacity not an integer": (
        "places", replace_line(PLACES, 2, "LILAS,bébés,deux,0,Les Lilas"),
        "ligne 2, colonne « capacity » : « deux » n'est pas un nombre entier",
    ),
    "repeated structure and section": (
        "places", PLACES + "ROSES,moyens,4,0,\n",
        "ligne 6, colonne « section »",
    ),
    "unparseable date": (
        "applications", replace_line(APPLICATIONS, 2, "A1,bébés,42,02/03/2026,LILAS|ROSES,0"),
        "ligne 2, colonne « submitted_at » : date « 02/03/2026 » illisible",
    ),
    "empty wish list": (
        "applications", replace_line(APPLICATIONS, 5, "M1,moyens,50,2026-03-01T09:00:00,,0"),
        "ligne 5, colonne « wishes » : valeur manquante",
    ),
    "empty wish": (
        "applications", replace_line(APPLICATIONS, 5, f"M1,moyens,50,{T},LILAS||ROSES,0"),
        "ligne 5, colonne « wishes » : vœu vide",
    ),
    "repeated wish": (
        "applications", replace_line(APPLICATIONS, 5, f"M1,moyens,50,{T},LILAS|ROSES|LILAS,0"),
        "ligne 5, colonne « wishes » : une même structure est demandée plusieurs fois",
    ),
    "missing column": (
        "applications", APPLICATIONS.replace("points,", "score,", 1),
        "ligne 1, colonne « points » : colonne absente",
    ),
    "non-numeric points": (
        "applications", replace_line(APPLICATIONS, 7, "M3,moyens,beaucoup,2026-03-01,LILAS,1"),
        "ligne 7, colonne « points » : « beaucoup » n'est pas un nombre",
    ),
    "structure without the section": (
        "places", PLACES.replace("ROSES,bébés,1,0,\n", ""),
        "applications.csv, ligne 2, colonne « wishes » : "
        "la structure « ROSES » n'a pas de places en section « bébés »",
    ),
    "unknown section": (
        "applications", replace_line(APPLICATIONS, 4, f"A3,grands,10,{T},ROSES,0"),
        "ligne 4, colonne « section » : section « grands » inconnue",
    ),
    "insertion flag": (
        "applications", replace_line(APPLICATIONS, 7, "M3,moyens,5,2026-03-01,LILAS,oui"),
        "ligne 7, colonne « insertion » : « oui » : 0 ou 1 attendu",
    ),
    "repeated application with a bonus": (
        "applications", APPLICATIONS + f"A3,bébés,10,{T},ROSES,0\n",
        "ligne 8, colonne « application_id » : « A3 » est déjà utilisé",
    ),
    "bonus for an unknown application": (
        "bonuses", BONUSES + "ZZ,ROSES,3\n",
        "bonuses.csv, ligne 3, colonne « application_id » : « ZZ »",
    ),
    "bonus at an unknown structure": (
        "bonuses", BONUSES + "A1,PAPAYE,3\n",
        "bonuses.csv, ligne 3, colonne « structure_id » : « PAPAYE »",
    ),
    "bonus not a number": (
        "bonuses", BONUSES + "A1,LILAS,x\n",
        "bonuses.csv, ligne 3, colonne « bonus »",
    ),
    "bonus given twice": (
        "bonuses", BONUSES + "A3,ROSES,5\n",
        "bonuses.csv, ligne 3, colonne « structure_id » : bonus déjà donné",
    ),
    "too many fields": (
        "applications", replace_line(APPLICATIONS, 3, f"A2,bébés,37,{T},LILAS,0,extra"),
        "applications.csv, ligne 3 : 7 champs au lieu de 6",
    ),
    "not utf-8": (
        "places", PLACES.encode("latin-1"),
        "places.csv, ligne 2 : le fichier n'est pas encodé en UTF-8",
    ),
    "empty file": ("bonuses", "", "bonuses.csv, ligne 1 : fichier vide"),
}  # fmt: skip


@pytest.mark.parametrize(("name", "text", "expected"), BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_is_reported_and_nothing_is_written(tmp_path, capsys, name, text, expected):
    paths = write(tmp_path, **{name: text})
    assert cli.main(arguments(paths)) == cli.INVALID_INPUT
    assert expected in capsys.readouterr().err
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        path.name for path in paths.values()
    )


def test_missing_file_is_reported(tmp_path, capsys):
    paths = write(tmp_path)
    paths["bonuses"].unlink()
    assert cli.main(arguments(paths)) == cli.INVALID_INPUT
    assert "bonuses.csv : fichier introuvable." in capsys.readouterr().err


def test_missing_destination_folder_is_reported_with_input_errors(tmp_path, capsys):
    paths = write(tmp_path, places=replace_line(PLACES, 2, "LILAS,bébés,-1,0,"))
    argv = arguments(paths)
    argv[argv.index("--out") + 1] = str(tmp_path / "absent" / "out.csv")
    assert cli.main(argv) == cli.INVALID_INPUT
    errors = capsys.readouterr().err
    assert "le dossier de destination n'existe pas" in errors
    assert "ligne 2, colonne « capacity »" in errors


def test_errors_are_collected_up_to_a_limit(tmp_path, capsys):
    applications = APPLICATIONS + "".join(
        f"X{index},bébés,beaucoup,2026-03-01,LILAS,0\n" for index in range(60)
    )
    paths = write(tmp_path, applications=applications)
    assert cli.main(arguments(paths)) == cli.INVALID_INPUT
    errors = capsys.readouterr().err.splitlines()
    assert len(errors) == cli.MAX_REPORTED_ERRORS + 1
    assert errors[0].startswith(f"Fichier {paths['applications']}, ligne 8, colonne « points »")
    assert errors[-1] == "… et 10 autre(s) erreur(s)."


def test_previous_results_are_kept_when_input_is_bad(tmp_path):
    paths = write(tmp_path)
    assert cli.main(arguments(paths)) == 0
    before = (tmp_path / "out.csv").read_text()
    paths = write(tmp_path, places=replace_line(PLACES, 2, "LILAS,bébés,-1,0,"))
    assert cli.main(arguments(paths)) == cli.INVALID_INPUT
    assert (tmp_path / "out.csv").read_text() == before


def test_django_command_forwards_to_the_cli(tmp_path):
    from django.core.management.base import CommandError

    from sdsf.allocation.management.commands.allocate import Command

    paths = write(tmp_path)
    parser = Command().create_parser("sdsf", "allocate")
    options = vars(parser.parse_args(arguments(paths)))
    Command().handle(**options)
    assert (tmp_path / "out.csv").exists()
    paths["places"].write_text(replace_line(PLACES, 2, "LILAS,bébés,-1,0,"))
    with pytest.raises(CommandError) as raised:
        Command().handle(**options)
    assert raised.value.returncode == cli.INVALID_INPUT


POOLED_PLACES = (
    ("structure_id,section,capacity,reserved_insertion,structure_name,reserved_minimum_benefit\n")
    + """MULTI,toutes,3,0,Multi-accueil,1
MULTI,bébés,1,0,Multi-accueil,
LILAS,bébés,1,0,Les Lilas,
"""
)
POOLED_APPLICATIONS = """application_id,section,points,submitted_at,wishes,insertion,minimum_benefit
B1,bébés,50,2026-03-01T09:00:00Z,MULTI,0,0
B2,bébés,40,2026-03-01T09:00:00Z,MULTI|LILAS,0,0
G1,grands,30,2026-03-01T09:00:00Z,MULTI,0,0
G2,grands,10,2026-03-01T09:00:00Z,MULTI,0,1
G3,grands,20,2026-03-01T09:00:00Z,MULTI,0,0
"""


def test_a_pool_serves_every_section_within_its_caps_and_reserves(tmp_path):
    paths = write(
        tmp_path,
        places=POOLED_PLACES,
        applications=POOLED_APPLICATIONS,
        bonuses="application_id,structure_id,bonus\n",
    )
    argv = [*arguments(paths), "--summary", str(tmp_path / "summary.json")]
    assert cli.main(argv) == 0
    # One bébé at most (cap), the D214-7 seat to G2 although G3 has more points.
    assert (tmp_path / "out.csv").read_text().splitlines()[1:] == [
        "B1,MULTI,bébés,1",
        "B2,LILAS,bébés,2",
        "G1,MULTI,grands,1",
        "G2,MULTI,grands,1",
        "G3,,grands,",
    ]
    lines = [json.loads(line) for line in (tmp_path / "explain.jsonl").read_text().splitlines()]
    assert "toutes ses places de la section « bébés »" in lines[1]["message"]
    assert lines[3]["seat"] == "minimum_benefit"
    assert "article D214-7" in lines[3]["message"]
    assert "dernière famille admise avait 30 points, vous en aviez 20" in lines[4]["message"]
    # Caps and reserves in one pool: no substitutable rule, the exact path decides.
    assert json.loads((tmp_path / "summary.json").read_text()) == {
        "method": "exact",
        "stable": True,
        "blocking_groups": 0,
        "placed": 4,
        "proven": True,
    }
    places = POOLED_PLACES.replace("MULTI,bébés,1,0,Multi-accueil,\n", "")
    write(
        tmp_path,
        places=places,
        applications=POOLED_APPLICATIONS,
        bonuses="application_id,structure_id,bonus\n",
    )
    assert cli.main(argv) == 0
    assert json.loads((tmp_path / "summary.json").read_text())["method"] == ("deferred_acceptance")
    assert (tmp_path / "out.csv").read_text().splitlines()[1:3] == [
        "B1,MULTI,bébés,1",
        "B2,MULTI,bébés,1",
    ]


EXACT_PLACES = """structure_id,section,capacity,reserved_insertion
A,toutes,2,0
B,toutes,2,0
"""
EXACT_APPLICATIONS = (
    "application_id,section,points,submitted_at,wishes,insertion,days,group,current_structure\n"
    "T1,moyens,20,2026-03-01T09:00:00Z,A|B,0,,jumeaux,\n"
    "T2,moyens,20,2026-03-01T09:00:00Z,A|B,0,,jumeaux,\n"
    "P1,bébés,30,2026-03-01T09:00:00Z,A,0,lu|ma,,\n"
    "P2,bébés,25,2026-03-01T09:00:00Z,A,0,me|je|ve,,\n"
    "E1,grands,5,2026-03-01T09:00:00Z,A,0,,,B\n"
)


def test_siblings_part_time_and_transfers_are_solved_exactly(tmp_path):
    paths = write(
        tmp_path,
        places=EXACT_PLACES,
        applications=EXACT_APPLICATIONS,
        bonuses="application_id,structure_id,bonus\n",
    )
    argv = [*arguments(paths), "--summary", str(tmp_path / "summary.json")]
    assert cli.main(argv) == 0
    # P1 and P2 share one place on different days; the twins cannot both fit at A beside
    # them and go to B with E1, who keeps its place there.
    assert (tmp_path / "out.csv").read_text().splitlines()[1:] == [
        "T1,B,moyens,2",
        "T2,B,moyens,2",
        "P1,A,bébés,1",
        "P2,A,bébés,1",
        "E1,A,grands,1",
    ]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary == {
        "method": "exact",
        "stable": True,
        "blocking_groups": 0,
        "placed": 5,
        "proven": True,
    }


def test_a_transfer_keeps_its_place_with_rank_zero(tmp_path):
    applications = (
        "application_id,section,points,submitted_at,wishes,insertion,current_structure\n"
        "E1,bébés,5,2026-03-01T09:00:00Z,LILAS,0,ROSES\n"
        "A1,bébés,50,2026-03-01T09:00:00Z,LILAS|ROSES,0,\n"
    )
    paths = write(
        tmp_path, applications=applications, bonuses="application_id,structure_id,bonus\n"
    )
    assert cli.main(arguments(paths)) == 0
    assert (tmp_path / "out.csv").read_text().splitlines()[1:] == [
        "E1,ROSES,bébés,0",
        "A1,LILAS,bébés,1",
    ]
    lines = [json.loads(line) for line in (tmp_path / "explain.jsonl").read_text().splitlines()]
    assert "garde sa place actuelle à la structure ROSES" in lines[0]["message"]


NEW_BAD_INPUTS = {
    "unknown day": (
        "applications",
        "application_id,section,points,submitted_at,wishes,insertion,days\n"
        f"A1,bébés,42,{T},LILAS,0,lu|sa\n",
        "ligne 2, colonne « days » : jour « sa » inconnu",
    ),
    "group members differ": (
        "applications",
        "application_id,section,points,submitted_at,wishes,insertion,group\n"
        f"A1,bébés,42,{T},LILAS,0,F\n"
        f"A2,bébés,41,{T},LILAS,0,F\n",
        "ligne 3, colonne « group » : le groupe « F » doit avoir les mêmes points que sa ligne 2",
    ),
    "current structure unknown": (
        "applications",
        "application_id,section,points,submitted_at,wishes,insertion,current_structure\n"
        f"A1,bébés,42,{T},LILAS,0,PAPAYE\n",
        "ligne 2, colonne « current_structure » : structure « PAPAYE » absente",
    ),
    "current structure over capacity": (
        "applications",
        "application_id,section,points,submitted_at,wishes,insertion,current_structure\n"
        f"A1,bébés,42,{T},LILAS,0,ROSES\n"
        f"A2,bébés,42,{T},LILAS,0,ROSES\n",
        "ligne 3, colonne « current_structure » : la structure actuelle a plus d'enfants",
    ),
    "reserve on a cap row": (
        "places",
        POOLED_PLACES.replace("MULTI,bébés,1,0,", "MULTI,bébés,1,1,"),
        "ligne 3, colonne « reserved_insertion » : les places réservées",
    ),
}  # fmt: skip


@pytest.mark.parametrize(
    ("name", "text", "expected"), NEW_BAD_INPUTS.values(), ids=NEW_BAD_INPUTS.keys()
)
def test_new_columns_are_checked(tmp_path, capsys, name, text, expected):
    files = {"bonuses": "application_id,structure_id,bonus\n", name: text}
    if name == "places":
        files["applications"] = POOLED_APPLICATIONS
    paths = write(tmp_path, **files)
    assert cli.main([*arguments(paths), "--summary", str(tmp_path / "s.json")]) == 2
    assert expected in capsys.readouterr().err
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        path.name for path in paths.values()
    )
