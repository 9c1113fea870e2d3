"""Communities of the collaboration graph (the Innovation Clusters Map's network approach)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix, csr_matrix, triu
from scipy.sparse.csgraph import connected_components

from clustering.louvain import block_modularity, community_terms, louvain, modularity

IntArray = NDArray[np.int64]
# A community keeps its 2-core: members with at least two partners inside it.
# Organisations hanging on by a single link are not part of a collaborating group,
# and chance chains of one-off links (trees) vanish altogether.
CORE = 2
SPLIT_MODULARITY = 0.4
MAX_SPLITS = 3
# Communities linked with each other at least this share of the density the sparser
# of them has inside are one group (each needs MERGE_MIN_SIZE members to say).
MERGE_DENSITY = 0.5
MERGE_MIN_SIZE = 3


def collaboration_matrix(
    n: int, a: IntArray, b: IntArray, weight: NDArray[np.float64]
) -> csr_matrix:
    """Symmetric n x n matrix of summed link weights between sites (no self-links)."""
    keep = a != b
    rows = np.concatenate([a[keep], b[keep]])
    cols = np.concatenate([b[keep], a[keep]])
    data = np.concatenate([weight[keep], weight[keep]]).astype(float)
    matrix = coo_matrix((data, (rows, cols)), shape=(n, n)).tocsr()
    matrix.sum_duplicates()
    return matrix


def membership_matrix(groups: list[IntArray], n: int) -> csr_matrix:
    """Groups x sites indicator matrix: row i has a 1 at each member of group i."""
    rows = np.repeat(np.arange(len(groups)), [len(g) for g in groups])
    cols = np.concatenate(groups) if groups else np.empty(0, np.int64)
    return csr_matrix((np.ones(len(cols)), (rows, cols)), shape=(len(groups), n))


@dataclass(frozen=True)
class InternalLinks:
    """How much a group of sites collaborates within itself."""

    links: int  # distinct partner pairs inside the group
    weight: float  # summed weight (e.g. joint projects) of those links
    density: float  # links / possible pairs
    connected_share: float  # members with at least one partner inside the group
    mean_partners: float  # average number of partners a member has inside the group

    @classmethod
    def of(cls, adjacency: csr_matrix, members: IntArray) -> InternalLinks:
        m = len(members)
        sub = _subgraph(adjacency, np.sort(members))
        links = sub.nnz // 2
        possible = m * (m - 1) / 2
        connected = int((np.diff(sub.indptr) > 0).sum()) if m else 0
        return cls(
            links=int(links),
            weight=float(sub.sum()) / 2,
            density=links / possible if possible else 0.0,
            connected_share=connected / m if m else 0.0,
            mean_partners=2 * links / m if m else 0.0,
        )


@dataclass(frozen=True)
class Community:
    members: IntArray
    modularity: float  # this community's term of the partition's modularity


@dataclass(frozen=True)
class Partition:
    communities: list[Community]  # those with at least min_size members
    modularity: float  # of the whole partition


def louvain_communities(
    adjacency: csr_matrix,
    eligible: NDArray[np.bool_],
    *,
    min_size: int,
    resolution: float,
    seed: int,
    names: NDArray[Any] | None = None,
) -> Partition:
    """Louvain communities (clustering.louvain, fixed seed) of the eligible sites'
    links, refined, merged and cut to their cores.

    The graph's nodes are the sites with an eligible link, ordered by a hash of
    each site's name (its id) when given, not by row position: Louvain visits
    nodes in a seeded random order of their positions in the graph, so row
    positions would let a reordered or re-read directory reshuffle every community."""
    upper = triu(adjacency, k=1).tocoo()
    keep = eligible[upper.row] & eligible[upper.col]
    rows, cols = upper.row[keep], upper.col[keep]
    if len(rows) == 0:
        return Partition([], 0.0)
    used = np.unique(np.concatenate([rows, cols]))
    site = used[np.argsort(_stable_labels(used, names), kind="stable")]
    node = np.empty(len(used), dtype=np.int64)  # graph node of each used site
    node[np.searchsorted(used, site)] = np.arange(len(site))
    graph = collaboration_matrix(
        len(site),
        node[np.searchsorted(used, rows)],
        node[np.searchsorted(used, cols)],
        upper.data[keep],
    )
    found = merge_dense_neighbours(
        graph, refined_louvain(graph, resolution, seed, min_size)
    )
    partition_modularity = modularity(graph, found, resolution)
    cored = np.where(k_core(graph, found, CORE), found, -1)
    terms = community_terms(graph, cored, resolution)
    kept = []
    for label, members in enumerate(_groups(cored)):
        if len(members) >= min_size:
            members = np.sort(site[members]).astype(np.int64)
            kept.append(Community(members, float(terms[label])))
    kept.sort(key=lambda c: (-len(c.members), int(c.members[0])))
    return Partition(kept, partition_modularity)


def _stable_labels(used: IntArray, names: NDArray[Any] | None) -> list[int]:
    if names is None:
        return used.tolist()
    labels = [
        int.from_bytes(hashlib.blake2b(str(names[i]).encode(), digest_size=7).digest())
        for i in used.tolist()
    ]
    if len(set(labels)) < len(labels):  # a 56-bit collision: fall back to positions
        return used.tolist()
    return labels


def _groups(labels: IntArray) -> list[IntArray]:
    """The nodes of each label 0, 1, ... (in ascending order; -1 is left out)."""
    count = int(labels.max()) + 1 if len(labels) else 0
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(count + 1))
    return [order[bounds[k] : bounds[k + 1]] for k in range(count)]


def refined_louvain(
    graph: csr_matrix, resolution: float, seed: int, min_size: int
) -> IntArray:
    """Louvain, then Louvain again inside each community while that finds strong
    structure (modularity >= SPLIT_MODULARITY), up to MAX_SPLITS times: the usual
    remedy for modularity's resolution limit, which merges small dense groups in a
    large network. Each round re-runs every community that the round before split
    off and whose 2-core (CORE: the members that can be kept in the end) has at
    least 2 * min_size members; the chance trees of one-off links that make up most
    of a sparse network are never split and split again for nothing. The communities of
    a round are re-run each as a graph of its own, in one Louvain call
    (clustering.louvain's blocks): a few calls in all, not one per community.
    Returns a community label (0, 1, ...) for each node of the graph."""
    labels = louvain(graph, resolution=resolution, seed=seed)
    if len(labels) == 0:
        return labels
    fresh = np.ones(graph.shape[0], dtype=bool)  # in a community not yet re-run
    core = np.ones(graph.shape[0], dtype=bool)
    for _ in range(MAX_SPLITS):
        core = k_core(graph, labels, CORE, among=core)
        size = np.bincount(labels[core], minlength=int(labels.max()) + 1)
        nodes = np.flatnonzero(fresh & (size[labels] >= 2 * min_size))
        if len(nodes) == 0:
            break
        nodes = nodes[np.argsort(labels[nodes], kind="stable")]  # by community
        block = np.unique(labels[nodes], return_inverse=True)[1].ravel()
        sub = _reordered_subgraph(graph, nodes)
        inner = louvain(sub, resolution=resolution, seed=seed, blocks=block)
        parts = np.bincount(np.unique(np.c_[block, inner], axis=0)[:, 0])
        strong = block_modularity(sub, inner, block, resolution) >= SPLIT_MODULARITY
        split = (parts >= 2) & strong
        fresh[:] = False
        chosen = split[block]
        fresh[nodes[chosen]] = True
        labels = labels.copy()
        labels[nodes[chosen]] = int(labels.max()) + 1 + inner[chosen]
        labels = np.unique(labels, return_inverse=True)[1].ravel().astype(np.int64)
    return labels


def _reordered_subgraph(graph: csr_matrix, nodes: IntArray) -> csr_matrix:
    """The links among ``nodes`` (in any order), node i of the result being
    nodes[i]."""
    order = np.argsort(nodes, kind="stable")
    sub = _subgraph(graph, nodes[order]).tocoo()
    return csr_matrix(
        (sub.data, (order[sub.row], order[sub.col])), shape=(len(nodes), len(nodes))
    )


def _subgraph(graph: csr_matrix, members: IntArray) -> csr_matrix:
    """The links among the (ascending) members, renumbered 0, 1, ...: in time
    proportional to their links, where scipy's column indexing takes time
    proportional to the whole graph's size (once per community adds up)."""
    rows = graph[members]
    where = np.minimum(np.searchsorted(members, rows.indices), len(members) - 1)
    inside = members[where] == rows.indices
    row = np.repeat(np.arange(len(members)), np.diff(rows.indptr))
    return csr_matrix(
        (rows.data[inside], (row[inside], where[inside])),
        shape=(len(members), len(members)),
    )


def merge_dense_neighbours(graph: csr_matrix, labels: IntArray) -> IntArray:
    """Join communities that collaborate with each other at least MERGE_DENSITY times
    as densely (links per member pair) as the sparser of the two does inside.

    Louvain can leave a dense group in pieces, and its re-runs on small subgraphs,
    whose null model is small, do so more readily: pieces of one group link to each
    other about as densely as inside, while separate groups share a link or two.
    Takes and returns a community label (0, 1, ...) for each node; the joined
    communities are numbered in order of their lowest old label.
    """
    upper = triu(graph, k=1).tocoo()
    ends = np.stack([labels[upper.row], labels[upper.col]], axis=1)
    n = int(labels.max()) + 1 if len(labels) else 0
    size = np.bincount(labels, minlength=n).astype(float)
    same = ends[:, 0] == ends[:, 1]
    inside = np.bincount(ends[same, 0], minlength=n)
    density = 2 * inside / np.maximum(size * (size - 1), 1)
    pairs, links = np.unique(np.sort(ends[~same], axis=1), axis=0, return_counts=True)
    a, b = pairs[:, 0], pairs[:, 1]
    sparser = np.minimum(density[a], density[b])
    join = (
        (np.minimum(size[a], size[b]) >= MERGE_MIN_SIZE)
        & (sparser > 0)
        & (links / (size[a] * size[b]) >= MERGE_DENSITY * sparser)
    )
    joined = coo_matrix((np.ones(int(join.sum())), (a[join], b[join])), shape=(n, n))
    _, group = connected_components(joined, directed=False)
    merged: IntArray = group[labels].astype(np.int64)
    return merged


def k_core(
    graph: csr_matrix,
    labels: IntArray,
    k: int,
    among: NDArray[np.bool_] | None = None,
) -> NDArray[np.bool_]:
    """Which nodes are in the k-core of their community: the largest part of it in
    which every member has at least k partners (linked nodes) inside the part.
    Peels members with fewer, and then those their leaving leaves with fewer.

    ``among``: only these nodes may be in a core (the others are out from the
    start). A part of a community has its core within the community's, so
    the community's core is all a part's core needs to be looked for in."""
    coo = graph.tocoo()
    inside = (labels[coo.row] == labels[coo.col]) & (coo.row != coo.col)
    if among is not None:
        inside &= among[coo.row] & among[coo.col]
    n = graph.shape[0]
    links = csr_matrix(
        (np.ones(int(inside.sum())), (coo.row[inside], coo.col[inside])), shape=(n, n)
    )
    indptr, indices = links.indptr.tolist(), links.indices.tolist()
    counts = np.diff(links.indptr)
    alive = np.ones(n, dtype=bool) if among is None else among
    kept = alive & (counts >= k)
    peel = np.flatnonzero(alive & ~kept).tolist()
    keep, partners = kept.tolist(), counts.tolist()
    while peel:
        v = peel.pop()
        for u in indices[indptr[v] : indptr[v + 1]]:
            if keep[u]:
                partners[u] -= 1
                if partners[u] < k:
                    keep[u] = False
                    peel.append(u)
    return np.array(keep, dtype=bool)


def weighted_degree(adjacency: csr_matrix, members: IntArray) -> NDArray[np.float64]:
    """Each member's summed link weight to the other members (in the members'
    order), in time proportional to their links."""
    order = np.argsort(members, kind="stable")
    sub = _subgraph(adjacency, members[order])
    degree = np.empty(len(members))
    degree[order] = np.asarray(sub.sum(axis=1)).ravel()
    return degree
