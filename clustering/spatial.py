"""Density clusters of sites on the map (the Innovation Clusters Map's spatial approach).

DBSCAN* on a fine equal-area grid. Sites are binned into cells a quarter of
``distance_km`` wide. A cell is *dense* (a DBSCAN core) when, within
``distance_km`` or within a half or a quarter of it, there are at least
``min_samples`` sites of the group and, when there is a background to compare
with, the group is concentrated there: its share of the background is at least
``concentration`` times its overall share in that neighbourhood. The smaller
neighbourhoods find tight groups inside dense cities, where the full radius would
drown them in the background. Dense cells within
``distance_km`` of each other form one cluster; its members are the group's
sites in those cells (border sites are left out, as in DBSCAN*).

When there is a background, the dense cells only say where to look: the group's
sites within a cell's radius of a cell dense at that radius (as DBSCAN reaches its
border sites), so a spot dense within a quarter of ``distance_km`` looks no further
than that. DBSCAN would give every one of them a dense neighbourhood, so a tight
group in a city would take in the group's ordinary sites around it. A
group site within reach of a dense cell is a member only when the group is
significantly over-represented among its nearest background sites: in the discs
reaching its ``min_size``-th, twice and four times as many nearest (itself and
every site at the edge's distance included), more group sites than chance at the
group's overall share allows (one-sided binomial test, ``significance`` split over
the three windows). Windows of nearest sites adapt to the density, a hundred
metres in a city centre, kilometres in the country. Members within each other's
widest window, and within ``distance_km``, form one cluster, so two hot spots in
one city are two clusters.

Distances are measured between cell centres, so the neighbourhood's edge is exact
only to about a cell width. The cost is O(n log n) whatever the density, which is
what lets 3 million sites run on one machine: one k-d tree per background, one
nearest-neighbour query per site tested, and each group's work in its own size.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree
from scipy.stats import binom

from clustering.geometry import central_longitude, sinusoidal_km

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
CELLS_PER_RADIUS = 4
SCALES = (4, 2, 1)  # neighbourhood radii tested, in cells: the distance, /2, /4
WINDOWS = (1, 2, 4)  # nearest-site windows tested, in multiples of min_size
TIE_ROOM = 16  # nearest sites queried past the widest window, for piles at its edge


@dataclass(frozen=True)
class _Grid:
    """Sites binned into square cells, addressed by one int64 key per cell."""

    keys: IntArray  # cell key of every site
    width: int  # keys are ix * width + iy

    def offsets(self, radius_cells: int) -> IntArray:
        """Key offsets of the cells whose centres lie within radius_cells."""
        r = radius_cells
        dx, dy = np.mgrid[-r : r + 1, -r : r + 1]
        inside = dx**2 + dy**2 <= r * r
        return (dx[inside] * self.width + dy[inside]).astype(np.int64)

    @classmethod
    def of(
        cls, x: NDArray[np.float64], y: NDArray[np.float64], cell_km: float
    ) -> _Grid:
        ix = np.floor(x / cell_km).astype(np.int64)
        iy = np.floor(y / cell_km).astype(np.int64)
        pad = CELLS_PER_RADIUS + 1
        ix -= (ix.min() if len(ix) else 0) - pad
        iy -= (iy.min() if len(iy) else 0) - pad
        width = int(iy.max(initial=0)) + pad + 1
        return cls(ix * width + iy, width)

    def counts(self, mask: BoolArray) -> tuple[IntArray, IntArray]:
        """Occupied cells of the masked sites (sorted keys) and their site counts."""
        keys, counts = np.unique(self.keys[mask], return_counts=True)
        return keys, counts.astype(np.int64)

    def neighbourhood_sums(
        self, at: IntArray, keys: IntArray, counts: IntArray, radius_cells: int
    ) -> IntArray:
        """For each cell in ``at``: the sites of (keys, counts) within the radius."""
        total = np.zeros(len(at), dtype=np.int64)
        if len(keys) == 0:
            return total
        for offset in self.offsets(radius_cells):
            pos, hit = _find(keys, at + offset)
            total += np.where(hit, counts[pos], 0)
        return total

    def within_reach(
        self, cells: IntArray, core: IntArray, radius_cells: int = CELLS_PER_RADIUS
    ) -> BoolArray:
        """Which of ``cells`` lie within radius_cells of any of the sorted ``core``."""
        ones = np.ones(len(core), dtype=np.int64)
        return self.neighbourhood_sums(cells, core, ones, radius_cells) > 0

    def neighbour_pairs(self, cells: IntArray) -> tuple[IntArray, IntArray]:
        """Index pairs (i, j) of the given sorted cells that lie within the radius."""
        rows, cols = [], []
        for offset in self.offsets(CELLS_PER_RADIUS):
            if offset <= 0:
                continue
            pos, hit = _find(cells, cells + offset)
            rows.append(np.flatnonzero(hit))
            cols.append(pos[hit])
        if not rows:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        return np.concatenate(rows), np.concatenate(cols)


class SpatialIndex:
    """Sites on the grid for one distance scale; run once, cluster many groups."""

    def __init__(
        self, lat: NDArray[np.float64], lon: NDArray[np.float64], distance_km: float
    ) -> None:
        self.located = np.isfinite(lat) & np.isfinite(lon)
        x, y = sinusoidal_km(lat, lon, central_longitude(lon[self.located]))
        # unlocated sites are never in a mask; park them on a located one's cell
        anchor = int(np.argmax(self.located)) if self.located.any() else None
        x = np.where(self.located, x, 0.0 if anchor is None else x[anchor])
        y = np.where(self.located, y, 0.0 if anchor is None else y[anchor])
        self.grid = _Grid.of(x, y, distance_km / CELLS_PER_RADIUS)
        self.xy = np.column_stack([x, y])
        self.distance_km = distance_km
        self._background: dict[bytes, tuple[int, IntArray, IntArray]] = {}
        self._trees: dict[bytes, tuple[IntArray, cKDTree]] = {}

    def _background_counts(self, mask: BoolArray) -> tuple[int, IntArray, IntArray]:
        key = _mask_key(mask)
        if key not in self._background:
            self._background[key] = (int(mask.sum()), *self.grid.counts(mask))
        return self._background[key]

    def _background_tree(self, mask: BoolArray) -> tuple[IntArray, cKDTree]:
        """The masked sites and a k-d tree over their projected positions."""
        key = _mask_key(mask)
        if key not in self._trees:
            sites = np.flatnonzero(mask)
            self._trees[key] = (sites, _tree(self.xy[sites]))
        return self._trees[key]

    def groups(
        self,
        group: BoolArray,
        background: BoolArray,
        *,
        min_samples: int,
        min_size: int,
        concentration: float,
        significance: float = 0.01,
    ) -> list[IntArray]:
        """The clusters' sites (ascending), in order of each cluster's first site.

        Only ``group`` sites are members; ``background`` (a superset of the group)
        is what concentration and excess are measured against. When the group is
        the whole background there is nothing to compare with and density alone
        decides (DBSCAN*). Takes time in the group's size, not all the sites'.
        """
        group = group & self.located
        background = (background | group) & self.located
        sites = np.flatnonzero(group)
        if len(sites) < max(min_size, 1):
            return []
        site_keys = self.grid.keys[sites]
        g_keys, g_counts = np.unique(site_keys, return_counts=True)
        n_background, b_keys, b_counts = self._background_counts(background)
        compare = n_background > len(sites)
        dense = np.zeros(len(g_keys), dtype=bool)
        near = np.zeros(len(g_keys), dtype=bool)
        for radius in SCALES if compare else SCALES[:1]:
            g_near = self.grid.neighbourhood_sums(g_keys, g_keys, g_counts, radius)
            scale_dense = g_near >= min_samples
            if compare:
                b_near = self.grid.neighbourhood_sums(g_keys, b_keys, b_counts, radius)
                scale_dense &= (
                    g_near * n_background >= concentration * len(sites) * b_near
                )
            dense |= scale_dense
            if compare and scale_dense.any():
                near |= self.grid.within_reach(g_keys, g_keys[scale_dense], radius)
        if not compare:
            return self._connect(g_keys[dense], sites, site_keys, min_size)
        if not near.any():
            return []
        tested = sites[_find(g_keys[near], site_keys)[1]]
        share = len(sites) / n_background
        return self._excess_clusters(
            group, background, tested, share, min_size, significance
        )

    def _excess_clusters(
        self,
        group: BoolArray,
        background: BoolArray,
        tested: IntArray,
        share: float,
        min_size: int,
        significance: float,
    ) -> list[IntArray]:
        """The clusters of the ``tested`` group sites where the group is
        significantly over-represented among their nearest background sites; members
        within each other's widest window (and distance_km) join.

        A window is the disc out to the k-th nearest background site, every site at
        that distance included: sites often share a postcode's coordinates, and
        which of a pile counted as "the k nearest" would be arbitrary.
        """
        pool, tree = self._background_tree(background)
        windows = sorted({min(min_size * m, len(pool)) for m in WINDOWS})
        counts, radii = _window_counts(tree, group[pool], self.xy[tested], windows)
        excess = np.zeros(len(tested), dtype=bool)
        for total, count in counts:
            chance = binom.sf(count - 2, total - 1, share)  # P(>= count - 1 others)
            excess |= chance <= significance / len(WINDOWS)
        members = tested[excess]
        if len(members) == 0:
            return []
        reach_km = np.minimum(radii[-1][excess], self.distance_km)
        near = cKDTree(self.xy[members]).query_ball_point(self.xy[members], reach_km)
        i = np.repeat(np.arange(len(members)), [len(x) for x in near])
        j = np.concatenate(near).astype(np.int64)
        graph = coo_matrix((np.ones(len(i)), (i, j)), shape=(len(members),) * 2)
        _, component = connected_components(graph, directed=False)
        return _grouped(members, component, min_size)

    def _connect(
        self, core: IntArray, sites: IntArray, site_keys: IntArray, min_size: int
    ) -> list[IntArray]:
        """The sites (with their cells' keys) grouped by the connected component
        of dense cells they sit in; sites outside dense cells are left out."""
        if len(core) == 0:
            return []
        i, j = self.grid.neighbour_pairs(core)
        adjacency = coo_matrix((np.ones(len(i)), (i, j)), shape=(len(core), len(core)))
        _, component = connected_components(adjacency, directed=False)
        pos, in_core = _find(core, site_keys)
        return _grouped(sites[in_core], component[pos[in_core]], min_size)


def _window_counts(
    tree: cKDTree, in_group: BoolArray, points: NDArray[np.float64], windows: list[int]
) -> tuple[list[tuple[IntArray, IntArray]], list[NDArray[np.float64]]]:
    """For each window k (ascending): the background sites and the group sites
    (``in_group``, one flag per site of the tree) in each point's disc out to its
    k-th nearest background site, every site at that distance included; and the
    discs' radii.

    One nearest-neighbour query, with room past the widest window for sites
    piled at the edge's distance, counts every disc. Only a point whose pile runs
    past the room (many sites at one postcode) is counted again by a ball query.
    """
    size = tree.n
    k = min(size, windows[-1] + TIE_ROOM)
    distance, neighbour = tree.query(points, k=k)
    distance = distance.reshape(len(points), k)
    grouped = in_group[neighbour.reshape(len(points), k)]
    counts, radii = [], []
    for window in windows:
        radius = distance[:, window - 1] * (1 + 1e-9) + 1e-9
        inside = distance <= radius[:, None]
        total = inside.sum(axis=1)
        count = (inside & grouped).sum(axis=1)
        spill = np.flatnonzero(inside[:, -1]) if k < size else np.empty(0, np.int64)
        if len(spill):
            found = tree.query_ball_point(points[spill], radius[spill])
            total[spill] = [len(f) for f in found]
            count[spill] = [int(in_group[f].sum()) for f in found]
        counts.append((total, count))
        radii.append(radius)
    return counts, radii


def _tree(points: NDArray[np.float64]) -> cKDTree:
    """A k-d tree built by sliding midpoint splits with plain node bounds: half
    the build time of scipy's default on millions of sites, and queries as quick."""
    return cKDTree(points, balanced_tree=False, compact_nodes=False)


def _mask_key(mask: BoolArray) -> bytes:
    return hashlib.blake2b(np.packbits(mask).tobytes(), digest_size=16).digest()


def _find(keys: IntArray, wanted: IntArray) -> tuple[IntArray, BoolArray]:
    """Positions of ``wanted`` in the sorted, non-empty ``keys``, and which are
    there at all (where not, the position is meaningless)."""
    pos = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    return pos, keys[pos] == wanted


def _grouped(sites: IntArray, label: IntArray, min_size: int) -> list[IntArray]:
    """The ascending ``sites`` of each label with at least min_size of them, in
    order of each group's first site (deterministic)."""
    if len(sites) == 0:
        return []
    order = np.lexsort((sites, label))
    bounds = np.flatnonzero(np.diff(label[order])) + 1
    found = [part for part in np.split(sites[order], bounds) if len(part) >= min_size]
    found.sort(key=lambda part: int(part[0]))
    return found
