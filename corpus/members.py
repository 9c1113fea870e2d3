"""Importer for our members CSV template (one organisation per row).

Columns: ``name`` (required); location from ``postcode``, or ``lat`` + ``lon``, or a
local authority ``lad_code``; optional ``id, kind, company_number, description,
website, sectors`` (``;``-separated), ``sic_codes, employees, turnover, region,
country, tags, rdi_active``.
"""

from __future__ import annotations

from pathlib import Path

from corpus.geocoding import Geocoder, country_of, locate_record
from corpus.records import OrganisationRecord, ParsedFile, RowProblem
from corpus.tables import Row, read_table
from corpus.values import (
    MAX_NAME_CHARS,
    MAX_POSTCODE_CHARS,
    ValueProblem,
    parse_company_number,
    parse_coordinate,
    parse_flag,
    parse_kind,
    parse_number,
    parse_sic_codes,
    parse_whole,
    short_text,
    shown,
    split_list,
)

COLUMNS = {
    name: [name, name.replace("_", " ")]
    for name in (
        "id",
        "name",
        "kind",
        "company_number",
        "description",
        "website",
        "postcode",
        "lat",
        "lon",
        "lad_code",
        "region",
        "country",
        "sectors",
        "sic_codes",
        "employees",
        "turnover",
        "tags",
        "rdi_active",
    )
}
COLUMNS["lat"] += ["latitude"]
COLUMNS["lon"] += ["longitude", "lng"]


def locate(
    record: OrganisationRecord, row: Row, geocoder: Geocoder
) -> OrganisationRecord:
    """Fill the record's location from postcode, lat/lon or local authority code."""
    lat = parse_coordinate(row.get("lat"), "lat", 90)
    lon = parse_coordinate(row.get("lon"), "lon", 180)
    if (lat is None) != (lon is None):
        raise ValueProblem("lat and lon must be given together")
    postcode_text = short_text(row.get("postcode"), "postcode", MAX_POSTCODE_CHARS)
    lad_code = row.get("lad_code") or None
    if postcode_text:
        locate_record(record, postcode_text, geocoder)
        lad_code = lad_code or record.lad_code
    if lat is not None and lon is not None:
        record.lat, record.lon = lat, lon
        centroid = geocoder.is_local_authority_centroid(lat, lon, lad_code)
        record.location_precision = "local authority" if centroid else "given"
    elif not postcode_text and lad_code:
        place = geocoder.locate_local_authority(lad_code)
        if place is None:
            raise ValueProblem(f"unknown local authority code {shown(lad_code)}")
        record.lat, record.lon = place.lat, place.lon
        record.location_precision = place.precision
    record.lad_code = lad_code
    record.region = row.get("region") or geocoder.region_of(lad_code)
    record.country = row.get("country") or country_of(lad_code)
    return record


def member_from_row(row: Row, geocoder: Geocoder, source: str) -> OrganisationRecord:
    name = short_text(" ".join(row.get("name").split()), "name", MAX_NAME_CHARS)
    if not name:
        raise ValueProblem("no name")
    rdi = parse_flag(row.get("rdi_active"), "rdi_active", default=True)
    record = OrganisationRecord(
        name=name,
        id=row.get("id") or None,
        kind=parse_kind(row.get("kind")),
        company_number=parse_company_number(row.get("company_number")),
        description=row.get("description") or None,
        website=row.get("website") or None,
        sectors=split_list(row.get("sectors")),
        sic_codes=parse_sic_codes(row.get("sic_codes")),
        employees=parse_whole(row.get("employees"), "employees"),
        turnover=parse_number(row.get("turnover"), "turnover"),
        tags=split_list(row.get("tags")),
        rdi_active=rdi,
        rdi_evidence=[f"member of the network ({source})"] if rdi else [],
        line=row.line,
    )
    return locate(record, row, geocoder)


def read_members(path: Path, geocoder: Geocoder, max_bytes: int) -> ParsedFile:
    """Parse a members CSV; bad rows become problems, the file is refused if unusable."""
    table = read_table(path, COLUMNS, required=["name"], max_bytes=max_bytes)
    parsed = ParsedFile(source=f"members file {path.name}", rows_read=len(table.rows))
    parsed.problems += [RowProblem(line, reason) for line, reason in table.bad_rows]
    if table.ignored_columns:
        parsed.notes.append(f"ignored columns: {', '.join(table.ignored_columns)}")
    geocoder.prime(row.get("postcode") for row in table.rows)
    for row in table.rows:
        try:
            parsed.organisations.append(member_from_row(row, geocoder, path.name))
        except ValueProblem as exc:
            parsed.problems.append(RowProblem(row.line, str(exc)))
    parsed.rows_read += len(table.bad_rows)
    return parsed
