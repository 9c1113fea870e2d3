"""corpus.collaborations: org_a/org_b rows on the GtR fixture and on bad rows."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from corpus.collaborations import read_collaborations
from corpus.records import CollaborationRecord, ParsedFile, RowProblem
from corpus.tables import FileRefused
from tests.conftest import MAX_BYTES


@pytest.fixture(scope="module")
def gtr(data_dir: Path) -> ParsedFile:
    return read_collaborations(data_dir / "gtr_collaborations.csv", MAX_BYTES)


@pytest.fixture(scope="module")
def raw_rows(data_dir: Path) -> list[dict[str, str]]:
    with (data_dir / "gtr_collaborations.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def write(folder: Path, *lines: str) -> Path:
    path = folder / "links.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_gtr_rows_read_and_self_loops_are_problems(
    gtr: ParsedFile, raw_rows: list[dict[str, str]]
) -> None:
    assert gtr.source == "collaborations file gtr_collaborations.csv"
    assert gtr.rows_read == 443
    assert len(gtr.collaborations) == 443 - 21
    assert len(gtr.problems) == 21
    loops = [i + 2 for i, r in enumerate(raw_rows) if r["org_a"] == r["org_b"]]
    assert [p.line for p in gtr.problems] == loops
    assert loops[:3] == [2, 8, 16]
    assert gtr.problems[0] == RowProblem(
        2, "self-collaboration: 'Edinburgh Napier University' with itself"
    )
    for problem, line in zip(gtr.problems, loops, strict=True):
        name = raw_rows[line - 2]["org_a"]
        assert problem.reason == f"self-collaboration: {name!r} with itself"
    assert gtr.notes == []


def test_gtr_records_keep_weights_topics_and_lines(
    gtr: ParsedFile, raw_rows: list[dict[str, str]]
) -> None:
    first = gtr.collaborations[0]
    assert first == CollaborationRecord(
        org_a="University of Southampton",
        org_b="Durham University",
        weight=1.0,
        topic="Arts and Humanities",
        line=3,
    )
    for record in gtr.collaborations:
        assert record.line is not None
        row = raw_rows[record.line - 2]
        # names are kept, with runs of spaces collapsed ('... Affairs  DEFRA')
        assert record.org_a == " ".join(row["org_a"].split())
        assert record.org_b == " ".join(row["org_b"].split())
        assert record.weight == float(row["weight"])
        assert record.topic == row["topic"]
        assert record.project is None
        assert record.year is None
    defra = "Dept for Env Food & Rural Affairs DEFRA"
    assert any(defra in (r.org_a, r.org_b) for r in gtr.collaborations)
    weights = Counter(r.weight for r in gtr.collaborations)
    assert set(weights) <= {1.0, 2.0, 3.0, 4.0, 6.0}
    assert sum(weights.values()) == 422


def test_bad_weights_years_and_names(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Source,Target,Weight,Year,Project,Topic,Funder",
        "Acme Ltd,Beta Ltd,2.5,2019,P1,Materials,EPSRC",  # 2
        "Acme Ltd,Beta Ltd,0,2019,,,",  # 3
        "Acme Ltd,Beta Ltd,-1,,,,",  # 4
        "Acme Ltd,Beta Ltd,,twenty,,,",  # 5
        "Acme Ltd,Beta Ltd,,1850,,,",  # 6
        "Acme Ltd,,1,,,,",  # 7
        ",Beta Ltd,1,,,,",  # 8
        "ACME  LTD,acme ltd,1,,,,",  # 9 same name, another case and spacing
        "Acme Ltd,Beta Ltd,heavy,,,,",  # 10
        "Acme Ltd,Beta Ltd,,,,,,surplus",  # 11
        "Acme Ltd,Gamma Ltd,,,,,",  # 12 weight defaults to 1
    )
    parsed = read_collaborations(path, MAX_BYTES)
    assert parsed.rows_read == 11
    assert parsed.notes == ["ignored columns: Funder"]
    assert sorted(parsed.problems, key=lambda p: p.line) == [
        RowProblem(3, "weight is 0"),
        RowProblem(4, "weight '-1' is negative"),
        RowProblem(5, "year 'twenty' is not a whole number"),
        RowProblem(6, "year '1850' is not a plausible year"),
        RowProblem(7, "org_a and org_b must both be given"),
        RowProblem(8, "org_a and org_b must both be given"),
        RowProblem(9, "self-collaboration: 'ACME LTD' with itself"),
        RowProblem(10, "weight 'heavy' is not a number"),
        RowProblem(11, "8 fields but the header has 7 columns"),
    ]
    assert parsed.collaborations == [
        CollaborationRecord(
            org_a="Acme Ltd",
            org_b="Beta Ltd",
            weight=2.5,
            project="P1",
            topic="Materials",
            year=2019,
            line=2,
        ),
        CollaborationRecord(org_a="Acme Ltd", org_b="Gamma Ltd", weight=1.0, line=12),
    ]


def test_missing_org_b_column_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "org_a,partner,weight", "Acme Ltd,Beta Ltd,1")
    with pytest.raises(FileRefused) as caught:
        read_collaborations(path, MAX_BYTES)
    message = str(caught.value)
    assert "missing required column(s) org_b" in message
    assert "org_a, partner, weight" in message


def test_header_alias_spellings(tmp_path: Path) -> None:
    path = write(tmp_path, "Organisation A,ORGANISATION_B", "Acme Ltd,Beta Ltd")
    [record] = read_collaborations(path, MAX_BYTES).collaborations
    assert (record.org_a, record.org_b, record.weight) == ("Acme Ltd", "Beta Ltd", 1.0)


def test_long_names_are_refused_and_quoted_short(tmp_path: Path) -> None:
    """Found by fuzzing: a self-collaboration quoted a 5,000-character name whole."""
    long_name = "Q" * 5000
    path = write(tmp_path, "org_a,org_b", f"{long_name},{long_name}", "Acme,acme")
    parsed = read_collaborations(path, MAX_BYTES)
    assert parsed.problems == [
        RowProblem(
            2, f"org_a '{'Q' * 37}...' is 5,000 characters long; at most 300 expected"
        ),
        RowProblem(3, "self-collaboration: 'Acme' with itself"),
    ]
