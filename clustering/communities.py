"""Communities of the collaboration graph (the Innovation Clusters Map's network approach)."""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix, csr_matrix, triu

IntArray = NDArray[np.int64]


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


@dataclass(frozen=True)
class InternalLinks:
    """How much a group of sites collaborates within itself."""

    links: int  # distinct partner pairs inside the group
    weight: float  # summed weight (e.g. joint projects) of those links
    density: float  # links / possible pairs
    connected_share: float  # members with at least one partner inside the group

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
) -> Partition:
    """Louvain communities (networkx, fixed seed) of the eligible sites' links."""
    upper = triu(adjacency, k=1).tocoo()
    keep = eligible[upper.row] & eligible[upper.col]
    graph = nx.Graph()
    graph.add_weighted_edges_from(
        zip(
            upper.row[keep].tolist(),
            upper.col[keep].tolist(),
            upper.data[keep].tolist(),
            strict=False,
        )
    )
    if graph.number_of_edges() == 0:
        return Partition([], 0.0)
    found = nx.community.louvain_communities(
        graph, weight="weight", resolution=resolution, seed=seed
    )
    total = graph.size(weight="weight")
    strength = dict(graph.degree(weight="weight"))
    modularity = nx.community.modularity(
        graph, found, weight="weight", resolution=resolution
    )
    kept = []
    for community in found:
        if len(community) < min_size:
            continue
        members = np.array(sorted(community), dtype=np.int64)
        inside = graph.subgraph(community).size(weight="weight")
        degree = sum(strength[v] for v in community)
        term = inside / total - resolution * (degree / (2 * total)) ** 2
        kept.append(Community(members, float(term)))
    kept.sort(key=lambda c: (-len(c.members), int(c.members[0])))
    return Partition(kept, float(modularity))


def weighted_degree(adjacency: csr_matrix, members: IntArray) -> NDArray[np.float64]:
    """Each member's summed link weight to the other members."""
    sub = adjacency[members][:, members]
    return np.asarray(sub.sum(axis=1)).ravel()
