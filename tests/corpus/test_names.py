"""corpus.names: the normal form used to match names, and the kind a name implies."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from corpus.names import infer_kind, normalise_name
from corpus.records import KINDS

# --- normalise_name --------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "normal"),
    [
        ("Rolls-Royce PLC", "rolls royce"),
        ("Rolls-Royce plc", "rolls royce"),
        ("Haydale Limited", "haydale"),
        ("Haydale Ltd.", "haydale"),
        ("Smith & Jones LLP", "smith and jones"),
        ("Smith and Jones L.L.P.", "smith and jones"),
        ("Acme Public Limited Company", "acme"),
        ("The University of Manchester", "university of manchester"),
        ("Café Nero", "cafe nero"),
        ("  Heriot-Watt   University ", "heriot watt university"),
        (
            "Dept for Env Food & Rural Affairs  DEFRA",
            "dept for env food and rural affairs defra",
        ),
        ("Theatre Royal", "theatre royal"),  # only a whole leading 'the' goes
        ("Ltdco", "ltdco"),  # suffixes only as whole words
        ("", ""),
    ],
)
def test_normalise_name(name: str, normal: str) -> None:
    assert normalise_name(name) == normal


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Rolls-Royce PLC", "rolls royce"),
        ("Micro Materials Limited", "Micro Materials Ltd"),
        ("QinetiQ Ltd", "Qinetiq Ltd"),
        ("GlaxoSmithKline PLC", "GlaxoSmithKline"),
        ("Marks & Spencer", "Marks and Spencer plc"),
        ("Société Générale", "SOCIETE GENERALE"),
        ("Nestlé", "Nestle"),
        ("The Woodland Trust", "Woodland Trust"),
    ],
)
def test_variants_of_one_name_normalise_equal(a: str, b: str) -> None:
    assert normalise_name(a) == normalise_name(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Haydale", "Hay Dale"),
        ("University of Bath", "Bath Spa University"),
        ("Micro Materials Ltd", "Micro Material Ltd"),
    ],
)
def test_different_names_stay_different(a: str, b: str) -> None:
    assert normalise_name(a) != normalise_name(b)


def test_gtr_same_name_pairs_normalise_together(data_dir: Path) -> None:
    with (data_dir / "gtr_organisations.csv").open(encoding="utf-8") as handle:
        names = [row["name"] for row in csv.DictReader(handle)]
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(normalise_name(name), []).append(name)
    shared = {k: sorted(v) for k, v in groups.items() if len(v) > 1}
    assert shared == {
        "glaxosmithkline": ["GlaxoSmithKline", "GlaxoSmithKline PLC"],
        "haydale": ["Haydale", "Haydale Limited"],
        "micro materials": ["Micro Materials Limited", "Micro Materials Ltd"],
        "qinetiq": ["QinetiQ Ltd", "Qinetiq Ltd"],
    }


# Characters whose upper and lower case map one to one (so 'ß' -> 'SS', dotless
# 'ı' -> 'I' and final 'ς' -> 'Σ' -> 'σ' are left to the explicit tests below).
def _simple_case(c: str) -> bool:
    up, low = c.upper(), c.lower()
    return len(up) == len(low) == 1 and up.lower() == low and low.upper() == up


_CASE_TEXT = st.text(st.characters(codec="utf-8").filter(_simple_case))


@given(st.text())
def test_normalise_name_is_idempotent_for_arbitrary_text(text: str) -> None:
    once = normalise_name(text)
    assert normalise_name(once) == once


@given(_CASE_TEXT)
def test_normalise_name_is_case_insensitive(text: str) -> None:
    normal = normalise_name(text)
    assert normalise_name(text.upper()) == normal
    assert normalise_name(text.lower()) == normal
    assert normalise_name(text.swapcase()) == normal


@given(st.text())
def test_normalise_name_output_is_lower_case_and_trimmed(text: str) -> None:
    normal = normalise_name(text)
    assert normal == normal.strip()
    assert "  " not in normal
    assert normal.lower() == normal
    assert "&" not in normal


_NAME_WORDS = st.sampled_from(
    ["the", "The", "ltd", "Ltd.", "limited", "plc", "l", "p", "&", "and", "Acme", "-"]
)


@given(st.lists(_NAME_WORDS, max_size=6).map(" ".join))
@example("The The Company")
@example("l l ltd p")
def test_normalise_name_is_idempotent_for_name_like_text(text: str) -> None:
    once = normalise_name(text)
    assert normalise_name(once) == once


def test_normalise_name_folds_sharp_s() -> None:
    assert normalise_name("Großmann GmbH") == normalise_name("GROSSMANN GMBH")


# --- infer_kind ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        # names from the GtR organisations fixture
        ("University of Strathclyde", "university"),
        ("Imperial College London", "university"),
        ("The University of Manchester", "university"),
        ("Haydale Limited", "business"),
        ("Rolls-Royce plc", "business"),
        ("BAE Systems", "business"),
        ("Arup Group Ltd", "business"),
        ("Environmental Research Institute", "research organisation"),
        ("National Physical Laboratory NPL", "research organisation"),
        ("Taylor Haig Foundation", "charity"),
        ("BRE Trust", "charity"),
        ("Haydale", "other"),
        ("CAFOD", "other"),
        # other real organisations
        ("City of Edinburgh Council", "public body"),
        ("Royal Free London NHS Foundation Trust", "public body"),
        ("NHS Greater Glasgow and Clyde Health Board", "public body"),
        ("Medical Research Council", "research organisation"),
        ("Engineering and Physical Sciences Research Council", "research organisation"),
        ("High Value Manufacturing Catapult", "research organisation"),
        ("The Woodland Trust", "charity"),
        ("Royal Society of Chemistry", "charity"),
        ("Scottish Enterprise", "public body"),
        ("Environment Agency", "public body"),
        ("Met Office", "public body"),
        ("Siemens AG", "business"),
        ("Glasgow School of Art", "university"),
    ],
)
def test_infer_kind(name: str, kind: str) -> None:
    assert infer_kind(name) == kind


def test_infer_kind_is_case_insensitive_and_whole_word() -> None:
    assert infer_kind("UNIVERSITY OF GLASGOW") == "university"
    assert infer_kind("haydale ltd") == "business"
    # 'trust' inside another word is not a charity; 'co' inside 'Costain' no firm
    assert infer_kind("Trustpilot") == "other"
    assert infer_kind("Costain") == "other"


def test_infer_kind_always_gives_a_known_kind(data_dir: Path) -> None:
    with (data_dir / "gtr_organisations.csv").open(encoding="utf-8") as handle:
        kinds = [infer_kind(row["name"]) for row in csv.DictReader(handle)]
    assert set(kinds) <= set(KINDS)
    # 'Technology Strategy Board' counts as a business: the business words are
    # tried before 'board' (a heuristic's limit, noted in the report)
    assert Counter(kinds) == {
        "university": 20,
        "business": 17,
        "other": 12,
        "research organisation": 3,
        "charity": 2,
    }


@given(st.text())
def test_infer_kind_total_on_arbitrary_text(text: str) -> None:
    assert infer_kind(text) in KINDS
