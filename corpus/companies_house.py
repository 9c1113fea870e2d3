"""Importer for Companies House "Basic Company Data" CSV, in its published layout.

Used columns: ``CompanyName, CompanyNumber, RegAddress.PostCode,
SICCode.SicText_1 .. _4, CompanyStatus, CompanyCategory`` (others are ignored).
A row without a name can only enrich an organisation already in the directory
with that company number.
"""

from __future__ import annotations

from pathlib import Path

from corpus.geocoding import Geocoder, locate_record
from corpus.names import infer_kind
from corpus.records import OrganisationRecord, ParsedFile, RowProblem
from corpus.tables import Row, read_table
from corpus.values import (
    MAX_NAME_CHARS,
    MAX_POSTCODE_CHARS,
    ValueProblem,
    parse_company_number,
    short_text,
)

SIC_COLUMNS = [f"sic_{i}" for i in range(1, 5)]
COLUMNS = {
    "name": ["CompanyName"],
    "company_number": ["CompanyNumber"],
    "postcode": ["RegAddress.PostCode"],
    "status": ["CompanyStatus"],
    "category": ["CompanyCategory"],
    **{f"sic_{i}": [f"SICCode.SicText_{i}"] for i in range(1, 5)},
}


def sic_code(text: str) -> str | None:
    """'62012 - Business and domestic software development' -> '62012'."""
    code = text.split("-", 1)[0].strip()
    return code if code.isdigit() and len(code) in (4, 5) else None


def company_from_row(row: Row, geocoder: Geocoder) -> OrganisationRecord:
    number = parse_company_number(row.get("company_number"))
    if number is None:
        raise ValueProblem("no CompanyNumber")
    name = short_text(" ".join(row.get("name").split()), "name", MAX_NAME_CHARS)
    kind = infer_kind(name) if name else None
    record = OrganisationRecord(
        name=name,
        kind="business" if kind == "other" else kind,
        company_number=number,
        sic_codes=[c for c in (sic_code(row.get(col)) for col in SIC_COLUMNS) if c],
        tags=[t for t in (row.get("category"),) if t],
        enrich_only=not name,
        line=row.line,
    )
    if postcode := short_text(row.get("postcode"), "postcode", MAX_POSTCODE_CHARS):
        locate_record(record, postcode, geocoder)
    return record


def read_companies_house(path: Path, geocoder: Geocoder, max_bytes: int) -> ParsedFile:
    table = read_table(path, COLUMNS, required=["company_number"], max_bytes=max_bytes)
    parsed = ParsedFile(source="Companies House", rows_read=len(table.rows))
    parsed.rows_read += len(table.bad_rows)
    parsed.problems += [RowProblem(line, reason) for line, reason in table.bad_rows]
    if "name" not in table.columns:
        parsed.notes.append(
            "no CompanyName column: rows only enrich organisations already in the "
            "directory with the same company number"
        )
    geocoder.prime(row.get("postcode") for row in table.rows)
    for row in table.rows:
        if row.get("status").lower().startswith("dissolved"):
            parsed.problems.append(RowProblem(row.line, "company is dissolved"))
            continue
        try:
            parsed.organisations.append(company_from_row(row, geocoder))
        except ValueProblem as exc:
            parsed.problems.append(RowProblem(row.line, str(exc)))
    return parsed
