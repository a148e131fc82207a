import pytest

from sdsf.core.codes import (
    is_commune_code,
    normalise_commune_code,
    normalise_departement_code,
    parse_commune_code,
)


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("93008", "93008"),
        (" 1001 ", "01001"),  # a spreadsheet dropped the leading zero
        ("2a004", "2A004"),  # Corsica
        ("2B033", "2B033"),
        ("97411", "97411"),  # overseas
        ("75101", "75101"),  # an arrondissement stays itself, not Paris (75056)
        ("69381", "69381"),
        ("13201", "13201"),
    ],
)
def test_commune_codes_as_people_write_them(written, code):
    assert parse_commune_code(written) == code


@pytest.mark.parametrize("written", ["930", "930080", "2C004", "2A04", "abcde", ""])
def test_what_cannot_be_a_commune_code_is_a_french_error(written):
    with pytest.raises(
        ValueError, match=f"code commune INSEE à 5 caractères attendu, reçu « {written} »"
    ):
        parse_commune_code(written)


def test_normalising_does_not_check():
    assert normalise_commune_code("930") == "930"
    assert not is_commune_code("930") and is_commune_code("2A004")


@pytest.mark.parametrize(
    ("written", "code"), [("1", "01"), (" 93 ", "93"), ("2a", "2A"), ("971", "971")]
)
def test_departement_codes(written, code):
    assert normalise_departement_code(written) == code
