"""The signals a suggestion is scored on, as one feature matrix per request: a row
per candidate organisation, a column per feature, each feature part of one signal."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from directory.matching.graph import MatchingGraph

# signal -> its features; the order is the feature matrix's column order
SIGNALS: dict[str, tuple[str, ...]] = {
    "similarity": ("similarity", "partner_similarity"),
    "complementarity": ("sector_lift", "kind_lift", "partner_sector_share"),
    "proximity": ("log_distance", "no_location"),
    "network": (
        "adamic_adar",
        "resource_allocation",
        "common_partners",
        "topic_adamic_adar",
        "partner_overlap",
        "three_step_paths",
    ),
    "activity": ("log_partners", "field_partners"),
    "peers": ("peer_partners",),
    "newcomers": ("newcomer_partners",),
    "clusters": ("shared_clusters",),
}
FEATURES: tuple[str, ...] = tuple(f for fs in SIGNALS.values() for f in fs)
SIGNAL_OF = {f: signal for signal, fs in SIGNALS.items() for f in fs}
# what a need in free text can be scored on: no partners, sectors or kind of its own
NEED_FEATURES = ("similarity", "log_distance", "no_location", "log_partners")
UNPLACED_KM = 300.0  # distance assumed when either side has no location


@dataclass
class Query:
    """Who suggestions are for: an organisation in the graph (row) or a need."""

    vector: np.ndarray
    lat: float | None = None
    lon: float | None = None
    row: int | None = None


def query_for(graph: MatchingGraph, row: int) -> Query:
    """An organisation in the graph as a query: its vector, location and row."""
    return Query(graph.vectors[row], *graph.location(row), row=row)


def _column(n: int) -> np.ndarray:
    return np.zeros(n, dtype=np.float64)


def _row_vector(matrix: object) -> np.ndarray:
    return np.asarray(matrix.todense()).ravel()  # type: ignore[attr-defined]


def network_features(graph: MatchingGraph, row: int) -> dict[str, np.ndarray]:
    """Shared partners weighed several ways, the same per topic, and 3-step paths."""
    a = graph.adjacency[row]
    common = _row_vector(a @ graph.adjacency)
    adamic = _row_vector(a.multiply(graph.adamic_weight) @ graph.adjacency)
    allocation = _row_vector(a.multiply(graph.inverse_degree) @ graph.adjacency)
    topical = _column(graph.n)
    for layer in graph.topic_adjacency:
        t = layer[row]
        if t.nnz:
            topical += _row_vector(t.multiply(graph.adamic_weight) @ layer)
    two = a.multiply(graph.inverse_root_degree) @ graph.adjacency
    three = _row_vector(two.multiply(graph.inverse_root_degree) @ graph.adjacency)
    return {
        "adamic_adar": np.log1p(adamic),
        "resource_allocation": np.log1p(10 * allocation),
        "common_partners": np.log1p(common),
        "topic_adamic_adar": np.log1p(topical),
        "partner_overlap": common / np.maximum(graph.degree, 1),
        "three_step_paths": np.log1p(three),
    }


def query_distances(graph: MatchingGraph, query: Query) -> np.ndarray:
    """km from the query to every organisation; all nan when it has no location."""
    if query.lat is None or query.lon is None:
        return np.full(graph.n, np.nan)
    return graph.distances_km(query.lat, query.lon)


def feature_matrix(
    graph: MatchingGraph, query: Query, km: np.ndarray | None = None
) -> np.ndarray:
    """n × len(FEATURES): every organisation as a candidate for this query
    (``km``: query_distances, when the caller has them already)."""
    n = graph.n
    values: dict[str, np.ndarray] = {}
    values["similarity"] = graph.vectors @ query.vector
    if km is None:
        km = query_distances(graph, query)
    values["no_location"] = np.isnan(km).astype(np.float64)
    values["log_distance"] = np.log1p(np.nan_to_num(km, nan=UNPLACED_KM))
    values["log_partners"] = np.log1p(graph.degree)
    values["newcomer_partners"] = np.log1p(graph.newcomer_partners)
    if query.row is not None:
        r = query.row
        values["partner_similarity"] = graph.partner_vectors @ query.vector
        mine = graph.sectors_of(r)
        pair_lift = graph.sector_lift[mine].sum(axis=0) if len(mine) else None
        if pair_lift is not None:
            total = graph.sector_matrix @ pair_lift
            values["sector_lift"] = total / np.maximum(
                graph.sector_count * len(mine), 1
            )
            in_field = np.asarray(graph.partner_sectors[:, mine].sum(axis=1)).ravel()
            values["field_partners"] = np.log1p(in_field)
            values["partner_sector_share"] = in_field / np.maximum(
                graph.degree * len(mine), 1
            )
        kind = graph.kind_index[graph.kinds[r]]
        values["kind_lift"] = graph.kind_matrix @ graph.kind_lift[kind]
        # log of the peers' smoothed share over a uniform share: 0 = no preference
        values["peer_partners"] = np.log(graph.peers.shares(r) * n)
        values.update(network_features(graph, r))
        values["shared_clusters"] = _row_vector(graph.clusters[r] @ graph.clusters.T)
    return np.column_stack([values.get(f, _column(n)) for f in FEATURES])
