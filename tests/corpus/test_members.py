"""corpus.members: the members CSV template, on the GtR fixture and on bad rows."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from corpus.geocoding import Geocoder
from corpus.members import read_members
from corpus.records import KINDS, OrganisationRecord, ParsedFile, RowProblem
from corpus.tables import FileRefused
from tests.conftest import MAX_BYTES


@pytest.fixture(scope="module")
def gtr(data_dir: Path, geocoder: Geocoder) -> ParsedFile:
    return read_members(data_dir / "gtr_organisations.csv", geocoder, MAX_BYTES)


def by_name(parsed: ParsedFile) -> dict[str, OrganisationRecord]:
    return {o.name: o for o in parsed.organisations}


def write_members(folder: Path, header: str, *rows: str) -> Path:
    path = folder / "members.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


# --- the GtR organisations fixture ----------------------------------------------------


def test_gtr_file_gives_54_records_without_problems(gtr: ParsedFile) -> None:
    assert gtr.source == "members file gtr_organisations.csv"
    assert gtr.rows_read == 54
    assert len(gtr.organisations) == 54
    assert gtr.problems == []
    assert gtr.notes == []
    assert [o.line for o in gtr.organisations] == list(range(2, 56))


def test_gtr_rows_without_location(gtr: ParsedFile) -> None:
    unlocated = [o for o in gtr.organisations if o.location_precision == "none"]
    assert [o.name for o in unlocated] == ["BTEXACT", "Bournemouth University"]
    for record in unlocated:
        assert record.lat is None
        assert record.lon is None
        assert record.lad_code is None
        assert record.country == "England"  # given in the file
    assert by_name(gtr)["BTEXACT"].region == "Suffolk Coastal"


def test_gtr_points_are_local_authority_centroids(
    gtr: ParsedFile, geocoder: Geocoder, data_dir: Path
) -> None:
    with (data_dir / "gtr_organisations.csv").open(encoding="utf-8") as handle:
        raw = {" ".join(row["name"].split()): row for row in csv.DictReader(handle)}
    located = [o for o in gtr.organisations if o.location_precision != "none"]
    assert len(located) == 52
    for record in located:
        assert record.location_precision == "local authority"
        row = raw[record.name]
        assert record.lat == float(row["lat"])
        assert record.lon == float(row["lon"])
        assert record.lad_code == row["lad_code"]
        centroid = geocoder.locate_local_authority(row["lad_code"])
        assert centroid is not None
        assert record.lat == pytest.approx(centroid.lat, abs=1e-3)
        assert record.lon == pytest.approx(centroid.lon, abs=1.5e-3)
        assert record.region == row["region"]
        assert record.country == row["country"]


def test_gtr_record_fields(gtr: ParsedFile) -> None:
    cardiff = by_name(gtr)["Cardiff University"]
    assert cardiff.sectors == [
        "Engineering and Technology",
        "Life Sciences",
        "Physics",
        "Environmental Sciences",
        "Arts and Humanities",
        "Social Sciences",
        "Mathematics and Computing",
    ]
    assert cardiff.country == "Wales"
    assert cardiff.lad_code == "W06000015"
    assert cardiff.kind is None  # the file says nothing about kinds
    assert cardiff.postcode is None
    assert cardiff.enrich_only is False
    bristol = by_name(gtr)["University of Bristol"]
    assert bristol.region == "Bristol, City of"  # a quoted field with a comma
    assert by_name(gtr)["Haydale"].sectors == ["Engineering and Technology"]


def test_gtr_members_are_rdi_active_with_evidence(gtr: ParsedFile) -> None:
    for record in gtr.organisations:
        assert record.rdi_active is True
        assert record.rdi_evidence == ["member of the network (gtr_organisations.csv)"]


def test_gtr_same_name_different_sites_stay_separate(gtr: ParsedFile) -> None:
    names = [o.name for o in gtr.organisations]
    assert "Haydale" in names
    assert "Haydale Limited" in names
    haydales = {o.name: o.lad_code for o in gtr.organisations if "Haydale" in o.name}
    assert haydales == {"Haydale": "E06000045", "Haydale Limited": "W06000010"}
    # internal double spaces in a name are collapsed
    assert "Dept for Env Food & Rural Affairs DEFRA" in names


# --- bad rows -----------------------------------------------------------------------


@pytest.fixture
def mixed(tmp_path: Path, geocoder: Geocoder) -> ParsedFile:
    path = write_members(
        tmp_path,
        "name,postcode,lat,lon,lad_code,employees,kind,rdi_active,turnover",
        'Good Postcode Ltd,eh1 1yz,,,,12,Business,yes,"£1,200"',  # 2
        ",EH1 1YZ,,,,,,,",  # 3 no name
        "Unknown Postcode Ltd,ZZ99 9ZZ,,,,,,,",  # 4
        "Malformed Postcode Ltd,NOT A CODE,,,,,,,",  # 5
        "Staff Ltd,,,,,lots,,,",  # 6
        "Half Point Ltd,,55.9,,,,,,",  # 7
        "Pole Ltd,,91,-3.2,,,,,",  # 8
        "Kind Ltd,,,,,,startup,,",  # 9
        "Flag Ltd,,,,,,,perhaps,",  # 10
        "Given Point Ltd,,56.5,-4.5,S12000036,,,no,",  # 11
        "Authority Only Ltd,,,,S12000049,,,,",  # 12
        "Unknown Authority Ltd,,,,S99999999,,,,",  # 13
        "Centroid Ltd,,55.911201,-3.27826,S12000036,,,,",  # 14
        "Point Only Ltd,,51.5,-0.1,,,,,",  # 15
        "Surplus Ltd,,,,,,,,,extra",  # 16
        "   ,,,,,,,,",  # 17 blank: not a row at all
        "Negative Staff Ltd,,,,,-3,,,",  # 18
    )
    return read_members(path, geocoder, MAX_BYTES)


def test_bad_rows_are_problems_with_line_and_reason(mixed: ParsedFile) -> None:
    assert sorted(mixed.problems, key=lambda p: p.line) == [
        RowProblem(3, "no name"),
        RowProblem(4, "unknown postcode 'ZZ99 9ZZ'"),
        RowProblem(5, "postcode 'NOT A CODE' is not a UK postcode"),
        RowProblem(6, "employees 'lots' is not a whole number"),
        RowProblem(7, "lat and lon must be given together"),
        RowProblem(8, "lat '91' is outside -90..90"),
        RowProblem(9, f"kind 'startup' is not one of: {', '.join(KINDS)}"),
        RowProblem(10, "rdi_active 'perhaps' is not true/false"),
        RowProblem(13, "unknown local authority code 'S99999999'"),
        RowProblem(16, "10 fields but the header has 9 columns"),
        RowProblem(18, "employees '-3' is negative"),
    ]
    assert mixed.rows_read == 16  # every non-blank row after the header


def test_good_rows_beside_bad_ones_are_parsed(mixed: ParsedFile) -> None:
    assert [o.name for o in mixed.organisations] == [
        "Good Postcode Ltd",
        "Given Point Ltd",
        "Authority Only Ltd",
        "Centroid Ltd",
        "Point Only Ltd",
    ]
    assert [o.line for o in mixed.organisations] == [2, 11, 12, 14, 15]


def test_postcode_row_gets_district_precision_and_its_region(
    mixed: ParsedFile,
) -> None:
    record = by_name(mixed)["Good Postcode Ltd"]
    assert record.postcode == "EH1 1YZ"
    assert record.location_precision == "district"
    assert (record.lat, record.lon) == pytest.approx((55.95085, -3.19294))
    assert record.lad_code == "S12000036"
    assert record.region == "City of Edinburgh"
    assert record.country == "Scotland"
    assert record.employees == 12
    assert record.turnover == 1200.0
    assert record.kind == "business"
    assert record.rdi_active is True


def test_lat_lon_away_from_the_centroid_are_given(mixed: ParsedFile) -> None:
    record = by_name(mixed)["Given Point Ltd"]
    assert record.location_precision == "given"
    assert (record.lat, record.lon) == (56.5, -4.5)
    assert record.lad_code == "S12000036"
    assert record.region == "City of Edinburgh"
    assert record.country == "Scotland"
    assert record.rdi_active is False
    assert record.rdi_evidence == []
    point = by_name(mixed)["Point Only Ltd"]
    assert point.location_precision == "given"
    assert (point.lad_code, point.region, point.country) == (None, None, None)


def test_lat_lon_at_the_centroid_are_local_authority(mixed: ParsedFile) -> None:
    record = by_name(mixed)["Centroid Ltd"]
    assert record.location_precision == "local authority"
    assert (record.lat, record.lon) == (55.911201, -3.27826)


def test_lad_code_alone_gives_the_local_authority_centroid(
    mixed: ParsedFile,
) -> None:
    record = by_name(mixed)["Authority Only Ltd"]
    assert record.location_precision == "local authority"
    assert (record.lat, record.lon) == pytest.approx((55.876492, -4.2147899))
    assert record.lad_code == "S12000049"
    assert record.region == "Glasgow City"
    assert record.country == "Scotland"
    assert record.postcode is None


def test_postcode_and_point_together(tmp_path: Path, geocoder: Geocoder) -> None:
    path = write_members(
        tmp_path,
        "name,postcode,latitude,longitude,region,country",
        "Both Ltd,SA18 3BL,51.8,-3.95,Amman Valley,Cymru",
    )
    [record] = read_members(path, geocoder, MAX_BYTES).organisations
    assert record.postcode == "SA18 3BL"
    assert (record.lat, record.lon) == (51.8, -3.95)
    assert record.location_precision == "given"
    assert record.lad_code == "W06000010"  # from the postcode's district
    assert record.region == "Amman Valley"  # the file's own words win
    assert record.country == "Cymru"


def test_all_optional_fields(tmp_path: Path, geocoder: Geocoder) -> None:
    path = write_members(
        tmp_path,
        "id,name,kind,company number,description,website,sectors,sic_codes,"
        "employees,turnover,tags,rdi_active,colour",
        "hay-1,  Haydale   Limited ,Research Organization,7228939,Graphene,https://x.example,"
        'Materials; Materials;Energy,"20590, 72190","1,200",3.5,a;b;,TRUE,red',
    )
    parsed = read_members(path, geocoder, MAX_BYTES)
    assert parsed.notes == ["ignored columns: colour"]
    assert parsed.problems == []
    [record] = parsed.organisations
    assert record == OrganisationRecord(
        name="Haydale Limited",
        id="hay-1",
        kind="research organisation",
        company_number="07228939",
        description="Graphene",
        website="https://x.example",
        sectors=["Materials", "Energy"],
        sic_codes=["20590", "72190"],
        employees=1200,
        turnover=3.5,
        tags=["a", "b"],
        rdi_active=True,
        rdi_evidence=["member of the network (members.csv)"],
        line=2,
    )


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("kind", "Organization", "kind 'Organization' is not one of"),
        ("company_number", "not-a-number", "company number 'not-a-number'"),
        ("sic_codes", "62012 - software", "SIC code '62012 - software'"),
        ("turnover", "lots", "turnover 'lots' is not a number"),
        ("lon", "181", "lon '181' is outside -180..180"),
    ],
)
def test_single_bad_values(
    tmp_path: Path, geocoder: Geocoder, column: str, value: str, reason: str
) -> None:
    extra = ",lat" if column == "lon" else ""
    fill = ",55" if column == "lon" else ""
    path = write_members(tmp_path, f"name,{column}{extra}", f"Acme Ltd,{value}{fill}")
    parsed = read_members(path, geocoder, MAX_BYTES)
    assert parsed.organisations == []
    [problem] = parsed.problems
    assert problem.line == 2
    assert reason in problem.reason


def test_file_without_name_column_is_refused(
    tmp_path: Path, geocoder: Geocoder
) -> None:
    path = write_members(tmp_path, "organisation,postcode", "Acme Ltd,EH1 1YZ")
    with pytest.raises(FileRefused, match=r"missing required column\(s\) name"):
        read_members(path, geocoder, MAX_BYTES)


def test_long_postcode_and_lad_code_are_quoted_short(
    tmp_path: Path, geocoder: Geocoder
) -> None:
    """Found by fuzzing: 5,000-character values were quoted whole in the reasons."""
    path = write_members(
        tmp_path, "name,postcode,lad_code", f"Acme,{'9' * 5000},", f"Beta,,{'E' * 5000}"
    )
    parsed = read_members(path, geocoder, MAX_BYTES)
    assert parsed.problems == [
        RowProblem(
            2, f"postcode '{'9' * 37}...' is 5,000 characters long; at most 16 expected"
        ),
        RowProblem(3, f"unknown local authority code '{'E' * 37}...'"),
    ]
