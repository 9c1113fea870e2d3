"""Our Louvain (clustering.louvain) on small graphs, checked against networkx."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from scipy.sparse import csr_matrix

from clustering.communities import collaboration_matrix
from clustering.louvain import community_terms, louvain, modularity

Edges = list[tuple[int, int, float]]


def matrix(n: int, edges: Edges) -> csr_matrix:
    a = np.array([e[0] for e in edges], dtype=np.int64)
    b = np.array([e[1] for e in edges], dtype=np.int64)
    w = np.array([e[2] for e in edges], dtype=float)
    return collaboration_matrix(n, a, b, w)


def nx_graph(n: int, edges: Edges) -> nx.Graph:
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    for a, b, w in edges:  # summed like collaboration_matrix does
        if a != b:
            old = graph.get_edge_data(a, b, {"weight": 0.0})["weight"]
            graph.add_edge(a, b, weight=old + w)
    return graph


def parts(labels: np.ndarray) -> list[set[int]]:
    return [set(np.flatnonzero(labels == k).tolist()) for k in range(labels.max() + 1)]


def random_edges(n: int, count: int, rng: np.random.Generator) -> Edges:
    ends = rng.integers(0, n, size=(count, 2))
    weights = rng.integers(1, 4, size=count)
    return [(int(a), int(b), float(w)) for (a, b), w in zip(ends, weights, strict=True)]


def planted(
    groups: int, size: int, inside: float, background: int, seed: int
) -> tuple[int, Edges, list[set[int]]]:
    """Dense groups (each pair linked with chance `inside`) among sparse random
    links over all nodes, half of them outside any group."""
    rng = np.random.default_rng(seed)
    n = 2 * groups * size
    edges: Edges = []
    members = []
    for g in range(groups):
        nodes = np.arange(g * size, (g + 1) * size)
        a, b = np.triu_indices(size, 1)
        linked = rng.random(len(a)) < inside
        edges += [
            (int(nodes[x]), int(nodes[y]), 1.0)
            for x, y in zip(a[linked], b[linked], strict=True)
        ]
        members.append(set(nodes.tolist()))
    edges += random_edges(n, background, rng)
    return n, edges, members


def test_two_cliques_joined_by_one_edge_are_two_communities() -> None:
    edges = [(i, j, 1.0) for i in range(8) for j in range(i + 1, 8)]
    edges += [(i, j, 1.0) for i in range(8, 16) for j in range(i + 1, 16)]
    edges.append((7, 8, 1.0))
    for seed in range(5):
        labels = louvain(matrix(16, edges), seed=seed)
        assert sorted(parts(labels), key=min) == [set(range(8)), set(range(8, 16))]


def test_labels_count_from_zero_in_order_of_each_community_s_first_node() -> None:
    edges = [(0, 3, 1.0), (1, 2, 1.0), (3, 4, 1.0), (0, 4, 1.0), (1, 5, 1.0)]
    edges.append((2, 5, 1.0))
    labels = louvain(matrix(6, edges), seed=0)
    assert labels.tolist() == [0, 1, 1, 0, 0, 1]


def test_planted_dense_groups_are_found() -> None:
    # the nodes outside the groups, with a random link or two each, join the
    # group they link to; each group must be found whole, and apart from the others
    n, edges, groups = planted(groups=5, size=20, inside=0.5, background=150, seed=1)
    labels = louvain(matrix(n, edges), seed=0)
    holding = []
    for group in groups:
        found, count = np.unique(labels[sorted(group)], return_counts=True)
        assert count.max() >= 0.9 * len(group)
        holding.append(found[count.argmax()])
    assert len(set(holding)) == len(groups)


def test_the_same_seed_gives_the_same_communities() -> None:
    n, edges, _ = planted(groups=4, size=15, inside=0.4, background=300, seed=2)
    adjacency = matrix(n, edges)
    first = louvain(adjacency, seed=11)
    for _ in range(3):
        np.testing.assert_array_equal(louvain(adjacency, seed=11), first)


def test_isolated_nodes_and_no_links_stay_alone() -> None:
    assert louvain(matrix(4, []), seed=0).tolist() == [0, 1, 2, 3]
    labels = louvain(matrix(5, [(0, 1, 1.0), (1, 2, 1.0), (0, 2, 1.0)]), seed=0)
    assert labels.tolist() == [0, 0, 0, 1, 2]


@pytest.mark.parametrize("resolution", [0.5, 1.0, 2.0])
def test_modularity_is_networkx_s_for_the_same_partition(resolution: float) -> None:
    rng = np.random.default_rng(4)
    n, edges, _ = planted(groups=3, size=12, inside=0.5, background=120, seed=4)
    adjacency, graph = matrix(n, edges), nx_graph(n, edges)
    for labels in (
        rng.integers(0, 5, size=n),
        louvain(adjacency, resolution=resolution, seed=0),
    ):
        labels = np.unique(labels, return_inverse=True)[1]
        expected = nx.community.modularity(
            graph, parts(labels), weight="weight", resolution=resolution
        )
        assert modularity(adjacency, labels, resolution) == pytest.approx(expected)


def test_community_terms_leave_out_unlabelled_nodes() -> None:
    edges = [(0, 1, 1.0), (1, 2, 1.0), (2, 3, 1.0)]
    terms = community_terms(matrix(4, edges), np.array([0, 0, -1, 1]))
    # total weight both ways 6; community 0: inside 2, strengths 1 + 2
    assert terms.tolist() == pytest.approx([2 / 6 - (3 / 6) ** 2, -((1 / 6) ** 2)])


def test_a_higher_resolution_gives_smaller_communities() -> None:
    n, edges, _ = planted(groups=4, size=15, inside=0.4, background=300, seed=5)
    adjacency = matrix(n, edges)
    counts = [
        int(louvain(adjacency, resolution=r, seed=0).max()) + 1 for r in (0.5, 1, 4)
    ]
    assert counts[0] < counts[1] < counts[2]


def test_modularity_within_one_percent_of_networkx_louvain() -> None:
    # a mid-size random graph: 3,000 nodes, 30 planted groups and 4,500 random
    # weighted links
    # weighted links; the mean of three seeds, as one seed's result varies by
    # about 1% either way for both
    n, edges, _ = planted(groups=30, size=50, inside=0.15, background=4500, seed=6)
    adjacency, graph = matrix(n, edges), nx_graph(n, edges)
    ours = np.mean(
        [modularity(adjacency, louvain(adjacency, seed=s)) for s in range(3)]
    )
    theirs = np.mean(
        [
            nx.community.modularity(
                graph, nx.community.louvain_communities(graph, weight="weight", seed=s)
            )
            for s in range(3)
        ]
    )
    assert ours >= 0.99 * theirs


def ring_of_cliques(cliques: int, size: int, first: int = 0) -> Edges:
    """Cliques of `size` nodes, each joined to the next in a ring by one link."""
    edges: Edges = []
    for c in range(cliques):
        nodes = range(first + c * size, first + (c + 1) * size)
        edges += [(a, b, 1.0) for a in nodes for b in nodes if a < b]
        edges.append((nodes[0], first + ((c + 1) % cliques) * size + 1, 1.0))
    return edges


def test_each_block_is_a_graph_of_its_own() -> None:
    # six 5-cliques in a ring are six communities alone; beside a big graph
    # sharing its 2m they merge (modularity's resolution limit), but as a block
    # of their own they stay six, and no community crosses into the other block
    ring = ring_of_cliques(6, 5)
    assert len(parts(louvain(matrix(30, ring), seed=0))) == 6
    big = ring_of_cliques(120, 5, first=30)
    n = 30 + 600
    across = [(0, 30, 1.0), (7, 40, 1.0)]
    shared = louvain(matrix(n, ring + big + across), seed=0)
    assert len(set(shared[:30].tolist())) < 6
    blocks = np.r_[np.zeros(30, np.int64), np.ones(600, np.int64)]
    labels = louvain(matrix(n, ring + big + across), seed=0, blocks=blocks)
    assert sorted(map(sorted, parts(labels[:30]))) == [
        list(range(c * 5, c * 5 + 5)) for c in range(6)
    ]
    assert not set(labels[:30].tolist()) & set(labels[30:].tolist())


def test_block_modularity_is_each_block_s_own() -> None:
    from clustering.louvain import block_modularity

    rng = np.random.default_rng(5)
    edges = random_edges(40, 90, rng)
    blocks = (np.arange(40) >= 25).astype(np.int64)
    labels = louvain(matrix(40, edges), seed=0, blocks=blocks)
    found = block_modularity(matrix(40, edges), labels, blocks)
    for b, nodes in enumerate((np.arange(25), np.arange(25, 40))):
        inner = [
            (int(x) - nodes[0], int(y) - nodes[0], w)
            for x, y, w in edges
            if x in nodes and y in nodes
        ]
        alone = modularity(matrix(len(nodes), inner), labels[nodes])
        assert found[b] == pytest.approx(alone)
