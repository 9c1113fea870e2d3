"""Organisations like you work with …: whom an organisation's peers (same kind,
sector and country) partner with in the known network, as a smoothed share.

A newcomer has no partners of its own, but its peers have: a Welsh engineering
business is likely to work with whom other Welsh engineering businesses work with.
Each peer group's partner counts are smoothed towards coarser groups (kind and
country, then kind, then everyone) by Witten–Bell interpolation, which needs no
tuned constant: a group that has seen many distinct partners trusts its own counts
less than one that keeps returning to the same few.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

# finest first; each level backs off to the next, the last to a uniform share
LEVELS: tuple[tuple[str, ...], ...] = (
    ("kind", "sector", "country"),
    ("kind", "country"),
    ("kind",),
    (),
)
COUNTRY_ADJECTIVES = {
    "England": "English",
    "Scotland": "Scottish",
    "Wales": "Welsh",
    "Northern Ireland": "Northern Irish",
}


@dataclass
class _Level:
    """One grouping: each group's partnerships with every organisation."""

    attributes: tuple[str, ...]
    index: dict[tuple[str, ...], int]
    counts: sp.csr_matrix  # groups × organisations: members partnered with it
    totals: np.ndarray  # each group's partnerships in all
    distinct: np.ndarray  # how many different organisations each group partners
    active: np.ndarray  # each group's members with at least one partner


def _plural(kind: str) -> str:
    if kind in ("", "other"):
        return "other organisations"
    if kind.endswith("y") and kind[-2:-1] not in "aeiou":
        return kind[:-1] + "ies"
    return kind + ("es" if kind.endswith("s") else "s")


class PeerProfile:
    """Whom each peer group partners with, smoothed; built once per network."""

    def __init__(
        self,
        kinds: Iterable[object],
        sectors: Sequence[Sequence[str]],
        countries: Iterable[object],
        adjacency: sp.csr_matrix,
    ) -> None:
        self.n = adjacency.shape[0]
        self.kinds = [str(k) for k in kinds]
        self.countries = [str(c) for c in countries]
        # an organisation with no sector is its own "no sector" peer group
        self.sectors = [sorted(set(s)) or [""] for s in sectors]
        has_partner = (np.diff(adjacency.indptr) > 0).astype(np.float64)
        self.levels = [
            self._level(attributes, adjacency, has_partner) for attributes in LEVELS
        ]

    def _key(
        self, row: int, sector: str, attributes: tuple[str, ...]
    ) -> tuple[str, ...]:
        values = {
            "kind": self.kinds[row],
            "sector": sector,
            "country": self.countries[row],
        }
        return tuple(values[a] for a in attributes)

    def _level(
        self,
        attributes: tuple[str, ...],
        adjacency: sp.csr_matrix,
        has_partner: np.ndarray,
    ) -> _Level:
        keys = {
            (row, self._key(row, sector, attributes))
            for row in range(self.n)
            for sector in self.sectors[row]
        }
        index = {key: i for i, key in enumerate(sorted({k for _, k in keys}))}
        rows = np.array([r for r, _ in keys], dtype=np.int64)
        groups = np.array([index[k] for _, k in keys], dtype=np.int64)
        membership = sp.csr_matrix(
            (np.ones(len(rows)), (groups, rows)), shape=(max(len(index), 1), self.n)
        )
        counts = (membership @ adjacency).tocsr()
        return _Level(
            attributes,
            index,
            counts,
            np.asarray(counts.sum(axis=1)).ravel(),
            np.diff(counts.indptr),
            membership @ has_partner,
        )

    def shares(self, row: int) -> np.ndarray:
        """For every organisation, the smoothed share of this organisation's peers'
        partnerships that go to it (averaged over the organisation's sectors)."""
        found = np.zeros(self.n)
        for sector in self.sectors[row]:
            share = np.full(self.n, 1.0 / max(self.n, 1))
            for level in reversed(self.levels):
                group = level.index.get(self._key(row, sector, level.attributes))
                if group is None or level.totals[group] == 0:
                    continue
                counts = _dense_row(level.counts, group)
                distinct = level.distinct[group]
                share = (counts + distinct * share) / (level.totals[group] + distinct)
            found += share
        return found / len(self.sectors[row])

    def evidence(self, row: int, candidate: int, name: str) -> str:
        """The finest peer group of ``row`` that partners with ``candidate``, in
        words: "14 of the 40 Welsh businesses in Engineering with partners work with
        Cardiff University"."""
        for level in self.levels[:-1]:
            best: tuple[float, str, int, int] | None = None
            for sector in self.sectors[row]:
                group = level.index.get(self._key(row, sector, level.attributes))
                if group is None:
                    continue
                count = int(level.counts[group, candidate])
                active = int(level.active[group])
                if count and (best is None or count / active > best[0]):
                    best = (count / active, sector, count, active)
            if best is not None:
                _, sector, count, active = best
                peers = self.describe(row, sector, level.attributes)
                verb = "works" if count == 1 else "work"
                return f"{count:,} of the {active:,} {peers} with partners {verb} with {name}"
        return f"no {_plural(self.kinds[row])} work with {name} yet"

    def describe(self, row: int, sector: str, attributes: tuple[str, ...]) -> str:
        """A peer group in words: "Welsh businesses in Engineering and Technology"."""
        text = _plural(self.kinds[row])
        if "sector" in attributes and sector:
            text += f" in {sector}"
        if "country" in attributes:
            country = self.countries[row]
            if country in COUNTRY_ADJECTIVES:
                text = f"{COUNTRY_ADJECTIVES[country]} {text}"
            elif country:
                text += f" in {country}"
            else:
                text += " with no known country"
        return text


def _dense_row(matrix: sp.csr_matrix, row: int) -> np.ndarray:
    found = np.zeros(matrix.shape[1])
    start, end = matrix.indptr[row], matrix.indptr[row + 1]
    found[matrix.indices[start:end]] = matrix.data[start:end]
    return found
