"""SIC 2007 sections and the national baseline counts."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.sic import national_section_counts, section_of
from corpus.tables import FileRefused


@pytest.mark.parametrize(
    ("code", "section"),
    [
        ("62012", "Information and communication"),  # subclass
        ("6201", "Information and communication"),  # class
        ("62.01/2", "Information and communication"),  # dotted form
        ("01110", "Agriculture, forestry and fishing"),  # subclass -> class
        ("72110", "Professional, scientific and technical activities"),
        ("21100", "Manufacturing"),
    ],
)
def test_codes_map_to_their_section(code: str, section: str) -> None:
    assert section_of(code) == section


@pytest.mark.parametrize("code", ["99999", "74990", "", "abc", "00000"])
def test_companies_house_special_and_unknown_codes_have_no_section(code: str) -> None:
    assert section_of(code) is None


def test_bundled_counts_cover_all_21_sections() -> None:
    counts = national_section_counts()
    assert len(counts) == 21
    assert counts.idxmax() == "Professional, scientific and technical activities"
    assert (counts > 0).all()


def test_a_custom_table_is_summed_by_section(tmp_path: Path) -> None:
    table = tmp_path / "counts.tsv"
    table.write_text(
        "industrial-classification\tname\tcount\n62012\tsoftware\t10\n"
        "62020\tconsultancy\t5\n21100\tpharma\t3\n99999\tdormant\t100\n"
    )
    counts = national_section_counts(table)
    assert counts.to_dict() == {
        "Information and communication": 15.0,
        "Manufacturing": 3.0,
    }


def test_a_table_without_counts_is_refused(tmp_path: Path) -> None:
    table = tmp_path / "bad.tsv"
    table.write_text("code\tname\n62012\tsoftware\n")
    with pytest.raises(FileRefused, match="industrial-classification and count"):
        national_section_counts(table)
