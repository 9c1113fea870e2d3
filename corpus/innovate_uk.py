"""Importer for Innovate UK's "funded projects" spreadsheet (CSV or XLSX), one row per
participant, in its published layout.

Participants become RD&I-active organisations with the project as evidence; the
project and each participation are kept; co-participants become collaborations
(made by the directory once participants are matched to records).
"""

from __future__ import annotations

from pathlib import Path

from corpus.geocoding import Geocoder, locate_record
from corpus.names import infer_kind
from corpus.records import (
    OrganisationRecord,
    ParsedFile,
    ParticipationRecord,
    ProjectRecord,
    RowProblem,
)
from corpus.tables import Row, read_table
from corpus.values import (
    MAX_NAME_CHARS,
    MAX_POSTCODE_CHARS,
    ValueProblem,
    parse_company_number,
    parse_date,
    parse_flag,
    parse_number,
    short_text,
)

FUNDER = "Innovate UK"
COLUMNS = {
    "competition_reference": ["Competition Reference"],
    "competition": ["Competition Title"],
    "competition_year": ["Competition Year"],
    "project": ["Project Number"],
    "title": ["Project Title"],
    "description": ["Public Description"],
    "participant": ["Participant Name"],
    "crn": ["CRN", "Company Registration Number"],
    "size": ["Enterprise Size"],
    "postcode": ["Postcode", "Participant Postcode"],
    "sector": ["Industrial Sector", "Industry Sector", "Sector"],
    "lead": ["Is Lead Participant", "Lead Participant"],
    "grant": ["Grant Offered (£)", "Award Offered (£)", "Grant Offered"],
    "start": ["Project Start Date", "Start Date"],
    "end": ["Project End Date", "End Date"],
    "withdrawn": ["Participant Withdrawn From Project"],
}
REQUIRED = ["project", "participant"]


def kind_from_size(size: str, name: str) -> str:
    lowered = size.lower()
    if "academic" in lowered:
        return "university"
    if lowered in ("micro", "small", "medium", "large"):
        return "business"
    if "research and technology" in lowered or lowered == "rto":
        return "research organisation"
    return infer_kind(name)


def participant_from_row(
    row: Row, geocoder: Geocoder
) -> tuple[OrganisationRecord, ParticipationRecord, ProjectRecord]:
    name = short_text(
        " ".join(row.get("participant").split()), "Participant Name", MAX_NAME_CHARS
    )
    project_id = row.get("project")
    if not name:
        raise ValueProblem("no Participant Name")
    if not project_id:
        raise ValueProblem("no Project Number")
    title = row.get("title") or None
    number = parse_company_number(row.get("crn"))
    sector = row.get("sector")
    record = OrganisationRecord(
        name=name,
        kind=kind_from_size(row.get("size"), name),
        company_number=number,
        sectors=[sector] if sector else [],
        rdi_active=True,
        rdi_evidence=[
            f"{FUNDER} project {project_id}" + (f": {title}" if title else "")
        ],
        line=row.line,
    )
    if postcode := short_text(row.get("postcode"), "Postcode", MAX_POSTCODE_CHARS):
        locate_record(record, postcode, geocoder)
    project = ProjectRecord(
        id=project_id,
        title=title,
        description=row.get("description") or None,
        competition=row.get("competition") or None,
        funder=FUNDER,
        start_date=parse_date(row.get("start"), "Project Start Date"),
        end_date=parse_date(row.get("end"), "Project End Date"),
    )
    participation = ParticipationRecord(
        project_id=project_id,
        organisation=name,
        company_number=number,
        is_lead=bool(parse_flag(row.get("lead"), "Is Lead Participant", False)),
        grant_offered=parse_number(row.get("grant"), "Grant Offered"),
        line=row.line,
    )
    return record, participation, project


def read_innovate_uk(path: Path, geocoder: Geocoder, max_bytes: int) -> ParsedFile:
    table = read_table(path, COLUMNS, required=REQUIRED, max_bytes=max_bytes)
    parsed = ParsedFile(source=FUNDER, rows_read=len(table.rows) + len(table.bad_rows))
    parsed.problems += [RowProblem(line, reason) for line, reason in table.bad_rows]
    projects: dict[str, ProjectRecord] = {}
    geocoder.prime(row.get("postcode") for row in table.rows)
    for row in table.rows:
        try:
            if parse_flag(row.get("withdrawn"), "withdrawn", False):
                raise ValueProblem("participant withdrew from the project")
            record, participation, project = participant_from_row(row, geocoder)
        except ValueProblem as exc:
            parsed.problems.append(RowProblem(row.line, str(exc)))
            continue
        parsed.organisations.append(record)
        parsed.participations.append(participation)
        projects.setdefault(project.id, project)
    parsed.projects = list(projects.values())
    return parsed
