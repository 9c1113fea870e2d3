"""The collaboration matrix, internal links and Louvain communities."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from scipy.sparse import csr_matrix

from clustering.communities import (
    InternalLinks,
    collaboration_matrix,
    k_core,
    louvain_communities,
    merge_dense_neighbours,
    weighted_degree,
)


def matrix(n: int, edges: list[tuple[int, int, float]]) -> csr_matrix:
    a = np.array([e[0] for e in edges], dtype=np.int64)
    b = np.array([e[1] for e in edges], dtype=np.int64)
    w = np.array([e[2] for e in edges], dtype=float)
    return collaboration_matrix(n, a, b, w)


def test_collaboration_matrix_sums_duplicates_and_drops_self_links() -> None:
    m = matrix(4, [(0, 1, 1.0), (1, 0, 2.0), (0, 1, 3.0), (2, 2, 5.0), (2, 3, 1.5)])
    dense = m.toarray()
    expected = np.zeros((4, 4))
    expected[0, 1] = expected[1, 0] = 6.0
    expected[2, 3] = expected[3, 2] = 1.5
    np.testing.assert_array_equal(dense, expected)
    assert m.nnz == 4  # no stored duplicates, nothing on the diagonal
    assert m.shape == (4, 4)


def test_collaboration_matrix_of_no_links_is_empty() -> None:
    m = collaboration_matrix(
        3, np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
    )
    assert m.shape == (3, 3) and m.nnz == 0


def test_internal_links_by_hand() -> None:
    # members 0-3: links 0-1 (twice: weight 2+1) and 1-2; 3 has a partner only
    # outside the group (4); 2-4 is outside too
    m = matrix(5, [(0, 1, 2.0), (1, 0, 1.0), (1, 2, 1.0), (3, 4, 7.0), (2, 4, 1.0)])
    links = InternalLinks.of(m, np.array([0, 1, 2, 3]))
    assert links.links == 2
    assert links.weight == pytest.approx(4.0)
    assert links.density == pytest.approx(2 / 6)
    assert links.connected_share == pytest.approx(3 / 4)
    assert links.mean_partners == pytest.approx(2 * 2 / 4)


def test_internal_links_of_a_full_clique_and_of_nobody() -> None:
    edges = [(i, j, 1.0) for i in range(5) for j in range(i + 1, 5)]
    full = InternalLinks.of(matrix(5, edges), np.arange(5))
    assert (full.links, full.density, full.connected_share) == (10, 1.0, 1.0)
    assert full.mean_partners == 4.0
    empty = InternalLinks.of(matrix(5, edges), np.array([], dtype=np.int64))
    assert (empty.links, empty.weight, empty.density) == (0, 0.0, 0.0)
    assert (empty.connected_share, empty.mean_partners) == (0.0, 0.0)
    alone = InternalLinks.of(matrix(5, edges), np.array([2]))
    assert (alone.links, alone.density, alone.connected_share) == (0, 0.0, 0.0)


def test_weighted_degree_counts_only_links_inside() -> None:
    m = matrix(4, [(0, 1, 2.0), (1, 2, 3.0), (2, 3, 10.0)])
    np.testing.assert_allclose(weighted_degree(m, np.array([0, 1, 2])), [2.0, 5.0, 3.0])


def two_cliques(extra: list[tuple[int, int, float]] | None = None, n: int = 24):
    edges = [(i, j, 1.0) for i in range(12) for j in range(i + 1, 12)]
    edges += [(i, j, 1.0) for i in range(12, 24) for j in range(i + 1, 24)]
    edges.append((11, 12, 1.0))  # the one bridge
    return matrix(n, edges + (extra or []))


def test_louvain_finds_two_cliques_joined_by_one_edge() -> None:
    partition = louvain_communities(
        two_cliques(), np.ones(24, bool), min_size=10, resolution=1.0, seed=0
    )
    found = [set(c.members.tolist()) for c in partition.communities]
    assert sorted(found, key=min) == [set(range(12)), set(range(12, 24))]
    assert all(np.all(np.diff(c.members) > 0) for c in partition.communities)
    assert partition.modularity == pytest.approx(
        sum(c.modularity for c in partition.communities)
    )
    assert 0.4 < partition.modularity < 0.5  # two equal halves: just under 1/2


def test_louvain_is_deterministic_with_a_fixed_seed() -> None:
    adjacency = two_cliques()
    runs = [
        louvain_communities(
            adjacency, np.ones(24, bool), min_size=2, resolution=1.0, seed=7
        )
        for _ in range(3)
    ]
    first = [c.members.tolist() for c in runs[0].communities]
    for other in runs[1:]:
        assert [c.members.tolist() for c in other.communities] == first
        assert other.modularity == runs[0].modularity


def test_louvain_drops_communities_under_min_size() -> None:
    small = [(i, j, 1.0) for i in range(24, 29) for j in range(i + 1, 29)]
    adjacency = two_cliques(small, n=29)
    eligible = np.ones(29, bool)
    big = louvain_communities(adjacency, eligible, min_size=10, resolution=1.0, seed=0)
    assert [len(c.members) for c in big.communities] == [12, 12]
    every = louvain_communities(adjacency, eligible, min_size=5, resolution=1.0, seed=0)
    assert [c.members.tolist() for c in every.communities][-1] == list(range(24, 29))
    # the partition's modularity is of all communities, kept or not
    assert big.modularity == pytest.approx(every.modularity)


def test_louvain_ignores_links_of_ineligible_sites() -> None:
    eligible = np.ones(24, bool)
    eligible[[0, 13]] = False
    partition = louvain_communities(
        two_cliques(), eligible, min_size=10, resolution=1.0, seed=0
    )
    found = sorted((set(c.members.tolist()) for c in partition.communities), key=min)
    assert found == [set(range(1, 12)), set(range(12, 24)) - {13}]


def test_louvain_without_links_finds_nothing() -> None:
    partition = louvain_communities(
        matrix(5, []), np.ones(5, bool), min_size=1, resolution=1.0, seed=0
    )
    assert partition.communities == [] and partition.modularity == 0.0


def _labels(parts: list[set[int]]) -> np.ndarray:
    labels = np.empty(sum(len(p) for p in parts), dtype=np.int64)
    for k, part in enumerate(parts):
        labels[sorted(part)] = k
    return labels


def _parts(labels: np.ndarray) -> list[set[int]]:
    return [set(np.flatnonzero(labels == k).tolist()) for k in range(labels.max() + 1)]


def _halves_of_a_dense_group() -> tuple[csr_matrix, list[set[int]]]:
    """Twelve nodes, every pair linked but those between 0 and 6, 1 and 7, ...:
    one dense group, handed over as its two halves."""
    edges = [(u, v, 1.0) for u in range(12) for v in range(u + 1, 12) if v - u != 6]
    return matrix(12, edges), [set(range(6)), set(range(6, 12))]


def test_the_halves_of_one_dense_group_are_joined() -> None:
    graph, halves = _halves_of_a_dense_group()
    # 30 of 36 pairs across (0.83) against full density inside the halves
    assert _parts(merge_dense_neighbours(graph, _labels(halves))) == [set(range(12))]


def test_two_dense_groups_sharing_one_link_stay_apart() -> None:
    edges = [(u, v, 1.0) for u in range(6) for v in range(u + 1, 6)]
    edges += [(u, v, 1.0) for u in range(6, 12) for v in range(u + 1, 12)]
    edges.append((0, 6, 1.0))  # 1 of 36 pairs across
    parts = [set(range(6)), set(range(6, 12))]
    assert _parts(merge_dense_neighbours(matrix(12, edges), _labels(parts))) == parts


def test_parts_too_small_to_have_a_density_are_never_joined() -> None:
    # a pair hangs on a triangle by two links: 2 of 6 pairs across is dense
    # enough, but a two-member part's density (its one link) says nothing
    edges = [(0, 1, 1.0), (1, 2, 1.0), (0, 2, 1.0), (3, 4, 1.0), (3, 0, 1.0)]
    edges.append((4, 1, 1.0))
    parts = [{0, 1, 2}, {3, 4}]
    assert _parts(merge_dense_neighbours(matrix(5, edges), _labels(parts))) == parts


def test_k_core_peels_chains_inside_each_community_only() -> None:
    # community 0: a triangle 0-1-2 with a tail 2-3-4; community 1: a square 5-8
    # and 9, linked to the triangle (a link to another community does not count)
    edges = [(0, 1, 1.0), (1, 2, 1.0), (0, 2, 1.0), (2, 3, 1.0), (3, 4, 1.0)]
    edges += [(5, 6, 1.0), (6, 7, 1.0), (7, 8, 1.0), (8, 5, 1.0), (9, 0, 1.0)]
    edges.append((9, 1, 1.0))
    labels = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    core = k_core(matrix(10, edges), labels, 2)
    assert np.flatnonzero(core).tolist() == [0, 1, 2, 5, 6, 7, 8]


def test_k_core_matches_networkx_on_random_communities() -> None:
    rng = np.random.default_rng(3)
    ends = rng.integers(0, 300, size=(700, 2))
    edges = [(int(a), int(b), 1.0) for a, b in ends if a != b]
    graph = matrix(300, edges)
    labels = rng.integers(0, 6, size=300)
    among = rng.random(300) < 0.8
    for k, only in ((2, None), (3, None), (2, among), (3, among)):
        core = k_core(graph, labels, k, among=only)
        expected: set[int] = set()
        for label in range(6):
            chosen = labels == label if only is None else (labels == label) & only
            members = np.flatnonzero(chosen).tolist()
            whole = nx.Graph()
            whole.add_edges_from((a, b) for a, b, _ in edges)
            expected |= set(nx.k_core(whole.subgraph(members), k))
        assert set(np.flatnonzero(core).tolist()) == expected


def test_a_dense_group_among_sparse_links_is_found_whole_and_alone() -> None:
    # a group of 40 with a third of its pairs linked, among 400 sites with one
    # random link each: the merge must not glue it to the sparse pieces around it
    rng = np.random.default_rng(0)
    a, b = np.triu_indices(40, 1)
    linked = rng.random(len(a)) < 1 / 3
    others = rng.integers(40, 440, size=(400, 2))
    edges = [(int(x), int(y), 1.0) for x, y in zip(a[linked], b[linked], strict=True)]
    edges += [(int(x), int(y), 1.0) for x, y in others if x != y]
    edges += [(int(i), int(rng.integers(40, 440)), 1.0) for i in range(40)]
    partition = louvain_communities(
        matrix(440, edges),
        np.ones(440, bool),
        min_size=10,
        resolution=1.0,
        seed=0,
    )
    best = max(
        partition.communities, key=lambda c: len(set(c.members) & set(range(40)))
    )
    assert set(range(40)) <= set(best.members.tolist())
    assert len(best.members) <= 43


def test_communities_without_a_core_are_not_split_again() -> None:
    from clustering.communities import refined_louvain
    from clustering.louvain import louvain

    # a random tree of 400 nodes: Louvain's communities reach 20 and more
    # members, but a tree has no 2-core, so none is re-run (a re-run would find
    # "strong structure" in any tree and cut it to pieces)
    rng = np.random.default_rng(0)
    parent = [int(rng.integers(0, i)) for i in range(1, 400)]
    tree = matrix(400, [(i + 1, p, 1.0) for i, p in enumerate(parent)])
    top = louvain(tree, seed=0)
    assert np.bincount(top).max() >= 20
    refined = refined_louvain(tree, 1.0, 0, 10)
    assert np.unique(np.c_[top, refined], axis=0).shape[0] == top.max() + 1
    assert refined.max() == top.max()
    # fifty 4-cliques in a ring beside the same tree: Louvain merges cliques into
    # communities of up to 20, whose cores are all 20, so they are re-run and split
    ring = []
    for c in range(50):
        nodes = range(400 + 4 * c, 404 + 4 * c)
        ring += [(x, y, 1.0) for x in nodes for y in nodes if x < y]
        ring.append((400 + 4 * c, 400 + 4 * ((c + 1) % 50) + 1, 1.0))
    both = matrix(600, [(i + 1, p, 1.0) for i, p in enumerate(parent)] + ring)
    top = louvain(both, seed=0)
    assert np.bincount(top[400:]).max() >= 20
    labels = refined_louvain(both, 1.0, 0, 10)
    assert len(set(labels[400:].tolist())) > len(set(top[400:].tolist()))
    # the tree's communities are still Louvain's own
    assert len(set(labels[:400].tolist())) == len(set(top[:400].tolist()))
