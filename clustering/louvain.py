"""Louvain communities of a weighted graph held as a symmetric scipy sparse matrix.

Modularity with resolution γ, for a partition into communities c:

    Q = Σ_c  W_c / 2m  −  γ (K_c / 2m)²

where W_c sums the matrix entries between members of c (a link inside counts
twice, once each way), K_c sums the members' strengths (row sums) and 2m sums
every entry. A diagonal entry is a self-link counted that way too: the coarse
graphs below keep a community's internal weight, both ways, on the diagonal.

Local moving is a queue, as in Leiden's fast local move: every node is visited
once in a seeded random order, and when a node moves, its neighbours outside its
new community that are not already waiting join the back of the queue; the level
ends when the queue is empty. Work follows the moves, not sweeps over all nodes
(networkx's Louvain sweeps every node again while any one of them moves, which
on a large sparse graph means hundreds of sweeps that move a handful of nodes).
Then each community becomes one node of a coarse graph (S' A S with the
membership matrix S, summed in one step) and the next level starts, until a level moves nothing.

Blocks run Louvain on many separate graphs in one call, each with its own null
model: the communities that clustering.communities re-runs to get past the
resolution limit, thousands of them on a national network, cost a few calls.
"""

from __future__ import annotations

from array import array
from collections import deque

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix, csr_matrix

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]

# A move must gain more than this share of the node's strength: rounding in the
# running community totals must not make two nodes swap back and forth.
TOLERANCE = 1e-10


def community_terms(
    adjacency: csr_matrix,
    labels: IntArray,
    resolution: float = 1.0,
    blocks: IntArray | None = None,
) -> FloatArray:
    """Each community's term W_c/2m − γ(K_c/2m)² of the modularity, indexed by
    label (0 to the largest); nodes labelled -1 belong to no community. With
    ``blocks`` (a block number per node) each block is a graph of its own: a
    community's 2m is its block's, and links between blocks are left out."""
    count = int(labels.max()) + 1 if len(labels) else 0
    coo = adjacency.tocoo()
    block = np.zeros(len(labels), dtype=np.int64) if blocks is None else blocks
    same = block[coo.row] == block[coo.col]  # all when there are no blocks
    row, col, data = coo.row[same], coo.col[same], coo.data[same]
    member = labels >= 0
    inside = (labels[row] == labels[col]) & member[row]
    within = np.bincount(labels[row[inside]], weights=data[inside], minlength=count)
    strength = np.bincount(row, weights=data, minlength=len(labels))
    degree = np.bincount(labels[member], weights=strength[member], minlength=count)
    blocks_in = int(block.max(initial=-1)) + 1
    totals = np.bincount(block[row], weights=data, minlength=blocks_in)  # 2m each
    total = np.zeros(count)  # each community's block's 2m
    total[labels[member]] = totals[block[member]]
    safe = np.where(total > 0, total, 1.0)
    terms: FloatArray = np.where(
        total > 0, within / safe - resolution * (degree / safe) ** 2, 0.0
    )
    return terms


def modularity(
    adjacency: csr_matrix, labels: IntArray, resolution: float = 1.0
) -> float:
    """The modularity of the partition that gives node i the community labels[i]."""
    return float(community_terms(adjacency, labels, resolution).sum())


def block_modularity(
    adjacency: csr_matrix, labels: IntArray, blocks: IntArray, resolution: float = 1.0
) -> FloatArray:
    """The modularity of each block's partition, its block taken as a graph of
    its own (its own 2m), indexed by block (0 to the largest). No community may
    span two blocks; links between blocks are left out."""
    terms = community_terms(adjacency, labels, resolution, blocks)
    block_of = np.zeros(len(terms), dtype=np.int64)
    block_of[labels] = blocks
    count = int(blocks.max()) + 1 if len(blocks) else 0
    sums = np.bincount(block_of, weights=terms, minlength=count)
    return sums.astype(np.float64)  # float already; the stubs say int


def louvain(
    adjacency: csr_matrix,
    *,
    resolution: float = 1.0,
    seed: int = 0,
    blocks: IntArray | None = None,
) -> IntArray:
    """Community labels (0, 1, ... in order of each community's lowest node) of
    the nodes of a symmetric weighted adjacency matrix, by Louvain: local moving,
    then aggregation, level by level until a level moves nothing. The same matrix
    and seed always give the same labels.

    ``blocks`` (a block number per node) runs Louvain on each block as a graph of
    its own, its own 2m in the null model, all in one call: links between blocks
    are left out, so no community spans two. Each block gets the result it would
    alone, with its nodes visited in the seeded order restricted to it."""
    rng = np.random.default_rng(seed)
    graph = csr_matrix(adjacency, dtype=float)
    graph.sum_duplicates()
    n = graph.shape[0]
    block = np.zeros(n, dtype=np.int64) if blocks is None else np.asarray(blocks)
    if blocks is not None:
        coo = graph.tocoo()
        same = block[coo.row] == block[coo.col]
        graph = csr_matrix((coo.data[same], (coo.row[same], coo.col[same])), (n, n))
    labels = np.arange(n, dtype=np.int64)
    while True:
        level = _renumber(_local_moves(graph, block, resolution, rng))
        count = int(level.max()) + 1 if len(level) else 0
        if count == graph.shape[0]:
            return _renumber(labels)
        labels = level[labels]
        graph = _aggregate(graph, level, count)
        coarse = np.empty(count, dtype=np.int64)
        coarse[level] = block
        block = coarse


def _local_moves(
    graph: csr_matrix, block: IntArray, resolution: float, rng: np.random.Generator
) -> IntArray:
    """One level's local moving: each node's community, named by one of its nodes.
    The queue starts block by block, each block's nodes in the seeded order. No
    move in one block changes another's, so how blocks interleave never changes
    a result, and a block's nodes (which callers keep together) are visited together."""
    n = graph.shape[0]
    strength = np.asarray(graph.sum(axis=1)).ravel()
    totals = np.bincount(block, weights=strength)  # 2m of each block
    if not (totals > 0).any():
        return np.arange(n, dtype=np.int64)
    # typed arrays of the array module: indexing them is far quicker than indexing
    # numpy arrays, and unlike lists of Python numbers they are compact in memory,
    # which on a large graph's scattered neighbours halves the time
    indptr, indices = _ints(graph.indptr), _ints(graph.indices)
    weights, strengths = _floats(graph.data), _floats(strength)
    scales = _floats((resolution / np.where(totals > 0, totals, np.inf))[block])
    community = _ints(np.arange(n))
    community_total = _floats(strength)  # K_c of each community
    order = rng.permutation(n)
    queue = deque(order[np.argsort(block[order], kind="stable")].tolist())
    waiting = bytearray(b"\x01") * n
    while queue:
        node = queue.popleft()
        waiting[node] = 0
        own, k, scale = community[node], strengths[node], scales[node]
        start, end = indptr[node], indptr[node + 1]
        # the node's link weight to each neighbouring community, in index order
        links: dict[int, float] = {}
        for p in range(start, end):
            other = indices[p]
            if other != node:
                c = community[other]
                links[c] = links.get(c, 0.0) + weights[p]
        # gain (in units of 1/m) of joining c, with the node taken out of its own:
        # k_i,c − γ k_i K_c / 2m; the node stays unless another does strictly better
        community_total[own] -= k
        best = own
        best_gain = links.get(own, 0.0) - scale * k * community_total[own]
        threshold = TOLERANCE * k
        for c, weight in links.items():
            gain = weight - scale * k * community_total[c]
            if gain > best_gain + threshold:
                best, best_gain = c, gain
        community_total[best] += k
        if best == own:
            continue
        community[node] = best
        for p in range(start, end):
            other = indices[p]
            if not waiting[other] and community[other] != best:
                waiting[other] = 1
                queue.append(other)
    return np.frombuffer(community, dtype=np.int64).copy()


def _ints(values: NDArray[np.integer]) -> array[int]:
    typed = array("q")
    typed.frombytes(np.ascontiguousarray(values, dtype=np.int64).tobytes())
    return typed


def _floats(values: NDArray[np.floating]) -> array[float]:
    typed = array("d")
    typed.frombytes(np.ascontiguousarray(values, dtype=np.float64).tobytes())
    return typed


def _renumber(labels: IntArray) -> IntArray:
    """Labels 0, 1, ... in order of each community's first node."""
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first)] = np.arange(len(first))
    renumbered: IntArray = rank[inverse.ravel()]
    return renumbered


def _aggregate(graph: csr_matrix, labels: IntArray, count: int) -> csr_matrix:
    """The coarse graph whose nodes are the communities: entry (c, d) sums the
    weights between c's and d's members, (c, c) those inside c (both ways).
    That is S' A S for the membership matrix S, built in one step: each entry
    (i, j) moved to (labels[i], labels[j]), duplicates summed."""
    rows = np.repeat(labels, np.diff(graph.indptr))
    cols = labels[graph.indices]
    coarse = coo_matrix((graph.data, (rows, cols)), shape=(count, count)).tocsr()
    coarse.sum_duplicates()
    return coarse
