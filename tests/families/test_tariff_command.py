"""``sdsf tariff``: JSON for scripts, French lines for people, exit code 2 on a refused request."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from sdsf.families.management.commands.tariff import Command

PSU = ["psu", "--date", "2026-01-15", "--children", "2", "--resources", "3000"]
CMG = [
    "cmg",
    "--date",
    "2025-09-01",
    "--children",
    "1",
    "--resources",
    "3000",
    "--hours",
    "125",
    "--hourly-wage",
    "4.85",
]


def _run(*arguments: str) -> str:
    out = StringIO()
    call_command("tariff", *arguments, stdout=out)
    return out.getvalue()


def test_psu_json_gives_rate_resources_and_prices():
    payload = json.loads(_run(*PSU, "--hours", "120", "--format", "json"))
    assert payload == {
        "hourly_rate_pct": 0.0516,
        "resources_used_eur": 3000.0,
        "hourly_price_eur": 1.55,
        "monthly_price_eur": 186.0,
    }


def test_psu_json_has_no_monthly_price_without_hours():
    assert "monthly_price_eur" not in json.loads(_run(*PSU, "--format", "json"))


def test_psu_disabled_child_lowers_the_rate():
    payload = json.loads(_run(*PSU, "--disabled-child", "--format", "json"))
    assert payload["hourly_rate_pct"] == 0.0413


def test_cmg_json_gives_the_cnaf_example():
    assert json.loads(_run(*CMG, "--format", "json")) == {
        "cmg_eur": 374.13,
        "remaining_cost_eur": 232.12,
    }


def test_text_is_the_default_and_explains_in_french():
    text = _run(*PSU)
    assert "Taux d'effort horaire : 0,0516 % des ressources mensuelles." in text
    assert "Prix horaire : 3\u00a0000,00 € × 0,0516 % = 1,55 € (arrondi au centime)." in text
    assert "CMG estimé : 374,13 € ; reste à la charge de la famille : 232,12 €." in _run(*CMG)


def test_a_refused_request_is_a_command_error_with_code_2():
    with pytest.raises(CommandError, match="Le barème PSU commence le 01/01/2018") as raised:
        _run("psu", "--date", "2017-06-01", "--children", "1", "--resources", "3000")
    assert raised.value.returncode == 2


def test_from_the_command_line_the_french_message_goes_to_stderr(capsys):
    with pytest.raises(SystemExit) as exited:
        Command().run_from_argv(["sdsf", "tariff", *PSU[:3], "--children", "0", *PSU[5:]])
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert "Le nombre d'enfants à charge doit être un entier d'au moins 1." in captured.err
    assert captured.out == ""


def test_a_malformed_date_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exited:
        Command().run_from_argv(["sdsf", "tariff", "psu", "--date", "15/01/2026", *PSU[3:]])
    assert exited.value.code == 2
    assert "date invalide « 15/01/2026 » (format attendu : AAAA-MM-JJ)" in capsys.readouterr().err
