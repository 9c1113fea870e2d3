"""Rank every organisation as a partner for a query and explain the top ones."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from directory.matching.features import (
    FEATURES,
    SIGNAL_OF,
    Query,
    feature_matrix,
    query_distances,
)
from directory.matching.graph import MatchingGraph
from directory.matching.model import MatchModel, regime_of

SHOWN_PARTNERS = 3


class MatchError(Exception):
    """A request we cannot answer as asked; the message says why."""


@dataclass(frozen=True)
class Filters:
    kind: str | None = None
    region: str | None = None  # a local authority or a country
    sector: str | None = None
    max_km: float | None = None

    def mask(self, graph: MatchingGraph, km: np.ndarray | None) -> np.ndarray:
        keep = np.ones(graph.n, dtype=bool)
        if self.kind:
            keep &= graph.kind_keys == self.kind.strip().lower()
        if self.region:
            wanted = self.region.strip().lower()
            keep &= (graph.region_keys == wanted) | (graph.country_keys == wanted)
        if self.sector:
            keep &= graph.in_sector(self.sector)
        if self.max_km is not None:
            if km is None:
                raise MatchError(
                    "a maximum distance needs a location: the organisation has none, "
                    "or give the need a postcode or place"
                )
            keep &= np.nan_to_num(km, nan=np.inf) <= self.max_km
        return keep


@dataclass
class Reason:
    signal: str
    contribution: float
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "signal": self.signal,
            "contribution": round(self.contribution, 3),
            "detail": self.detail,
        }


@dataclass
class Suggestion:
    id: str
    name: str
    kind: str
    region: str
    score: float
    reasons: list[Reason] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "id": self.id,
            "kind": self.kind,
            "region": self.region,
            "score": round(self.score, 4),
            "reasons": [r.to_dict() for r in self.reasons],
        }


def rank(
    graph: MatchingGraph,
    model: MatchModel,
    query: Query,
    *,
    include_partners: bool = False,
    km: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, str]:
    """Every candidate's score (nan for excluded ones), the feature matrix and the
    regime used. Excluded: the organisation itself and, unless asked, its partners."""
    regime = "need" if query.row is None else regime_of(int(graph.degree[query.row]))
    weights = model.for_regime(regime)
    x = feature_matrix(graph, query, km)
    scores = weights.logits(x)
    if query.row is not None:
        scores[query.row] = np.nan
        if not include_partners:
            scores[graph.partners(query.row)] = np.nan
    return scores, x, regime


def suggest(
    graph: MatchingGraph,
    model: MatchModel,
    query: Query,
    k: int = 10,
    filters: Filters | None = None,
    include_partners: bool = False,
) -> list[Suggestion]:
    """The k best candidates, each with every signal's contribution and evidence."""
    km = query_distances(graph, query)
    scores, x, regime = rank(
        graph, model, query, include_partners=include_partners, km=km
    )
    located = query.lat is not None and query.lon is not None
    keep = (filters or Filters()).mask(graph, km if located else None)
    candidates = np.flatnonzero(keep & ~np.isnan(scores))
    top = candidates[np.argsort(-scores[candidates], kind="stable")[:k]]
    weights = model.for_regime(regime)
    used = {SIGNAL_OF[f] for f in weights.features}
    found = []
    for row in top:
        parts = weights.contributions(x[row])
        found.append(
            Suggestion(
                id=str(graph.ids[row]),
                name=str(graph.names[row]),
                kind=str(graph.kinds[row]),
                region=str(graph.regions[row]),
                score=float(1 / (1 + np.exp(-scores[row]))),
                reasons=[
                    Reason(signal, parts[signal], detail)
                    for signal, detail in explain(graph, query, int(row), x[row], km)
                    if signal in used
                ],
            )
        )
    return found


def explain(
    graph: MatchingGraph,
    query: Query,
    row: int,
    x: np.ndarray,
    km: np.ndarray,
) -> list[tuple[str, str]]:
    """The evidence behind each signal, in words a member can check."""
    value = dict(zip(FEATURES, x, strict=True))
    details = [("similarity", _similarity(graph, query, row, value))]
    if query.row is not None:
        details.append(("complementarity", _complementarity(graph, query.row, row)))
    if np.isnan(km[row]):
        details.append(("proximity", "location unknown"))
    else:
        details.append(("proximity", f"{km[row]:.0f} km apart"))
    if query.row is not None:
        details.append(("network", _network(graph, query.row, row, value)))
    details.append(("activity", _activity(graph, query, row)))
    details.append(("newcomers", _newcomers(graph, row)))
    if query.row is not None:
        name = str(graph.names[row])
        details.append(("peers", graph.peers.evidence(query.row, row, name)))
        details.append(("clusters", _clusters(graph, query.row, row)))
    return details


def _similarity(
    graph: MatchingGraph, query: Query, row: int, value: dict[str, float]
) -> str:
    text = f"profile similarity {value['similarity']:.2f}"
    if query.row is not None:
        shared = [s for s in graph.sectors[row] if s in graph.sectors[query.row]]
        if shared:
            text += "; both work in " + ", ".join(shared)
    return text


def _complementarity(graph: MatchingGraph, me: int, row: int) -> str:
    parts = []
    best: tuple[float, str, str] | None = None
    for mine in graph.sectors[me]:
        for theirs in graph.sectors[row]:
            lift = graph.sector_lift[
                graph.sector_index[mine], graph.sector_index[theirs]
            ]
            if best is None or lift > best[0]:
                best = (lift, mine, theirs)
    if best is not None:
        i, j = graph.sector_index[best[1]], graph.sector_index[best[2]]
        # the matrix counts each link from both ends; within one sector, that is twice
        links = graph.sector_links[i, j] / (2 if i == j else 1)
        parts.append(
            f"{best[1]} ↔ {best[2]}: {int(links):,} joint links in the network"
        )
    k1, k2 = graph.kind_index[graph.kinds[me]], graph.kind_index[graph.kinds[row]]
    links = graph.kind_links[k1, k2] / (2 if k1 == k2 else 1)
    parts.append(f"{graph.kinds[me]} ↔ {graph.kinds[row]}: {int(links):,} links")
    return "; ".join(parts)


def _network(graph: MatchingGraph, me: int, row: int, value: dict[str, float]) -> str:
    shared = np.intersect1d(graph.partners(me), graph.partners(row))
    if len(shared):
        # the least-connected shared partners say the most (as in Adamic–Adar)
        named = shared[np.argsort(graph.degree[shared], kind="stable")][:SHOWN_PARTNERS]
        names = ", ".join(str(graph.names[i]) for i in named)
        more = ", …" if len(shared) > SHOWN_PARTNERS else ""
        noun = "shared partner" if len(shared) == 1 else "shared partners"
        return f"{len(shared)} {noun}: {names}{more}"
    if row in set(graph.partners(me)):
        return "already partners"
    if value["three_step_paths"] > 0:
        return "no shared partners; linked through partners' partners (3 steps)"
    return "no shared partners; not linked within 3 steps"


def _activity(graph: MatchingGraph, query: Query, row: int) -> str:
    degree = int(graph.degree[row])
    text = f"collaborates with {degree:,} organisation{'' if degree == 1 else 's'}"
    if query.row is not None and len(mine := graph.sectors_of(query.row)):
        partners = graph.partners(row)
        in_field = int((graph.sector_matrix[partners][:, mine].sum(axis=1) > 0).sum())
        text += f", {in_field:,} of them in your sectors"
    return text


def _newcomers(graph: MatchingGraph, row: int) -> str:
    degree, alone = int(graph.degree[row]), int(graph.newcomer_partners[row])
    if not degree:
        return "no partners yet"
    if degree == 1:
        other = "it alone" if alone else "others too"
        return f"its one partner works with {other}"
    if not alone:
        return f"none of its {degree:,} partners works with it alone"
    verb = "works" if alone == 1 else "work"
    return f"{alone:,} of its {degree:,} partners {verb} with it alone"


def _clusters(graph: MatchingGraph, me: int, row: int) -> str:
    shared = np.intersect1d(graph.clusters[me].indices, graph.clusters[row].indices)
    if not len(shared):
        return "no shared cluster"
    return "both in " + "; ".join(graph.cluster_names[i] for i in shared[:3])
