"""Fuzzing the four record importers (CSV and XLSX) and document indexing through
their entry points: any file is imported or refused whole with a clear message, and
a refused file changes nothing. bench/fuzz.py runs the same with many more cases."""

from __future__ import annotations

import csv
import io
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus.tables import FileRefused
from portal import services
from portal.settings import Settings
from tests.fuzz import strategies as fuzz
from tests.fuzz.properties import (
    check_document,
    check_import,
    table_counts,
    written,
)

FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)


@pytest.mark.parametrize("kind", services.IMPORT_KINDS)
@FUZZ
@given(data=st.data())
def test_any_file_is_imported_or_refused_whole(
    imports_workspace: Settings, kind: str, data: st.DataObject
) -> None:
    check_import(imports_workspace, kind, data.draw(fuzz.import_file(kind), "file"))


@FUZZ
@given(file=fuzz.document_file())
def test_any_document_is_indexed_or_refused(
    indexed_workspace: Settings, file: tuple[str, bytes]
) -> None:
    check_document(indexed_workspace, file)


# --- the cases the issue names, each run every time --------------------------------


def members_csv(*rows: list[str], header: str = "name,postcode") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return (header + "\n" + buffer.getvalue()).encode("utf-8")


REFUSED = {
    "unbalanced quote": (b'name,postcode\n"Acme Ltd,EH1 1YZ\nBeta,G1 1XQ\n', "malformed CSV"),
    "empty header": (b"\nAcme Ltd,EH1 1YZ\n", "missing required column(s) name"),
    "latin-1": ("name\nCafé Ltd\n".encode("latin-1"), "not UTF-8 text"),
    "UTF-16 with BOM": ("name\nAcme Ltd\n".encode("utf-16"), "UTF-16/32 text"),
    "UTF-16 without BOM": ("name\nAcme Ltd\n".encode("utf-16-le"), "UTF-16/32 text"),
    "mixed encodings": ("name\nCafé\n".encode() + "Thé\n".encode("latin-1"), "line 3"),
    "NUL bytes": (b"name\nAcme\x00 Ltd\n", "binary content (NUL bytes)"),
    "100,000 columns in the header": (b"name" + b",x" * 99_999 + b"\n", "100000 columns"),
    "a field over 1 MiB": (members_csv(["a" * (1 << 20) + "a", "EH1"]), "field larger"),
    "control characters in the header": (b"\x1b[2J,\x07\nAcme\n", "has: \\x1b[2J, \\x07"),
}  # fmt: skip


@pytest.mark.parametrize("case", REFUSED)
def test_named_bad_files_are_refused_clearly(
    imports_workspace: Settings, case: str
) -> None:
    data, reason = REFUSED[case]
    with (
        written("members.csv", data) as path,
        pytest.raises(FileRefused, match=re.escape(reason)),
    ):
        services.parse_import(imports_workspace, "organisations", path)
    assert (
        check_import(imports_workspace, "organisations", ("m.csv", data)) == "refused"
    )


def test_ragged_wide_duplicate_and_header_only_files_import_what_they_can(
    imports_workspace: Settings,
) -> None:
    wide = ["Wide Ltd", "EH1"] + ["x"] * 99_998
    data = members_csv(
        ["Short Ltd"], ["Fine Ltd", "G1 1XQ"], wide, header="name,postcode"
    )
    with written("members.csv", data) as path:
        parsed = services.parse_import(imports_workspace, "organisations", path)
    assert [o.name for o in parsed.organisations] == ["Short Ltd", "Fine Ltd"]
    assert [p.reason for p in parsed.problems] == [
        "100000 fields but the header has 2 columns"
    ]
    repeated = b"name,Name,postcode,name\nTwice Ltd,Other,EH1,Third\n"
    with written("members.csv", repeated) as path:
        parsed = services.parse_import(imports_workspace, "organisations", path)
    assert [o.name for o in parsed.organisations] == ["Twice Ltd"]
    assert parsed.notes == ["ignored columns: Name, name"]
    before = table_counts(imports_workspace)
    assert check_import(imports_workspace, "organisations", ("h.csv", b"name\n")) == (
        "nothing to import"
    )
    assert table_counts(imports_workspace) == before


@pytest.mark.parametrize("lie", [False, True], ids=["honest", "lying sizes"])
@pytest.mark.parametrize("kind", ["workbook", "document"])
def test_zip_bombs_are_refused_and_change_nothing(
    imports_workspace: Settings, indexed_workspace: Settings, kind: str, lie: bool
) -> None:
    if kind == "workbook":
        bomb = fuzz.zip_bomb("xl/worksheets/sheet1.xml", 60, lie)
        outcome = check_import(imports_workspace, "innovate-uk", ("bomb.xlsx", bomb))
    else:
        bomb = fuzz.zip_bomb("word/document.xml", 60, lie)
        outcome = check_document(indexed_workspace, ("bomb.docx", bomb))
    assert len(bomb) < 300_000
    assert outcome == "refused"


def test_a_company_number_another_record_has_is_a_skipped_row(
    imports_workspace: Settings,
) -> None:
    """Found by fuzzing: a row matched by id that takes another record's company
    number let sqlite's IntegrityError out; it is now a skipped row."""
    first = b"name,company_number\nConflict One Ltd,SC999001\n"
    assert check_import(imports_workspace, "organisations", ("a.csv", first)) == (
        "imported"
    )
    second = b"id,name,company_number\narup-group-ltd,Arup Group Ltd,SC999001\n"
    before = table_counts(imports_workspace)
    with written("b.csv", second) as path:
        report = services.import_file(imports_workspace, "organisations", path, "fuzz")
    assert table_counts(imports_workspace) == before
    [problem] = report.skipped
    assert "Conflict One Ltd" in problem.reason and "SC999001" in problem.reason
