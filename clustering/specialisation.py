"""Location quotients: how much more of a sector a cluster has than the baseline."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class SectorShare:
    name: str
    count: int
    share: float
    lq: float | None  # None when the baseline has no such sector


def baseline_shares(sectors: pd.Series, baseline: pd.Series | None = None) -> pd.Series:
    """Share of each sector in the baseline: a given table of counts (e.g. national
    SIC counts) when it covers the sectors, else the whole directory's sectors."""
    counts = sectors.dropna().value_counts()
    if (
        baseline is not None
        and float(baseline.sum()) > 0
        and counts.index.isin(baseline.index).any()
    ):
        return (baseline / baseline.sum()).astype(float)
    return (
        (counts / counts.sum()).astype(float) if len(counts) else counts.astype(float)
    )


def location_quotients(
    member_sectors: pd.Series, shares: pd.Series
) -> list[SectorShare]:
    """Sector mix of a group, largest first, each with its LQ against ``shares``:
    (sector's share of the group) / (sector's share of the baseline)."""
    counts = member_sectors.dropna().value_counts()
    total = int(counts.sum())
    mix = []
    for name, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        share = count / total
        base = float(shares.get(name, 0.0))
        mix.append(
            SectorShare(str(name), int(count), share, share / base if base else None)
        )
    return mix


def dominant_sector(mix: list[SectorShare]) -> SectorShare | None:
    return mix[0] if mix else None
