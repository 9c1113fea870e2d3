"""SIC 2007 sections: the broad sectors of organisations known only by SIC codes,
and national counts per section to measure specialisation against."""

from __future__ import annotations

import csv
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd

from corpus.tables import FileRefused

BUNDLED_COUNTS = "companies_house_sic_counts.tsv"


def _bundled(name: str) -> Path:
    return Path(str(resources.files("corpus") / "sic2007" / name))


@lru_cache(maxsize=1)
def sic_sections() -> dict[str, str]:
    """Every SIC 2007 code (section letter, division, group, class, subclass, with
    and without its dot) -> the name of its section, e.g. '62012' -> 'Information
    and communication'."""
    parent: dict[str, str] = {}
    names: dict[str, str] = {}
    with _bundled("uk_sic_2007.tsv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            code = row["industrial-classification-2007"].strip()
            names[code] = row["name"].strip()
            parent[code] = row["parent"].strip().rpartition(":")[2]
    sections: dict[str, str] = {}
    for code in names:
        top = code
        while parent.get(top):
            top = parent[top]
        sections[code] = names[top]
        sections[code.replace(".", "").replace("/", "")] = names[top]
    return sections


def section_of(code: str) -> str | None:
    """Section name of a SIC code ('62012', '6201', '62.01/2'), None if unknown."""
    table = sic_sections()
    key = str(code).strip().replace(".", "").replace("/", "")
    for candidate in (key, key[:4]):  # a subclass, else its class
        if candidate and candidate in table:
            return table[candidate]
    return None


def national_section_counts(path: Path | None = None) -> pd.Series:
    """Registered companies per SIC section from a Companies House counts table
    (industrial-classification, name, count); the bundled one when path is None."""
    source = path or _bundled(BUNDLED_COUNTS)
    try:
        frame = pd.read_csv(source, sep="\t", dtype={"industrial-classification": str})
    except (OSError, ValueError, pd.errors.ParserError) as error:
        raise FileRefused(
            f"cannot read the baseline table {source}: {error}"
        ) from error
    if not {"industrial-classification", "count"} <= set(frame.columns):
        raise FileRefused(
            f"{source}: a baseline table needs columns industrial-classification "
            "and count"
        )
    counts = pd.to_numeric(frame["count"], errors="coerce").fillna(0)
    sections = frame["industrial-classification"].map(section_of)
    return counts.groupby(sections).sum().astype(float)
