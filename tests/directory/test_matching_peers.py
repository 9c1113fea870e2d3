"""The peers signal on a hand-made network: whom organisations like you work with,
smoothed towards coarser peer groups, as a feature and as a reason."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from directory.matching import FEATURES, MatchingGraph, query_for
from directory.matching.features import feature_matrix
from directory.matching.peers import PeerProfile

# Two Welsh engineering businesses work with Cardiff, one also with Glasgow; a
# Scottish one with Glasgow; the third Welsh business is new and has no partners.
ORGS = [
    ("w1", "Afon Ltd", "business", "Wales", ["Engineering"]),
    ("w2", "Bryn Ltd", "business", "Wales", ["Engineering"]),
    ("w3", "Cwm Ltd", "business", "Wales", ["Engineering"]),
    ("s1", "Glen Ltd", "business", "Scotland", ["Engineering"]),
    ("cardiff", "Cardiff University", "university", "Wales", ["Engineering"]),
    ("glasgow", "University of Glasgow", "university", "Scotland", ["Engineering"]),
]  # fmt: skip
LINKS = [("w1", "cardiff"), ("w2", "cardiff"), ("w2", "glasgow"), ("s1", "glasgow")]


@pytest.fixture
def graph() -> MatchingGraph:
    orgs = pd.DataFrame(ORGS, columns=["id", "name", "kind", "country", "sectors"])
    orgs["region"], orgs["lat"], orgs["lon"] = "", None, None
    links = pd.DataFrame(LINKS, columns=["org_a", "org_b"])
    links["topic"] = "Engineering"
    return MatchingGraph.build(orgs, links, np.eye(len(orgs), dtype=np.float32))


def test_a_newcomer_gets_the_smoothed_partner_shares_of_its_peers(
    graph: MatchingGraph,
) -> None:
    # worked by hand, coarsest first (w1 w2 w3 s1 cardiff glasgow):
    # everyone (8 partnership ends, 5 organisations with partners, over 1/6 each):
    #   (degree + 5/6) / 13 = [11 17 5 11 17 17] / 78
    # businesses (cardiff 2, glasgow 2; 4 ends, 2 distinct): (count + 2 p) / 6
    # Welsh businesses (cardiff 2, glasgow 1; 3 ends, 2 distinct): (count + 2 p) / 5,
    # and the same group again for Welsh businesses in Engineering
    shares = graph.peers.shares(graph.position["w3"])
    expected = np.array([88, 136, 40, 88, 7312, 4036]) / 11700
    np.testing.assert_allclose(shares, expected)
    x = feature_matrix(graph, query_for(graph, graph.position["w3"]))
    column = x[:, FEATURES.index("peer_partners")]
    np.testing.assert_allclose(column, np.log(expected * 6))


def test_peer_groups_without_partnerships_fall_back_to_everyone() -> None:
    # x and y (businesses) work together; no charity works with anyone yet
    adjacency = sp.csr_matrix(np.array([[0, 1, 0], [1, 0, 0], [0, 0, 0]], float))
    peers = PeerProfile(["business", "business", "charity"], [["A"]] * 3,
                        ["Wales"] * 3, adjacency)  # fmt: skip
    # everyone: (degree + 2 organisations with partners × 1/3) / (2 ends + 2)
    np.testing.assert_allclose(peers.shares(2), np.array([5, 5, 2]) / 12)


def test_a_university_sees_whom_its_peers_work_with(graph: MatchingGraph) -> None:
    # Cardiff's own partners count too (they are excluded as candidates anyway):
    # universities [111 207 15 111 51 51] / 546, then Welsh ones twice
    shares = graph.peers.shares(graph.position["cardiff"])
    expected = np.array([3720, 4104, 60, 444, 204, 204]) / 8736
    np.testing.assert_allclose(shares, expected)
    for row in range(graph.n):
        assert graph.peers.shares(row).sum() == pytest.approx(1.0)


def test_several_sectors_average_their_peer_groups() -> None:
    # x (sector A) works with y (sector B); z works in both and has no partners
    adjacency = sp.csr_matrix(np.array([[0, 1, 0], [1, 0, 0], [0, 0, 0]], float))
    peers = PeerProfile(["business"] * 3, [["A"], ["B"], ["A", "B"]], ["Wales"] * 3,
                        adjacency)  # fmt: skip
    # sector A's peers (x, z) work only with y: [92 284 8] / 384 after smoothing
    # through all businesses ([92 92 8] / 192); sector B's mirror that
    np.testing.assert_allclose(peers.shares(0), np.array([92, 284, 8]) / 384)
    np.testing.assert_allclose(peers.shares(2), np.array([376, 376, 16]) / 768)


def test_the_reason_names_the_finest_peer_group_that_works_with_them(
    graph: MatchingGraph,
) -> None:
    peers, row = graph.peers, graph.position
    assert peers.evidence(row["w3"], row["cardiff"], "Cardiff University") == (
        "2 of the 2 Welsh businesses in Engineering with partners work with "
        "Cardiff University"
    )
    assert peers.evidence(row["w3"], row["glasgow"], "University of Glasgow") == (
        "1 of the 2 Welsh businesses in Engineering with partners works with "
        "University of Glasgow"
    )
    # no Scottish business but Glen works with Cardiff: all businesses do
    assert peers.evidence(row["s1"], row["cardiff"], "Cardiff University") == (
        "2 of the 3 businesses with partners work with Cardiff University"
    )
    assert peers.evidence(row["cardiff"], row["w3"], "Cwm Ltd") == (
        "no universities work with Cwm Ltd yet"
    )
