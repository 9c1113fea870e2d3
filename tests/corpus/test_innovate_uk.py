"""corpus.innovate_uk: the funded-projects spreadsheet, as CSV and as XLSX."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from corpus.geocoding import Geocoder
from corpus.innovate_uk import FUNDER, kind_from_size, read_innovate_uk
from corpus.records import ParsedFile, ParticipationRecord, ProjectRecord, RowProblem
from corpus.tables import FileRefused
from tests.conftest import MAX_BYTES


@pytest.fixture(scope="module")
def raw_rows(data_dir: Path) -> list[list[str]]:
    with (data_dir / "innovate_uk_projects.csv").open(encoding="utf-8") as handle:
        return list(csv.reader(handle))


@pytest.fixture(scope="module")
def projects(data_dir: Path, geocoder: Geocoder) -> ParsedFile:
    return read_innovate_uk(data_dir / "innovate_uk_projects.csv", geocoder, MAX_BYTES)


def save_xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Funded projects"
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def typed(header: list[str], row: list[str]) -> list[object]:
    """The row as a spreadsheet would hold it: numbers, dates and blanks typed."""
    cells: list[object] = []
    for column, text in zip(header, row, strict=True):
        value: object = text
        if text == "":
            value = None
        elif column.endswith("(£)") or column in (
            "Project Number",
            "Application Number",
        ):
            value = int(text.replace(",", ""))
        elif column == "CRN" and text.isdigit():
            value = int(text)  # Excel drops the leading zero of 07228939
        elif column.endswith("Date"):
            fmt = "%Y-%m-%d" if "-" in text else "%d/%m/%Y"
            value = datetime.strptime(text, fmt)
        cells.append(value)
    return cells


# --- the CSV fixture ---------------------------------------------------------------


def test_projects_from_the_csv(projects: ParsedFile) -> None:
    assert projects.source == FUNDER
    assert projects.rows_read == 8
    assert projects.projects == [
        ProjectRecord(
            id="10050001",
            title="Graphene coatings for turbine blades",
            description="Trials of graphene-enhanced coatings.",
            competition="Advanced materials round 1",
            funder="Innovate UK",
            start_date="2019-04-01",
            end_date="2021-03-31",
        ),
        ProjectRecord(
            id="10050002",
            title="Hydrogen storage at port scale",
            description="A port-scale demonstration of hydrogen storage.",
            competition="Hydrogen storage trials",
            funder="Innovate UK",
            start_date="2020-06-01",  # from 01/06/2020
            end_date="2022-05-31",
        ),
    ]


def test_withdrawn_unknown_postcode_and_nameless_rows_are_problems(
    projects: ParsedFile,
) -> None:
    assert projects.problems == [
        RowProblem(5, "participant withdrew from the project"),
        RowProblem(8, "unknown postcode 'QQ1 1QQ'"),
        RowProblem(9, "no Participant Name"),
    ]


def test_participations(projects: ParsedFile) -> None:
    assert projects.participations == [
        ParticipationRecord(
            "10050001", "HAYDALE LIMITED", "07228939", True, 150000.0, 2
        ),
        ParticipationRecord(
            "10050001", "University of Strathclyde", None, False, 90000.0, 3
        ),
        ParticipationRecord(
            "10050001", "Example Turbines Ltd", "SC654321", False, 60000.0, 4
        ),
        ParticipationRecord(
            "10050002", "Example Turbines Ltd", "SC654321", True, 200000.0, 6
        ),
        ParticipationRecord(
            "10050002", "Heriot-Watt University", None, False, 100000.0, 7
        ),
    ]


def test_participants_as_organisations(projects: ParsedFile) -> None:
    records = projects.organisations
    assert [(o.name, o.kind, o.line) for o in records] == [
        ("HAYDALE LIMITED", "business", 2),  # Small
        ("University of Strathclyde", "university", 3),  # Academic
        ("Example Turbines Ltd", "business", 4),  # Medium
        ("Example Turbines Ltd", "business", 6),
        ("Heriot-Watt University", "university", 7),
    ]
    for record in records:
        assert record.rdi_active is True
        assert record.location_precision == "district"
        assert record.enrich_only is False
    assert records[0].rdi_evidence == [
        "Innovate UK project 10050001: Graphene coatings for turbine blades"
    ]
    assert records[3].rdi_evidence == [
        "Innovate UK project 10050002: Hydrogen storage at port scale"
    ]
    haydale = records[0]
    assert haydale.company_number == "07228939"
    assert haydale.postcode == "SA18 3BL"
    assert (haydale.lad_code, haydale.region, haydale.country) == (
        "W06000010",
        "Carmarthenshire",
        "Wales",
    )
    assert haydale.sectors == ["Manufacturing"]
    heriot_watt = records[4]
    assert heriot_watt.postcode == "EH14 4AS"
    assert heriot_watt.region == "City of Edinburgh"
    assert heriot_watt.company_number is None


# --- the same rows as XLSX -----------------------------------------------------------


def test_xlsx_of_the_same_text_gives_the_same_records(
    tmp_path: Path, raw_rows: list[list[str]], projects: ParsedFile, geocoder: Geocoder
) -> None:
    path = save_xlsx(tmp_path / "funded.xlsx", [list(r) for r in raw_rows])
    from_xlsx = read_innovate_uk(path, geocoder, MAX_BYTES)
    assert from_xlsx.projects == projects.projects
    assert from_xlsx.participations == projects.participations
    assert from_xlsx.organisations == projects.organisations
    assert from_xlsx.problems == projects.problems
    assert from_xlsx.rows_read == projects.rows_read


def test_xlsx_with_typed_cells_gives_the_same_records(
    tmp_path: Path, raw_rows: list[list[str]], projects: ParsedFile, geocoder: Geocoder
) -> None:
    header = raw_rows[0]
    rows: list[list[object]] = [list(header)]
    rows += [typed(header, row) for row in raw_rows[1:]]
    assert rows[1][header.index("CRN")] == 7228939
    assert isinstance(rows[5][header.index("Project Start Date")], datetime)
    path = save_xlsx(tmp_path / "funded.xlsx", rows)
    from_xlsx = read_innovate_uk(path, geocoder, MAX_BYTES)
    assert from_xlsx.projects == projects.projects
    assert from_xlsx.participations == projects.participations
    assert from_xlsx.organisations == projects.organisations
    assert from_xlsx.problems == projects.problems


# --- other rows ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "name", "kind"),
    [
        ("Academic", "Anything", "university"),
        ("ACADEMIC", "Anything", "university"),
        ("Micro", "Anything", "business"),
        ("small", "Anything", "business"),
        ("Medium", "Anything", "business"),
        ("Large", "University of Somewhere", "business"),
        ("Research and Technology Organisation (RTO)", "X", "research organisation"),
        ("RTO", "X", "research organisation"),
        ("", "City of Edinburgh Council", "public body"),
        (
            "Public Sector, charity or non Je-S registered research organisation",
            "The Woodland Trust",
            "charity",
        ),
        ("", "Blast Theory", "other"),
    ],
)
def test_kind_from_size(size: str, name: str, kind: str) -> None:
    assert kind_from_size(size, name) == kind


def test_bad_values_in_rows(tmp_path: Path, geocoder: Geocoder) -> None:
    path = tmp_path / "funded.csv"
    path.write_text(
        "Project Number,Participant Name,Lead Participant,Award Offered (£),"
        "Start Date,Participant Postcode,CRN,Participant Withdrawn From Project\n"
        "1,Acme Ltd,maybe,,,,,\n"  # 2
        "1,Acme Ltd,,lots,,,,\n"  # 3
        "1,Acme Ltd,,,2020/01/01,,,\n"  # 4
        "1,Acme Ltd,,,,NOT A CODE,,\n"  # 5
        "1,Acme Ltd,,,,,12-34,\n"  # 6
        ",Acme Ltd,,,,,,\n"  # 7
        "1,Acme Ltd,,,,,,perhaps\n"  # 8
        '1,Beta Ltd,no,"£1,000",31/12/2020,,,No\n',  # 9
        encoding="utf-8",
    )
    parsed = read_innovate_uk(path, geocoder, MAX_BYTES)
    assert parsed.problems == [
        RowProblem(2, "Is Lead Participant 'maybe' is not true/false"),
        RowProblem(3, "Grant Offered 'lots' is not a number"),
        RowProblem(4, "Project Start Date '2020/01/01' is not a date (use YYYY-MM-DD)"),
        RowProblem(5, "postcode 'NOT A CODE' is not a UK postcode"),
        RowProblem(6, "company number '12-34' is not a company number"),
        RowProblem(7, "no Project Number"),
        RowProblem(8, "withdrawn 'perhaps' is not true/false"),
    ]
    assert parsed.participations == [
        ParticipationRecord("1", "Beta Ltd", None, False, 1000.0, 9)
    ]
    [project] = parsed.projects
    assert (project.id, project.title, project.start_date) == ("1", None, "2020-12-31")
    [beta] = parsed.organisations
    assert beta.rdi_evidence == ["Innovate UK project 1"]
    assert beta.location_precision == "none"
    assert beta.kind == "business"  # inferred from 'Ltd'


def test_file_without_participant_name_is_refused(
    tmp_path: Path, geocoder: Geocoder
) -> None:
    path = tmp_path / "funded.csv"
    path.write_text("Project Number,Organisation\n1,Acme Ltd\n", encoding="utf-8")
    with pytest.raises(FileRefused, match=r"missing required column\(s\) participant"):
        read_innovate_uk(path, geocoder, MAX_BYTES)


def test_long_participant_and_postcode_are_refused_short(
    tmp_path: Path, geocoder: Geocoder
) -> None:
    """Found by fuzzing: a 5,000-character postcode was quoted whole in the reason."""
    path = tmp_path / "funded.csv"
    path.write_text(
        "Project Number,Participant Name,Postcode\n"
        f"1,Acme Ltd,{'X' * 5000}\n1,{'N' * 400},\n",
        encoding="utf-8",
    )
    parsed = read_innovate_uk(path, geocoder, MAX_BYTES)
    assert parsed.organisations == []
    assert all(len(p.reason) < 120 for p in parsed.problems)
    assert parsed.problems[0].reason.startswith(f"Postcode '{'X' * 37}...' is 5,000")
    assert parsed.problems[1].reason.startswith(f"Participant Name '{'N' * 37}...'")
