"""FILOUÉ: monthly figures of one structure, errors with line numbers, no personal field kept."""

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sdsf.difficulty.filoue import COLUMNS, MAX_ERRORS, MONTH_COLUMNS, FiloueError, aggregate_filoue

FIXTURES = Path(__file__).parent / "fixtures"
HEADER = ";".join(COLUMNS)


def _file(*rows: str, header: str = HEADER) -> io.BytesIO:
    return io.BytesIO("\n".join((header, *rows)).encode())


def _row(
    matricule="1000001",
    birth="2022-03-14",
    invoiced="100",
    realised="90",
    amount="150,00",
    first="2024-02-01",
    last="2024-02-29",
    top_alloc="1",
    regime="RG",
    afc="12345",
):
    return ";".join(
        [
            "931",
            afc,
            top_alloc,
            matricule,
            regime,
            birth,
            "93000",
            "BOBIGNY",
            invoiced,
            realised,
            amount,
            "1,50",
            "0,0619",
            first,
            last,
        ]
    )


def test_small_file_month_by_month():
    summary = aggregate_filoue(FIXTURES / "filoue_small.csv", 42)
    months = summary.months
    assert months.columns == list(MONTH_COLUMNS)
    assert summary.rows_read == 4
    assert months["month"].to_list() == [date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)]
    # Line 2: 680 h over 10 January - 18 March (69 days): 22 days in January.
    january = months.row(0, named=True)
    assert january["hours_invoiced"] == Decimal("216.81")  # 680 × 22 / 69 = 216.81...
    assert january["structure_id"] == 42
    february = months.row(1, named=True)
    assert (february["children"], february["children_allocataires"]) == (3, 2)
    assert february["allocataires_share"] == Decimal("66.7")
    # The same child on two rows in March (to the 18th, then from the 19th) counts once.
    assert months.row(2, named=True)["children"] == 1
    assert summary.regimes.filter(month=date(2024, 2, 1)).select("regime", "children").rows() == [
        ("MSA", 1),
        ("RG", 2),
    ]


def test_months_add_up_to_the_file_exactly():
    months = aggregate_filoue(FIXTURES / "filoue_small.csv", 42).months
    assert months["hours_invoiced"].sum() == Decimal("1030.00")
    assert months["hours_realised"].sum() == Decimal("930.50")
    assert months["amount_invoiced_eur"].sum() == Decimal("1295.00")


def test_average_hourly_contribution_is_amount_over_hours_invoiced():
    summary = aggregate_filoue(_file(_row(invoiced="3", amount="1,00")), "S1")
    row = summary.months.row(0, named=True)
    assert row["average_hourly_contribution_eur"] == Decimal("0.33")
    assert row["structure_id"] == "S1"
    empty = aggregate_filoue(_file(_row(invoiced="0", amount="0")), "S1").months
    assert empty["average_hourly_contribution_eur"][0] is None


def test_no_personal_field_is_returned():
    summary = aggregate_filoue(FIXTURES / "filoue_small.csv", 42)
    text = str(summary.months.rows()) + str(summary.regimes.rows())
    columns = summary.months.columns + summary.regimes.columns
    for personal in ("1000001", "2022-03-14", "93000", "BOBIGNY", "NOISY"):
        assert personal not in text
    assert not {c.upper() for c in columns} & {
        "MATRICULE",
        "DATE_NAISSANCE_INDIVIDU",
        "CODE_POSTAL_FAMILLE",
        "VILLE_FAMILLE",
    }


def test_a_bad_line_is_reported_with_its_line_and_columns():
    with pytest.raises(FiloueError) as raised:
        aggregate_filoue(FIXTURES / "filoue_bad_line.csv", 42)
    assert raised.value.errors == [
        (3, "NOMBRE_HEURES_FACTUREES", "nombre négatif"),
        (3, "NOMBRE_HEURES_REALISEES", "nombre illisible"),
        (3, "MONTANT_FACTURE", "valeur manquante"),
        (3, "DERNIERJOUR", "le dernier jour précède le premier jour"),
        (3, "DATE_NAISSANCE_INDIVIDU", "date illisible (attendu AAAA-MM-JJ ou JJ/MM/AAAA)"),
        (3, "TOP_ALLOC", "valeur attendue : 1 ou 0 (ou O / N)"),
    ]
    # The birth date is personal: its error never repeats the value.
    assert all("2022" not in message for _, _, message in raised.value.errors)


def test_a_missing_column_is_an_error_on_the_header():
    header = HEADER.replace(";TAUX_EFFORT", "")
    with pytest.raises(FiloueError) as raised:
        aggregate_filoue(_file(header=header), 1)
    assert raised.value.errors == [(1, "TAUX_EFFORT", "colonne absente de l'en-tête")]


def test_one_structure_per_file():
    with pytest.raises(FiloueError) as raised:
        aggregate_filoue(_file(_row(), _row(afc="99999")), 1)
    ((line, column, message),) = raised.value.errors
    assert (line, column) == (3, "NUMERO_DOSSIER_AFC") and "qu'une structure" in message


def test_an_empty_file_is_an_error():
    with pytest.raises(FiloueError, match="1 erreur"):
        aggregate_filoue(_file(), 1)


@pytest.mark.parametrize(
    ("changes", "column"),
    [
        ({"first": "2023-01-01", "last": "2024-01-02"}, "DERNIERJOUR"),  # 367 days
        ({"first": "10-01-2024"}, "PREMIERJOUR"),
        ({"last": ""}, "DERNIERJOUR"),
        ({"top_alloc": ""}, "TOP_ALLOC"),
        ({"invoiced": "1 234"}, "NOMBRE_HEURES_FACTUREES"),
    ],
)
def test_values_are_checked(changes, column):
    with pytest.raises(FiloueError) as raised:
        aggregate_filoue(_file(_row(**changes)), 1)
    assert [error[1] for error in raised.value.errors] == [column]


def test_header_with_bom_lowercase_extra_columns_and_points():
    header = "\ufeff" + HEADER.lower() + ";EXTRA"
    source = _file(_row(invoiced="12.5", top_alloc="o") + ";x", header=header)
    row = aggregate_filoue(source, 1).months.row(0, named=True)
    assert row["hours_invoiced"] == Decimal("12.50")
    assert row["children_allocataires"] == 1


def test_rows_without_allocataire_number_are_separate_children():
    rows = [_row(matricule="", top_alloc="0"), _row(matricule="", top_alloc="0")]
    assert aggregate_filoue(_file(*rows), 1).months["children"].to_list() == [2]


def test_errors_are_capped():
    rows = [_row(invoiced="-1")] * (MAX_ERRORS + 5)
    with pytest.raises(FiloueError) as raised:
        aggregate_filoue(_file(*rows), 1)
    assert len(raised.value.errors) == MAX_ERRORS + 1
    assert raised.value.errors[-1] == (None, None, "… et 5 autres erreurs.")


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.dates(date(2023, 1, 1), date(2024, 12, 31)),
            st.integers(0, 365),
            st.integers(0, 10**7),
            st.integers(0, 10**8),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_spreading_keeps_every_hundredth(periods):
    rows = []
    for start, length, hours, cents in periods:
        end = date.fromordinal(start.toordinal() + length)
        rows.append(
            _row(
                invoiced=f"{hours / 100:.2f}".replace(".", ","),
                realised=f"{hours / 100:.2f}",
                amount=f"{cents / 100:.2f}",
                first=start.isoformat(),
                last=f"{end:%d/%m/%Y}",
            )
        )
    months = aggregate_filoue(_file(*rows), 1).months
    assert months["hours_invoiced"].sum() == Decimal(sum(p[2] for p in periods)) / 100
    assert months["amount_invoiced_eur"].sum() == Decimal(sum(p[3] for p in periods)) / 100
    first_month = min(p[0] for p in periods).replace(day=1)
    assert months["month"][0] == first_month
    assert months.select(pl.col("children").max()).item() == 1  # one child throughout
