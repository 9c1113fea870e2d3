"""How the signals combine: logistic regressions learned from the network itself.

Collaborations are hidden at random, the rest of the network is rebuilt, and each
organisation's hidden partners (positives) are told from random non-partners
(negatives), then, in a second round, also from the hundred non-partners the first
round's weights rank highest (hard negatives: telling a partner from a random
organisation is easy; a top ten must tell it from the look-alikes, and the twenty
nearest alone would, for a newcomer, all be hubs like the one it joins). Organisations with no, few (1–2) or more known partners get their own
weights: shared partners say much about a well-connected organisation and nothing
about a newcomer, whose suggestions lean on similarity, proximity and activity.
A need in free text has its own weights over the features it can have.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from directory.matching.features import (
    FEATURES,
    NEED_FEATURES,
    SIGNAL_OF,
    SIGNALS,
    feature_matrix,
    query_for,
)
from directory.matching.graph import MatchingGraph

REGIMES = ("isolated", "few", "connected", "need")
FEW_PARTNERS = 2
MIN_POSITIVES = 10


class NotEnoughCollaborations(Exception):
    """Too few collaborations to learn from (the shipped weights are kept)."""


def regime_of(partners: int) -> str:
    if partners == 0:
        return "isolated"
    return "few" if partners <= FEW_PARTNERS else "connected"


@dataclass
class Weights:
    """One logistic regression over standardised features."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    positives: int = 0
    samples: int = 0

    def columns(self) -> list[int]:
        return [FEATURES.index(f) for f in self.features]

    def standardised(self, x: np.ndarray) -> np.ndarray:
        return (x[..., self.columns()] - self.mean) / self.scale

    def logits(self, x: np.ndarray) -> np.ndarray:
        return self.intercept + self.standardised(x) @ self.coef

    def contributions(self, x: np.ndarray) -> dict[str, float]:
        """Each signal's share of the log-odds, against an average candidate."""
        parts = self.standardised(x) * self.coef
        found = dict.fromkeys(SIGNALS, 0.0)
        for feature, part in zip(self.features, parts, strict=True):
            found[SIGNAL_OF[feature]] += float(part)
        return found

    def to_dict(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "mean": [round(float(v), 6) for v in self.mean],
            "scale": [round(float(v), 6) for v in self.scale],
            "coef": [round(float(v), 6) for v in self.coef],
            "intercept": round(self.intercept, 6),
            "positives": self.positives,
            "samples": self.samples,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Weights:
        features = tuple(data["features"])
        unknown = set(features) - set(FEATURES)
        if unknown:
            raise ValueError(f"unknown matching features {sorted(unknown)}")
        return cls(
            features,
            np.array(data["mean"], dtype=np.float64),
            np.array(data["scale"], dtype=np.float64),
            np.array(data["coef"], dtype=np.float64),
            float(data["intercept"]),
            int(data.get("positives", 0)),
            int(data.get("samples", 0)),
        )


@dataclass
class MatchModel:
    weights: dict[str, Weights]
    learned_on: dict[str, Any] = field(default_factory=dict)

    def for_regime(self, regime: str) -> Weights:
        return self.weights[regime]

    def to_dict(self) -> dict[str, Any]:
        return {
            "learned_on": self.learned_on,
            "regimes": {r: w.to_dict() for r, w in self.weights.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MatchModel:
        regimes = data.get("regimes", {})
        missing = [r for r in REGIMES if r not in regimes]
        if missing:
            raise ValueError(f"the matching model lacks weights for {missing}")
        return cls(
            {r: Weights.from_dict(regimes[r]) for r in REGIMES},
            dict(data.get("learned_on", {})),
        )

    @classmethod
    def shipped(cls) -> MatchModel:
        """The defaults learned on the demo network (see README, "Peer matching")."""
        path = resources.files("directory.matching") / "default_model.json"
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))


def _fit(x: np.ndarray, y: np.ndarray, features: Sequence[str]) -> Weights:
    columns = [FEATURES.index(f) for f in features]
    x = x[:, columns]
    mean, scale = x.mean(axis=0), x.std(axis=0)
    constant = scale < 1e-9
    scale = np.where(constant, 1.0, scale)
    z = (x - mean) / scale
    z[:, constant] = 0.0
    fitted = LogisticRegression(C=1.0, max_iter=2000).fit(z, y)
    coef = np.where(constant, 0.0, fitted.coef_[0])
    return Weights(
        tuple(features), mean, scale, coef, float(fitted.intercept_[0]),
        int(y.sum()), len(y),
    )  # fmt: skip


@dataclass
class _Samples:
    x: list[np.ndarray] = field(default_factory=list)
    y: list[np.ndarray] = field(default_factory=list)

    def add(self, x: np.ndarray, positives: int) -> None:
        self.x.append(x)
        self.y.append(np.r_[np.ones(positives), np.zeros(len(x) - positives)])

    def positives(self) -> int:
        return int(sum(y.sum() for y in self.y))


def learn_model(
    organisations: pd.DataFrame,
    links: pd.DataFrame,
    vectors: np.ndarray,
    clusters: Mapping[str, tuple[str, Sequence[str]]] | None = None,
    *,
    hidden_share: float = 0.2,
    repeats: int = 4,
    negatives: int = 20,
    hard_negatives: int = 100,
    max_queries: int = 3000,
    rounds: int = 2,
    random_state: int = 0,
    fallback: MatchModel | None = None,
) -> MatchModel:
    """Learn each regime's weights by hiding ``hidden_share`` of the collaboration
    records and predicting them back. Sparse regimes (no or few partners) are
    sampled ``repeats`` times over fresh splits; a regime with too few positives
    takes ``fallback``'s weights (or raises NotEnoughCollaborations).

    The first round tells hidden partners from random non-partners; each later
    round, on the same splits, also shows it the ``hard_negatives`` non-partners the
    previous round ranked highest: the look-alikes a top ten must leave out."""
    full = MatchingGraph.build(organisations, links, vectors, clusters)
    weights: dict[str, Weights] = {}
    fallen_back: list[str] = []
    for _ in range(rounds):
        rng = np.random.default_rng(random_state)  # the same splits every round
        samples = {r: _Samples() for r in REGIMES}
        for repeat in range(repeats):
            kept = rng.random(len(links)) >= hidden_share
            graph = MatchingGraph.build(organisations, links[kept], vectors, clusters)
            for regime, x, positives in _hidden_partners(
                full,
                graph,
                repeat,
                weights,
                rng,
                negatives,
                hard_negatives,
                max_queries,
            ):
                samples[regime].add(x, positives)
                samples["need"].add(x, positives)
        weights, fallen_back = _fit_regimes(samples, fallback)
    return MatchModel(
        weights,
        {
            "organisations": full.n,
            "partnerships": int(full.adjacency.nnz // 2),
            "collaboration_records": len(links),
            "hidden_share": hidden_share,
            "repeats": repeats,
            "rounds": rounds,
            "random_state": random_state,
            "from_fallback": fallen_back,
        },
    )  # fmt: skip


def _hidden_partners(
    full: MatchingGraph,
    graph: MatchingGraph,
    repeat: int,
    weights: Mapping[str, Weights],
    rng: np.random.Generator,
    negatives: int,
    hard_negatives: int,
    max_queries: int,
) -> Iterator[tuple[str, np.ndarray, int]]:
    """(regime, features of hidden partners then non-partners, how many hidden)
    for each organisation that lost partners in ``graph``; with ``weights``, the
    non-partners they rank highest join the random ones."""
    hidden = (full.adjacency - graph.adjacency).tocsr()
    hidden.eliminate_zeros()
    rows = np.flatnonzero(np.diff(hidden.indptr))
    if len(rows) > max_queries:
        rows = rng.choice(rows, max_queries, replace=False)
    for row in rows:
        regime = regime_of(int(graph.degree[row]))
        if repeat and regime == "connected":
            continue  # plenty already; the repeats feed the sparse regimes
        positives = hidden.indices[hidden.indptr[row] : hidden.indptr[row + 1]]
        excluded = np.zeros(full.n, dtype=bool)
        excluded[row] = True
        excluded[full.partners(int(row))] = True
        pool = np.flatnonzero(~excluded)
        size = min(negatives * min(len(positives), 50), len(pool))
        chosen = np.r_[positives, rng.choice(pool, size, replace=False)]
        x = feature_matrix(graph, query_for(full, int(row)))
        if regime in weights:
            scores = weights[regime].logits(x[pool])
            hardest = np.argsort(-scores, kind="stable")[:hard_negatives]
            chosen = np.r_[chosen, pool[hardest]]
        yield regime, x[chosen], len(positives)


def _fit_regimes(
    samples: Mapping[str, _Samples], fallback: MatchModel | None
) -> tuple[dict[str, Weights], list[str]]:
    """Each regime's weights, or ``fallback``'s where it has too few positives."""
    weights, fallen_back = {}, []
    for regime, found in samples.items():
        features = NEED_FEATURES if regime == "need" else FEATURES
        if found.positives() >= MIN_POSITIVES:
            weights[regime] = _fit(
                np.vstack(found.x), np.concatenate(found.y), features
            )
        elif fallback is not None:
            weights[regime] = fallback.for_regime(regime)
            fallen_back.append(regime)
        else:
            raise NotEnoughCollaborations(
                f"only {found.positives()} hidden collaborations for the {regime!r} "
                f"regime; at least {MIN_POSITIVES} are needed to learn from"
            )
    return weights, fallen_back
