"""Importer for the collaborations CSV: ``org_a, org_b`` (names or ids) and optional
``weight, project, topic, year``."""

from __future__ import annotations

from pathlib import Path

from corpus.records import CollaborationRecord, ParsedFile, RowProblem
from corpus.tables import Row, read_table
from corpus.values import (
    MAX_NAME_CHARS,
    ValueProblem,
    parse_number,
    parse_year,
    short_text,
    shown,
)

COLUMNS = {
    "org_a": ["org_a", "organisation_a", "source"],
    "org_b": ["org_b", "organisation_b", "target"],
    "weight": ["weight"],
    "project": ["project"],
    "topic": ["topic"],
    "year": ["year"],
}


def collaboration_from_row(row: Row) -> CollaborationRecord:
    org_a, org_b = (
        short_text(" ".join(row.get(c).split()), c, MAX_NAME_CHARS)
        for c in ("org_a", "org_b")
    )
    if not org_a or not org_b:
        raise ValueProblem("org_a and org_b must both be given")
    if org_a.casefold() == org_b.casefold():
        raise ValueProblem(f"self-collaboration: {shown(org_a)} with itself")
    weight = parse_number(row.get("weight"), "weight")
    if weight == 0:
        raise ValueProblem("weight is 0")
    return CollaborationRecord(
        org_a=org_a,
        org_b=org_b,
        weight=1.0 if weight is None else weight,
        project=row.get("project") or None,
        topic=row.get("topic") or None,
        year=parse_year(row.get("year")),
        line=row.line,
    )


def read_collaborations(path: Path, max_bytes: int) -> ParsedFile:
    table = read_table(path, COLUMNS, required=["org_a", "org_b"], max_bytes=max_bytes)
    parsed = ParsedFile(source=f"collaborations file {path.name}")
    parsed.rows_read = len(table.rows) + len(table.bad_rows)
    parsed.problems += [RowProblem(line, reason) for line, reason in table.bad_rows]
    if table.ignored_columns:
        parsed.notes.append(f"ignored columns: {', '.join(table.ignored_columns)}")
    for row in table.rows:
        try:
            parsed.collaborations.append(collaboration_from_row(row))
        except ValueProblem as exc:
            parsed.problems.append(RowProblem(row.line, str(exc)))
    return parsed
