"""Communities of the collaboration graph (the Innovation Clusters Map's network approach)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix, csr_matrix, triu
from scipy.sparse.csgraph import connected_components

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
        sub = adjacency[members][:, members]
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
    """Louvain communities (networkx, fixed seed) of the eligible sites' links.

    Nodes are labelled by a hash of each site's name (its id) when given, not by
    row position: networkx's Louvain visits nodes in an order that depends on
    their labels, so position labels would let an unrelated new site reshuffle
    every community."""
    upper = triu(adjacency, k=1).tocoo()
    keep = eligible[upper.row] & eligible[upper.col]
    rows, cols = upper.row[keep], upper.col[keep]
    used = np.unique(np.concatenate([rows, cols]))
    label = dict(zip(used.tolist(), _stable_labels(used, names), strict=True))
    position = {v: k for k, v in label.items()}
    edges = sorted(
        (min(label[a], label[b]), max(label[a], label[b]), w)
        for a, b, w in zip(
            rows.tolist(), cols.tolist(), upper.data[keep].tolist(), strict=True
        )
    )
    graph = nx.Graph()
    graph.add_weighted_edges_from(edges)
    if graph.number_of_edges() == 0:
        return Partition([], 0.0)
    found = merge_dense_neighbours(
        graph, refined_louvain(graph, graph.nodes, resolution, seed, min_size)
    )
    total = graph.size(weight="weight")
    strength = dict(graph.degree(weight="weight"))
    modularity = nx.community.modularity(
        graph, found, weight="weight", resolution=resolution
    )
    kept = []
    for found_community in found:
        community = set(nx.k_core(graph.subgraph(found_community), CORE))
        if len(community) < min_size:
            continue
        members = np.array(sorted(position[v] for v in community), dtype=np.int64)
        inside = graph.subgraph(community).size(weight="weight")
        degree = sum(strength[v] for v in community)
        term = inside / total - resolution * (degree / (2 * total)) ** 2
        kept.append(Community(members, float(term)))
    kept.sort(key=lambda c: (-len(c.members), int(c.members[0])))
    return Partition(kept, float(modularity))


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


def refined_louvain(
    graph: nx.Graph,
    nodes: Any,
    resolution: float,
    seed: int,
    min_size: int,
    depth: int = 0,
) -> list[set[int]]:
    """Louvain, then Louvain again inside each community while that finds strong
    structure (modularity >= SPLIT_MODULARITY): the usual remedy for modularity's
    resolution limit, which merges small dense groups in a large network."""
    sub = graph.subgraph(nodes)
    parts = nx.community.louvain_communities(
        sub, weight="weight", resolution=resolution, seed=seed
    )
    if depth > 0 and (
        len(parts) < 2
        or nx.community.modularity(sub, parts, weight="weight", resolution=resolution)
        < SPLIT_MODULARITY
    ):
        return [set(nodes)]
    found: list[set[int]] = []
    for part in parts:
        if len(part) >= 2 * min_size and depth < MAX_SPLITS:
            found += refined_louvain(graph, part, resolution, seed, min_size, depth + 1)
        else:
            found.append(set(part))
    return found


def merge_dense_neighbours(graph: nx.Graph, parts: list[set[int]]) -> list[set[int]]:
    """Join communities that collaborate with each other at least MERGE_DENSITY times
    as densely (links per member pair) as the sparser of the two does inside.

    Louvain can leave a dense group in pieces, and its re-runs on small subgraphs,
    whose null model is small, do so more readily: pieces of one group link to each
    other about as densely as inside, while separate groups share a link or two.
    """
    label = {v: k for k, part in enumerate(parts) for v in part}
    ends = np.array(
        [(label[u], label[v]) for u, v in graph.edges()], dtype=np.int64
    ).reshape(-1, 2)
    size = np.array([len(part) for part in parts], dtype=float)
    same = ends[:, 0] == ends[:, 1]
    inside = np.bincount(ends[same, 0], minlength=len(parts))
    density = 2 * inside / np.maximum(size * (size - 1), 1)
    pairs, links = np.unique(np.sort(ends[~same], axis=1), axis=0, return_counts=True)
    a, b = pairs[:, 0], pairs[:, 1]
    sparser = np.minimum(density[a], density[b])
    join = (
        (np.minimum(size[a], size[b]) >= MERGE_MIN_SIZE)
        & (sparser > 0)
        & (links / (size[a] * size[b]) >= MERGE_DENSITY * sparser)
    )
    n = len(parts)
    joined = coo_matrix((np.ones(int(join.sum())), (a[join], b[join])), shape=(n, n))
    _, group = connected_components(joined, directed=False)
    merged: dict[int, set[int]] = {}
    for k, part in enumerate(parts):
        merged.setdefault(int(group[k]), set()).update(part)
    return list(merged.values())


def weighted_degree(adjacency: csr_matrix, members: IntArray) -> NDArray[np.float64]:
    """Each member's summed link weight to the other members."""
    sub = adjacency[members][:, members]
    return np.asarray(sub.sum(axis=1)).ravel()
