"""corpus.companies_house: Basic Company Data rows, named and unnamed."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from corpus.companies_house import read_companies_house, sic_code
from corpus.geocoding import Geocoder
from corpus.records import ParsedFile, RowProblem
from corpus.tables import FileRefused
from tests.conftest import MAX_BYTES


@pytest.fixture(scope="module")
def unnamed(data_dir: Path, geocoder: Geocoder) -> ParsedFile:
    return read_companies_house(
        data_dir / "companies_house_2021_sample.csv", geocoder, MAX_BYTES
    )


@pytest.fixture(scope="module")
def named(data_dir: Path, geocoder: Geocoder) -> ParsedFile:
    return read_companies_house(
        data_dir / "companies_house_named.csv", geocoder, MAX_BYTES
    )


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("62012 - Business and domestic software development", "62012"),
        ("7219 - Other research", "7219"),
        ("82990", "82990"),
        ("None Supplied", None),
        ("", None),
        ("NA", None),
        ("620 - too short", None),
        ("620123 - too long", None),
    ],
)
def test_sic_code(text: str, code: str | None) -> None:
    assert sic_code(text) == code


# --- the 30 real rows, published without names ------------------------------------


def test_unnamed_rows_are_all_enrich_only(unnamed: ParsedFile, data_dir: Path) -> None:
    assert unnamed.source == "Companies House"
    assert unnamed.rows_read == 30
    assert unnamed.problems == []
    assert unnamed.notes == [
        "no CompanyName column: rows only enrich organisations already in the "
        "directory with the same company number"
    ]
    with (data_dir / "companies_house_2021_sample.csv").open(encoding="utf-8") as f:
        raw = list(csv.DictReader(f))
    assert len(unnamed.organisations) == 30
    for record, row in zip(unnamed.organisations, raw, strict=True):
        assert record.enrich_only is True
        assert record.name == ""
        assert record.kind is None
        assert record.company_number == row["CompanyNumber"]
        expected_sic = [
            m.group(1)
            for i in range(1, 5)
            if (m := re.match(r"(\d{5}) - ", row[f"SICCode.SicText_{i}"]))
        ]
        assert record.sic_codes == expected_sic
        assert record.sic_codes
        assert record.tags == [row["CompanyCategory"]]
        assert record.location_precision == "district"
        assert record.postcode is not None
        assert record.postcode.replace(" ", "") == row["RegAddress.PostCode"].replace(
            " ", ""
        )
        assert record.rdi_active is None


def test_unnamed_sample_details(unnamed: ParsedFile) -> None:
    by_number = {o.company_number: o for o in unnamed.organisations}
    assert by_number["13116104"].sic_codes == ["46370", "46460", "46720", "46730"]
    assert by_number["13148887"].sic_codes == ["41202", "43390"]
    scottish = by_number["SC685271"]
    assert (scottish.postcode, scottish.lad_code, scottish.country) == (
        "G51 2TJ",
        "S12000049",
        "Scotland",
    )
    assert scottish.region == "Glasgow City"
    # an unspaced postcode is put in its usual form
    assert by_number["13143101"].postcode == "YO26 5LS"
    assert by_number["13115097"].tags == [
        "PRI/LTD BY GUAR/NSC (Private, limited by guarantee, no share capital)"
    ]
    assert [o.line for o in unnamed.organisations] == list(range(2, 32))


# --- the named file, in the published header layout -------------------------------------


def test_named_haydale(named: ParsedFile) -> None:
    haydale = named.organisations[0]
    assert haydale.name == "HAYDALE LIMITED"
    assert haydale.kind == "business"
    assert haydale.company_number == "07228939"
    assert haydale.enrich_only is False
    assert haydale.postcode == "SA18 3BL"
    assert haydale.location_precision == "district"
    assert (haydale.lat, haydale.lon) == pytest.approx((51.79775, -3.96102))
    assert haydale.lad_code == "W06000010"
    assert haydale.region == "Carmarthenshire"
    assert haydale.country == "Wales"
    assert haydale.sic_codes == ["20590", "72190"]
    assert haydale.tags == ["Private Limited Company"]
    assert haydale.line == 2


def test_named_file_rows_and_problems(named: ParsedFile) -> None:
    assert named.rows_read == 6
    assert named.notes == []
    assert named.problems == [
        RowProblem(5, "unknown postcode 'ZZ99 9ZZ'"),
        RowProblem(6, "company is dissolved"),
    ]
    assert [(o.name, o.company_number, o.line) for o in named.organisations] == [
        ("HAYDALE LIMITED", "07228939", 2),
        ("MICRO MATERIALS LTD", "03342185", 3),
        ("EXAMPLE PHOTONICS LTD", "SC123456", 4),
        ("", "22222222", 7),
    ]
    photonics = named.organisations[2]
    assert (photonics.lad_code, photonics.country) == ("S12000049", "Scotland")
    assert photonics.sic_codes == ["26701"]


def test_named_file_unnamed_row_is_enrich_only(named: ParsedFile) -> None:
    unnamed = named.organisations[-1]
    assert unnamed.enrich_only is True
    assert unnamed.kind is None
    assert unnamed.sic_codes == []  # 'None Supplied'
    assert unnamed.postcode == "LS1 4AP"
    assert unnamed.region == "Leeds"


def test_kinds_inferred_from_company_names(tmp_path: Path, geocoder: Geocoder) -> None:
    path = tmp_path / "companies.csv"
    path.write_text(
        "CompanyName,CompanyNumber,CompanyStatus,RegAddress.PostCode\n"
        "BLAST THEORY,01234567,Active,\n"
        "THE WOODLAND TRUST,01982873,Active,\n"
        "UNIVERSITY OF WARWICK SCIENCE PARK LIMITED,2345678,Active,\n"
        "DORMANT ONE LTD,03456789,Dissolved - struck off,\n"
        "NO NUMBER LTD,,Active,\n"
        "BAD NUMBER LTD,12-34,Active,\n"
        "MALFORMED POSTCODE LTD,04567890,Active,NOT A CODE\n",
        encoding="utf-8",
    )
    parsed = read_companies_house(path, geocoder, MAX_BYTES)
    assert [(o.name, o.kind, o.company_number) for o in parsed.organisations] == [
        ("BLAST THEORY", "business", "01234567"),  # 'other' becomes business
        ("THE WOODLAND TRUST", "charity", "01982873"),
        ("UNIVERSITY OF WARWICK SCIENCE PARK LIMITED", "university", "02345678"),
    ]
    assert all(o.location_precision == "none" for o in parsed.organisations)
    assert parsed.problems == [
        RowProblem(5, "company is dissolved"),
        RowProblem(6, "no CompanyNumber"),
        RowProblem(7, "company number '12-34' is not a company number"),
        RowProblem(8, "postcode 'NOT A CODE' is not a UK postcode"),
    ]


def test_file_without_company_number_is_refused(
    tmp_path: Path, geocoder: Geocoder
) -> None:
    path = tmp_path / "companies.csv"
    path.write_text("CompanyName,RegAddress.PostCode\nACME LTD,EH1 1YZ\n")
    with pytest.raises(
        FileRefused, match=r"missing required column\(s\) company_number"
    ):
        read_companies_house(path, geocoder, MAX_BYTES)


def test_long_name_and_postcode_are_refused_short(
    tmp_path: Path, geocoder: Geocoder
) -> None:
    """Found by fuzzing: a 5,000-character postcode was quoted whole in the reason."""
    path = tmp_path / "companies.csv"
    path.write_text(
        "CompanyName,CompanyNumber,RegAddress.PostCode\n"
        f"ACME LTD,01234567,{'X' * 5000}\n{'N' * 400},02345678,\n",
        encoding="utf-8",
    )
    parsed = read_companies_house(path, geocoder, MAX_BYTES)
    assert parsed.organisations == []
    assert [len(p.reason) < 100 for p in parsed.problems] == [True, True]
    assert parsed.problems[0].reason.startswith(f"postcode '{'X' * 37}...' is 5,000")
    assert parsed.problems[1].reason.startswith(f"name '{'N' * 37}...' is 400")
