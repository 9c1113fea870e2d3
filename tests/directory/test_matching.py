"""Peer matching on small hand-made networks: features, exclusions, filters, reasons,
the model's arithmetic and persistence, and reading a need."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from corpus.geocoding import Geocoder, load_local_authorities
from directory.matching import (
    FEATURES,
    SIGNALS,
    Filters,
    MatchError,
    MatchingGraph,
    MatchModel,
    NotEnoughCollaborations,
    Query,
    learn_model,
    query_for,
    read_need,
    suggest,
)
from directory.matching.features import feature_matrix
from directory.matching.model import _hidden_partners, regime_of

# A and D share partners B and C; E shares only B; F is unlinked and unplaced.
ORGS = [
    ("a", "Alpha Ltd", "business", "Aberdeen City", "Scotland", 57.15, -2.11, ["Engineering"]),
    ("b", "University of Beta", "university", "Glasgow City", "Scotland", 55.86, -4.25, ["Engineering", "Physics"]),
    ("c", "Gamma Council", "public body", "Cardiff", "Wales", 51.48, -3.18, ["Social Sciences"]),
    ("d", "Delta Robotics", "business", "Aberdeen City", "Scotland", 57.14, -2.10, ["Engineering"]),
    ("e", "Epsilon Trust", "charity", "Cardiff", "Wales", 51.49, -3.17, ["Social Sciences"]),
    ("f", "Zeta Institute", "research organisation", "", "", None, None, ["Physics"]),
]  # fmt: skip
LINKS = [("a", "b", "Engineering"), ("a", "c", "Social Sciences"), ("b", "d", "Engineering"),
         ("c", "d", "Social Sciences"), ("b", "e", "Engineering")]  # fmt: skip


def frames() -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    orgs = pd.DataFrame(
        ORGS,
        columns=["id", "name", "kind", "region", "country", "lat", "lon", "sectors"],
    )
    links = pd.DataFrame(LINKS, columns=["org_a", "org_b", "topic"])
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(len(orgs), 8)).astype(np.float32)
    vectors[3] = vectors[0] + 0.1  # Delta reads like Alpha
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return orgs, links, vectors


def flat_model(coef: dict[str, float] | None = None) -> MatchModel:
    """Hand-set weights on unstandardised features, the same in every regime."""
    coef = coef or {}
    regime = {
        "features": list(FEATURES),
        "mean": [0.0] * len(FEATURES),
        "scale": [1.0] * len(FEATURES),
        "coef": [coef.get(f, 0.0) for f in FEATURES],
        "intercept": -1.0,
    }
    return MatchModel.from_dict(
        {"regimes": dict.fromkeys(("isolated", "few", "connected", "need"), regime)}
    )


@pytest.fixture
def graph() -> MatchingGraph:
    orgs, links, vectors = frames()
    clusters = {"k1": ("Aberdeen — Engineering", ["a", "d", "x-unknown"])}
    return MatchingGraph.build(orgs, links, vectors, clusters)


def query_of(graph: MatchingGraph, oid: str) -> Query:
    return query_for(graph, graph.position[oid])


def test_network_features_count_shared_partners(graph: MatchingGraph) -> None:
    x = feature_matrix(graph, query_of(graph, "a"))
    common = x[:, FEATURES.index("common_partners")]
    assert np.expm1(common[graph.position["d"]]) == pytest.approx(2)
    assert np.expm1(common[graph.position["e"]]) == pytest.approx(1)
    assert common[graph.position["f"]] == 0
    # b has degree 3, c degree 2: Adamic–Adar of a and d = 1/ln 3 + 1/ln 2
    adamic = np.expm1(x[graph.position["d"], FEATURES.index("adamic_adar")])
    assert adamic == pytest.approx(1 / np.log(3) + 1 / np.log(2))
    shared = x[:, FEATURES.index("shared_clusters")]
    assert shared[graph.position["d"]] == 1 and shared[graph.position["e"]] == 0
    assert x[graph.position["f"], FEATURES.index("no_location")] == 1


def test_suggestions_exclude_self_and_partners_unless_asked(
    graph: MatchingGraph,
) -> None:
    model = flat_model({"common_partners": 1.0})
    ids = [s.id for s in suggest(graph, model, query_of(graph, "a"), k=10)]
    assert "a" not in ids and not {"b", "c"} & set(ids)
    assert ids[0] == "d"
    both = [
        s.id
        for s in suggest(
            graph, model, query_of(graph, "a"), k=10, include_partners=True
        )
    ]
    assert {"b", "c"} <= set(both) and "a" not in both


def test_every_reason_carries_its_evidence(graph: MatchingGraph) -> None:
    model = flat_model({"common_partners": 1.0, "similarity": 0.5})
    top = suggest(graph, model, query_of(graph, "a"), k=1)[0]
    reasons = {r.signal: r for r in top.reasons}
    assert set(reasons) == set(SIGNALS)
    assert reasons["network"].detail.startswith("2 shared partners: ")
    assert "Gamma Council" in reasons["network"].detail
    assert reasons["proximity"].detail == "1 km apart"
    assert reasons["clusters"].detail == "both in Aberdeen — Engineering"
    assert "both work in Engineering" in reasons["similarity"].detail
    assert "business ↔ business: 0 links" in reasons["complementarity"].detail
    assert reasons["activity"].detail == (
        "collaborates with 2 organisations, 1 of them in your sectors"
    )
    assert reasons["peers"].detail == "no businesses work with Delta Robotics yet"
    assert reasons["newcomers"].detail == "none of its 2 partners works with it alone"


def test_newcomers_count_the_partners_that_work_with_no_one_else() -> None:
    # hub works with l1 and l2 (no one else) and with m, who also works with n;
    # x and y work only with each other; z is new and works with no one
    names = ["hub", "l1", "l2", "m", "n", "x", "y", "z"]
    orgs = pd.DataFrame({"id": names, "name": [f"Org {v}" for v in names]})
    orgs["kind"], orgs["region"], orgs["country"] = "business", "", ""
    orgs["lat"], orgs["lon"], orgs["sectors"] = None, None, [[]] * len(names)
    links = pd.DataFrame(
        [("hub", "l1"), ("hub", "l2"), ("hub", "m"), ("m", "n"), ("x", "y")],
        columns=["org_a", "org_b"],
    )
    links["topic"] = "Engineering"
    graph = MatchingGraph.build(orgs, links, np.ones((len(names), 1), np.float32))
    x = feature_matrix(graph, query_for(graph, graph.position["z"]))
    alone = np.expm1(x[:, FEATURES.index("newcomer_partners")])
    # hub: l1, l2; m: n; l1, l2: hub has others; n: m has others; x, y: each other
    np.testing.assert_allclose(alone, [2, 0, 0, 1, 0, 1, 1, 0])
    model = flat_model({"newcomer_partners": 1.0})
    found = suggest(graph, model, query_for(graph, graph.position["z"]), k=8)
    assert found[0].id == "hub"
    detail = {
        s.id: next(r.detail for r in s.reasons if r.signal == "newcomers")
        for s in found
    }
    assert detail == {
        "hub": "2 of its 3 partners work with it alone",
        "m": "1 of its 2 partners works with it alone",
        "x": "its one partner works with it alone",
        "y": "its one partner works with it alone",
        "l1": "its one partner works with others too",
        "l2": "its one partner works with others too",
        "n": "its one partner works with others too",
    }
    reason = next(r for r in found[0].reasons if r.signal == "newcomers")
    assert reason.contribution == pytest.approx(np.log(3))
    need = suggest(graph, model, Query(np.ones(1, np.float32)), k=8)
    assert [r.detail for r in need[-1].reasons if r.signal == "newcomers"] == [
        "no partners yet"
    ]


def test_one_partner_is_said_in_the_singular(graph: MatchingGraph) -> None:
    model = flat_model({"common_partners": 1.0})
    found = suggest(graph, model, query_of(graph, "a"), k=10)
    epsilon = next(s for s in found if s.name == "Epsilon Trust")  # partner: b only
    activity = next(r for r in epsilon.reasons if r.signal == "activity")
    assert activity.detail.startswith("collaborates with 1 organisation,")


def test_contributions_add_up_to_the_score(graph: MatchingGraph) -> None:
    model = flat_model(
        {"common_partners": 0.7, "similarity": 0.3, "log_distance": -0.2}
    )
    for suggestion in suggest(graph, model, query_of(graph, "a"), k=3):
        logit = -1.0 + sum(r.contribution for r in suggestion.reasons)
        assert suggestion.score == pytest.approx(1 / (1 + np.exp(-logit)))


def test_filters_narrow_the_candidates(graph: MatchingGraph) -> None:
    model = flat_model({"similarity": 1.0})
    query = query_of(graph, "b")

    def ids(filters: Filters) -> set[str]:
        return {s.id for s in suggest(graph, model, query, 10, filters, True)}

    assert ids(Filters(kind="Charity")) == {"e"}
    assert ids(Filters(region="wales")) == {"c", "e"}
    assert ids(Filters(region="Aberdeen City")) == {"a", "d"}
    assert ids(Filters(sector="physics")) == {"f"}
    assert ids(Filters(max_km=200)) == {"a", "d"}  # Glasgow to Aberdeen ~ 145 km
    with pytest.raises(MatchError, match="needs a location"):
        suggest(graph, model, Query(graph.vectors[0]), 5, Filters(max_km=10))


def test_regimes_follow_the_number_of_known_partners() -> None:
    assert [regime_of(n) for n in (0, 1, 2, 3, 50)] == [
        "isolated", "few", "few", "connected", "connected",
    ]  # fmt: skip


def test_learning_needs_enough_collaborations_or_a_fallback() -> None:
    orgs, links, vectors = frames()
    with pytest.raises(NotEnoughCollaborations, match="at least 10"):
        learn_model(orgs, links, vectors, repeats=1)
    shipped = MatchModel.shipped()
    learned = learn_model(orgs, links, vectors, repeats=1, fallback=shipped)
    assert set(learned.learned_on["from_fallback"]) == {
        "isolated", "few", "connected", "need",
    }  # fmt: skip
    assert learned.for_regime("few") is shipped.for_regime("few")


def test_model_round_trips_through_json() -> None:
    shipped = MatchModel.shipped()
    again = MatchModel.from_dict(json.loads(json.dumps(shipped.to_dict())))
    for regime, weights in shipped.weights.items():
        assert again.for_regime(regime).features == weights.features
        np.testing.assert_allclose(again.for_regime(regime).coef, weights.coef)
    broken = shipped.to_dict()
    broken["regimes"]["few"]["features"][0] = "shoe_size"
    with pytest.raises(ValueError, match="shoe_size"):
        MatchModel.from_dict(broken)
    del broken["regimes"]["need"]
    with pytest.raises(ValueError, match="need"):
        MatchModel.from_dict(broken)


@pytest.fixture(scope="module")
def places() -> pd.DataFrame:
    return load_local_authorities().reset_index()


@pytest.fixture(scope="module")
def locate(geocoder: Geocoder):  # type: ignore[no-untyped-def]
    def find(postcode: str) -> tuple[float, float] | None:
        place = geocoder.locate_postcode(postcode)
        return None if place is None else (place.lat, place.lon)

    return find


def test_need_recognises_a_place_name_and_a_kind(places, locate) -> None:  # type: ignore[no-untyped-def]
    need = read_need(
        "a university partner for hydrogen storage trials near Aberdeen", places, locate
    )
    assert need.kind == "university"
    assert need.place == "Aberdeen City"
    assert need.lat == pytest.approx(57.17, abs=0.1)
    edinburgh = read_need("digital health SMEs in Edinburgh", places, locate)
    assert (edinburgh.place, edinburgh.kind) == ("City of Edinburgh", "business")


def test_need_recognises_postcodes_but_not_chemistry(places, locate) -> None:  # type: ignore[no-untyped-def]
    need = read_need("sensor firms around EH1 1YZ", places, locate)
    assert need.postcode == "EH1 1YZ" and need.lat is not None
    district = read_need("partners near AB10 for wind", places, locate)
    assert district.postcode == "AB10"
    co2 = read_need("expertise in CO2 capture and storage", places, locate)
    assert co2.postcode is None and co2.lat is None and co2.kind is None
    wales = read_need("a charity working on rural poverty in Wales", places, locate)
    assert wales.country == "Wales" and wales.kind == "charity"
    assert wales.understood() == {"kind": "charity", "country": "Wales"}


def test_need_near_overrides_the_text_and_must_be_known(places, locate) -> None:  # type: ignore[no-untyped-def]
    need = read_need("hydrogen near Aberdeen", places, locate, near="Cardiff")
    assert need.place == "Cardiff"
    with pytest.raises(ValueError, match="neither a known UK postcode"):
        read_need("hydrogen", places, locate, near="Atlantis")


def test_later_rounds_also_learn_from_the_non_partners_ranked_highest() -> None:
    orgs, links, vectors = frames()
    full = MatchingGraph.build(orgs, links, vectors)
    graph = MatchingGraph.build(orgs, links.iloc[1:], vectors)  # a–b hidden
    a, d = full.position["a"], full.position["d"]
    similar = {"few": flat_model({"similarity": 1.0}).for_regime("few")}
    for weights, rows in (({}, 2), (similar, 3)):
        found = list(
            _hidden_partners(
                full, graph, 0, weights, np.random.default_rng(0), 1, 1, 10
            )
        )
        regime, x, positives = found[0]  # a, left with one partner (c), lost b
        assert (regime, positives, len(x)) == ("few", 1, rows)
        expected = feature_matrix(graph, query_for(full, a))
        np.testing.assert_allclose(x[0], expected[full.position["b"]])
    # d reads most like a of the non-partners d, e, f: the hardest negative
    np.testing.assert_allclose(x[-1], expected[d])
