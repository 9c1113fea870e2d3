"""Location quotients and baseline shares."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clustering.specialisation import (
    SectorShare,
    baseline_shares,
    dominant_sector,
    location_quotients,
)


def test_location_quotients_by_hand() -> None:
    members = pd.Series(["A"] * 6 + ["B"] * 3 + ["C"])
    shares = pd.Series({"A": 0.2, "B": 0.6, "C": 0.2})
    mix = location_quotients(members, shares)
    assert [(s.name, s.count) for s in mix] == [("A", 6), ("B", 3), ("C", 1)]
    assert mix[0].share == pytest.approx(0.6)
    assert mix[0].lq == pytest.approx(3.0)  # 60% of the group, 20% of the baseline
    assert mix[1].lq == pytest.approx(0.5)  # 30% vs 60%
    assert mix[2].lq == pytest.approx(0.5)  # 10% vs 20%
    assert sum(s.share for s in mix) == pytest.approx(1.0)


def test_location_quotients_are_sorted_largest_first_then_by_name() -> None:
    members = pd.Series(["Z", "B", "B", "A", "Z", "Q", "Z"])
    shares = pd.Series({"A": 0.25, "B": 0.25, "Q": 0.25, "Z": 0.25})
    assert [s.name for s in location_quotients(members, shares)] == [
        "Z",
        "B",
        "A",
        "Q",
    ]


def test_sector_missing_from_the_baseline_has_no_lq() -> None:
    mix = location_quotients(pd.Series(["A", "New"]), pd.Series({"A": 1.0}))
    assert mix[0].lq == pytest.approx(0.5)
    assert mix[1] == SectorShare("New", 1, 0.5, None)


def test_unknown_sectors_are_left_out_of_the_mix() -> None:
    members = pd.Series(["A", None, np.nan, "A", "B"])
    mix = location_quotients(members, pd.Series({"A": 0.5, "B": 0.5}))
    assert [(s.name, s.count, s.share) for s in mix] == [
        ("A", 2, 2 / 3),
        ("B", 1, 1 / 3),
    ]
    assert location_quotients(pd.Series([None, None]), pd.Series({"A": 1.0})) == []


def test_dominant_sector() -> None:
    mix = location_quotients(
        pd.Series(["B", "A", "B"]), pd.Series({"A": 0.5, "B": 0.5})
    )
    top = dominant_sector(mix)
    assert top is not None and top.name == "B"
    assert dominant_sector([]) is None


def test_baseline_shares_from_the_directory_itself() -> None:
    sectors = pd.Series(["A", "A", "A", "B", None])
    shares = baseline_shares(sectors)
    assert shares.to_dict() == pytest.approx({"A": 0.75, "B": 0.25})
    assert shares.sum() == pytest.approx(1.0)


def test_baseline_shares_from_a_table_of_counts() -> None:
    sectors = pd.Series(["A", "A", "A", "B"])
    table = pd.Series({"A": 10, "B": 30, "C": 60})
    shares = baseline_shares(sectors, table)
    assert shares.to_dict() == pytest.approx({"A": 0.1, "B": 0.3, "C": 0.6})
    # a group that is 75% A against the national 10%: LQ 7.5
    assert location_quotients(sectors, shares)[0].lq == pytest.approx(7.5)


def test_an_empty_table_falls_back_to_the_directory() -> None:
    sectors = pd.Series(["A", "B"])
    shares = baseline_shares(sectors, pd.Series({"A": 0, "B": 0}))
    assert shares.to_dict() == pytest.approx({"A": 0.5, "B": 0.5})


def test_no_sectors_at_all_gives_empty_shares() -> None:
    assert baseline_shares(pd.Series([], dtype=object)).empty
    assert baseline_shares(pd.Series([None, None], dtype=object)).empty


def test_a_table_covering_none_of_the_sectors_falls_back_to_the_directory() -> None:
    sectors = pd.Series(["A", "A", "B"])
    shares = baseline_shares(sectors, pd.Series({"X": 5, "Y": 5}))
    assert shares.to_dict() == pytest.approx({"A": 2 / 3, "B": 1 / 3})
