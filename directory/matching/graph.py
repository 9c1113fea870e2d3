"""What matching scores with: the organisations, their collaboration network, their
clusters and capability vectors, as arrays built once and shared by every request."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from clustering.geometry import haversine_km
from directory.matching.peers import PeerProfile


def _vocabulary(values: Sequence[str]) -> dict[str, int]:
    return {value: i for i, value in enumerate(sorted(set(values)))}


def _indicator(
    rows: Sequence[Sequence[str]], vocabulary: Mapping[str, int]
) -> sp.csr_matrix:
    """Rows × vocabulary 0/1 matrix: which labels each row carries."""
    pairs = [(i, vocabulary[v]) for i, labels in enumerate(rows) for v in set(labels)]
    r, c = (np.array(x, dtype=np.int64) for x in zip(*pairs, strict=True)) if pairs else (
        np.zeros(0, np.int64), np.zeros(0, np.int64)
    )  # fmt: skip
    return sp.csr_matrix(
        (np.ones(len(r)), (r, c)), shape=(len(rows), max(len(vocabulary), 1))
    )


def _symmetric(a: np.ndarray, b: np.ndarray, n: int) -> sp.csr_matrix:
    """0/1 undirected adjacency from index pairs (duplicates and topics collapsed)."""
    m = sp.csr_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
    m = ((m + m.T) > 0).astype(np.float64).tocsr()
    m.setdiag(0)
    m.eliminate_zeros()
    return m


def _lift(counts: np.ndarray) -> np.ndarray:
    """log of observed / expected links between label pairs (add-one smoothed)."""
    totals = counts.sum(axis=1)
    expected = np.outer(totals, totals) / max(counts.sum(), 1.0)
    return np.log((counts + 1.0) / (expected + 1.0))


@dataclass
class MatchingGraph:
    """Organisations as rows 0..n-1 with everything a ranking reads.

    ``links`` are collaboration records (org_a, org_b, topic); a pair collaborating
    on several topics is one partnership in ``adjacency`` and one link per topic in
    ``topic_adjacency``.
    """

    ids: np.ndarray
    names: np.ndarray
    kinds: np.ndarray
    regions: np.ndarray
    countries: np.ndarray
    sectors: list[list[str]]
    lat: np.ndarray
    lon: np.ndarray
    vectors: np.ndarray
    adjacency: sp.csr_matrix
    topic_adjacency: list[sp.csr_matrix]
    clusters: sp.csr_matrix
    cluster_names: list[str]
    sector_index: dict[str, int]
    kind_index: dict[str, int]

    @classmethod
    def build(
        cls,
        organisations: pd.DataFrame,
        links: pd.DataFrame,
        vectors: np.ndarray,
        clusters: Mapping[str, tuple[str, Sequence[str]]] | None = None,
    ) -> MatchingGraph:
        """``organisations``: id, name, kind, region, country, lat, lon, sectors (lists).
        ``links``: org_a, org_b, topic. ``clusters``: id -> (name, member ids).
        Links and members naming unknown organisations are ignored."""
        orgs = organisations.reset_index(drop=True)
        n = len(orgs)
        position = {oid: i for i, oid in enumerate(orgs["id"])}
        left = links["org_a"].map(position)
        right = links["org_b"].map(position)
        known = left.notna() & right.notna() & (left != right)
        a, b = left[known].to_numpy(np.int64), right[known].to_numpy(np.int64)
        topics = links.loc[known, "topic"].fillna("").astype(str).to_numpy()
        topic_adjacency = [
            _symmetric(a[topics == t], b[topics == t], n)
            for t in sorted(set(topics))
            if t
        ]
        cluster_rows: list[list[str]] = [[] for _ in range(n)]
        cluster_names = []
        for cid, (name, members) in (clusters or {}).items():
            cluster_names.append(name)
            for member in members:
                if member in position:
                    cluster_rows[position[member]].append(cid)
        cluster_vocabulary = {cid: i for i, cid in enumerate(clusters or {})}
        sectors = [list(s) for s in orgs["sectors"]]
        sector_index = _vocabulary([s for row in sectors for s in row])
        kinds = orgs["kind"].fillna("other").astype(str).to_numpy()
        return cls(
            ids=orgs["id"].astype(str).to_numpy(),
            names=orgs["name"].astype(str).to_numpy(),
            kinds=kinds,
            regions=orgs["region"].fillna("").astype(str).to_numpy(),
            countries=orgs["country"].fillna("").astype(str).to_numpy(),
            sectors=sectors,
            lat=pd.to_numeric(orgs["lat"]).to_numpy(np.float64),
            lon=pd.to_numeric(orgs["lon"]).to_numpy(np.float64),
            vectors=(
                np.asarray(vectors, dtype=np.float32).reshape(n, -1)
                if n
                else np.zeros((0, 1), dtype=np.float32)
            ),
            adjacency=_symmetric(a, b, n),
            topic_adjacency=topic_adjacency,
            clusters=_indicator(cluster_rows, cluster_vocabulary),
            cluster_names=cluster_names,
            sector_index=sector_index,
            kind_index=_vocabulary(list(kinds)),
        )

    def __post_init__(self) -> None:
        n = len(self.ids)
        self.position = {oid: i for i, oid in enumerate(self.ids)}
        self.degree = np.asarray(self.adjacency.sum(axis=1)).ravel()
        with np.errstate(divide="ignore"):
            # Adamic–Adar and resource allocation weigh a shared partner by its rarity
            self.adamic_weight = np.where(
                self.degree > 1, 1.0 / np.log(np.maximum(self.degree, 2)), 0.0
            )
            self.inverse_degree = np.where(
                self.degree > 0, 1.0 / np.maximum(self.degree, 1), 0.0
            )
            self.inverse_root_degree = np.sqrt(self.inverse_degree)
        self.sector_matrix = _indicator(self.sectors, self.sector_index)
        self.kind_matrix = _indicator([[k] for k in self.kinds], self.kind_index)
        self.sector_links = np.asarray(
            (self.sector_matrix.T @ self.adjacency @ self.sector_matrix).todense()
        )
        self.sector_lift = _lift(self.sector_links)
        self.kind_links = np.asarray(
            (self.kind_matrix.T @ self.adjacency @ self.kind_matrix).todense()
        )
        self.kind_lift = _lift(self.kind_links)
        self.sector_count = np.asarray(self.sector_matrix.sum(axis=1)).ravel()
        # how many of each organisation's partners work in each sector
        self.partner_sectors = (self.adjacency @ self.sector_matrix).tocsr()
        # how many of each organisation's partners have no other partner
        self.newcomer_partners = self.adjacency @ (self.degree == 1).astype(np.float64)
        # the mean capability vector of each organisation's partners
        self.partner_vectors = (
            sp.diags(self.inverse_degree) @ self.adjacency @ self.vectors
        ).astype(np.float32)
        # whom organisations of each kind, sector and country partner with
        self.peers = PeerProfile(
            self.kinds, self.sectors, self.countries, self.adjacency
        )
        # lower-cased once, for filters
        self.kind_keys = np.char.lower(self.kinds.astype(str))
        self.region_keys = np.char.lower(self.regions.astype(str))
        self.country_keys = np.char.lower(self.countries.astype(str))
        self.n = n

    def distances_km(self, lat: float, lon: float) -> np.ndarray:
        """Great-circle distance from a point to every organisation (nan if unplaced)."""
        return haversine_km(lat, lon, self.lat, self.lon)

    def location(self, row: int) -> tuple[float | None, float | None]:
        lat, lon = self.lat[row], self.lon[row]
        if np.isnan(lat) or np.isnan(lon):
            return None, None
        return float(lat), float(lon)

    def partners(self, row: int) -> np.ndarray:
        return self.adjacency.indices[
            self.adjacency.indptr[row] : self.adjacency.indptr[row + 1]
        ]

    def in_sector(self, sector: str) -> np.ndarray:
        """Which organisations work in a sector (any case)."""
        wanted = sector.strip().lower()
        columns = [i for s, i in self.sector_index.items() if s.lower() == wanted]
        if not columns:
            return np.zeros(self.n, dtype=bool)
        return np.asarray(self.sector_matrix[:, columns].sum(axis=1)).ravel() > 0

    def sectors_of(self, row: int) -> np.ndarray:
        return np.array([self.sector_index[s] for s in self.sectors[row]], dtype=int)
