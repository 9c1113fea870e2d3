"""The use cases of peer matching: refresh capability vectors and relearn the weights
(run by every build), and suggest collaborators for an organisation or a need.

The graph a request ranks over is built once per process and store generation, so
requests after the first cost only the ranking itself.
"""

from __future__ import annotations

import difflib
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from corpus.geocoding import load_local_authorities
from corpus.names import normalise_name
from corpus.values import MAX_NAME_CHARS, controls_as_spaces, shown
from directory.matching import (
    Filters,
    MatchError,
    MatchingGraph,
    MatchModel,
    NotEnoughCollaborations,
    Query,
    learn_model,
    query_for,
    read_need,
    records,
    suggest,
)
from portal.access import Viewer, require
from portal.knowledge import embedder
from portal.settings import Settings
from portal.workspace import geocoder, open_store

CLOSEST_NAMES = 5


@dataclass
class Matcher:
    """One store generation's graph and weights, ready to rank."""

    graph: MatchingGraph
    model: MatchModel
    model_note: str
    by_name: dict[str, list[int]]

    def resolve(self, text: str) -> int:
        """An organisation by id, exact name or normalised name; else a MatchError
        naming the closest names."""
        text = controls_as_spaces(text).strip()
        if len(text) > MAX_NAME_CHARS:
            raise MatchError(
                f"{shown(text)} is {len(text):,} characters long; no organisation's "
                f"name is longer than {MAX_NAME_CHARS}"
            )
        if text in self.graph.position:
            return self.graph.position[text]
        rows = self.by_name.get(normalise_name(text), [])
        if len(rows) == 1:
            return rows[0]
        if len(rows) > 1:
            options = "; ".join(
                f"{self.graph.names[r]} ({self.graph.ids[r]})" for r in rows
            )
            raise MatchError(
                f"{shown(text)} names several organisations: {options}; use an id"
            )
        close = difflib.get_close_matches(
            normalise_name(text), list(self.by_name), n=CLOSEST_NAMES, cutoff=0.6
        )
        names = [str(self.graph.names[self.by_name[c][0]]) for c in close]
        hint = f"; closest names: {', '.join(names)}" if names else ""
        raise MatchError(f"no organisation called {shown(text)}{hint}")


_cache: dict[Path, tuple[tuple[Any, ...], Matcher]] = {}
_lock = threading.Lock()


def matcher(settings: Settings) -> Matcher:
    """The workspace's matcher, rebuilt only when the store has changed."""
    with _lock, open_store(settings) as store:
        stamp = records.generation(store)
        cached = _cache.get(settings.database_path)
        if cached and cached[0] == stamp:
            return cached[1]
        orgs, links, vectors, clusters = records.matching_frames(store)
        learned = records.load_model(store)
    if learned is None:
        model, note = MatchModel.shipped(), "the shipped weights (learned on the demo)"
    else:
        model, note = learned[0], f"weights learned from this network on {learned[1]}"
    graph = MatchingGraph.build(orgs, links, vectors, clusters)
    by_name: dict[str, list[int]] = {}
    for row, name in enumerate(graph.names):
        by_name.setdefault(normalise_name(str(name)), []).append(row)
    found = Matcher(graph, model, note, by_name)
    with _lock:
        _cache[settings.database_path] = (stamp, found)
    return found


@lru_cache(maxsize=1)
def _places() -> Any:
    return load_local_authorities().reset_index()


def refresh_capability_vectors(settings: Settings) -> int:
    """Embed the organisations whose capability text changed; returns how many."""
    with open_store(settings) as store:
        texts = records.capability_texts(store)
        known = records.stored_hashes(store)
        stale = {
            oid: (records.text_hash(text), text)
            for oid, text in texts.items()
            if known.get(oid) != records.text_hash(text)
        }
        if not stale:
            return 0
        ids = list(stale)
        vectors = embedder(settings).encode([stale[i][1] for i in ids])
        with store.transaction():
            records.save_vectors(
                store, ((i, stale[i][0], v) for i, v in zip(ids, vectors, strict=True))
            )
    return len(ids)


def learn_weights(settings: Settings, actor: str) -> dict[str, Any]:
    """Relearn how the signals combine from the current network (run by build)."""
    embedded = refresh_capability_vectors(settings)
    with open_store(settings) as store:
        orgs, links, vectors, clusters = records.matching_frames(store)
    try:
        model = learn_model(
            orgs, links, vectors, clusters, random_state=settings.matching.random_state,
            fallback=MatchModel.shipped(),
        )  # fmt: skip
    except NotEnoughCollaborations as exc:
        return {"embedded": embedded, "learned": False, "note": str(exc)}
    if len(model.learned_on["from_fallback"]) == len(model.weights):
        note = "too few collaborations to learn from; the shipped weights stay in use"
        return {"embedded": embedded, "learned": False, "note": note}
    with open_store(settings) as store:
        records.save_model(store, model, actor)
    return {"embedded": embedded, "learned": True, **model.learned_on}


def match_organisation(
    settings: Settings,
    organisation: str,
    k: int | None = None,
    filters: Filters | None = None,
    include_partners: bool = False,
) -> dict[str, Any]:
    """Suggested collaborators for an organisation (name or id), with reasons."""
    found = matcher(settings)
    row = found.resolve(organisation)
    graph = found.graph
    query = query_for(graph, row)
    suggestions = suggest(
        graph, found.model, query, k or settings.matching.default_k, filters,
        include_partners,
    )  # fmt: skip
    return {
        "query": organisation,
        "organisation": {"id": str(graph.ids[row]), "name": str(graph.names[row])},
        "suggestions": [s.to_dict() for s in suggestions],
    }


def match_need(
    settings: Settings,
    text: str,
    near: str | None = None,
    k: int | None = None,
    filters: Filters | None = None,
) -> dict[str, Any]:
    """Suggested partners for a need in free text, near a postcode or place if one
    is given or named; a kind or country the text names narrows the candidates."""
    text = controls_as_spaces(text).strip()
    if near is not None:
        near = controls_as_spaces(near).strip() or None
    if not text:
        raise MatchError("describe the need: what kind of partner, for what, where")
    if len(text) > 2000:
        raise MatchError("a need is at most 2,000 characters")
    locator = geocoder(settings)

    def locate(postcode: str) -> tuple[float, float] | None:
        place = locator.locate_postcode(postcode)
        return None if place is None else (place.lat, place.lon)

    places = _places()
    try:
        need = read_need(text, places, locate, near)
    except ValueError as exc:
        raise MatchError(str(exc)) from None
    filters = filters or Filters()
    filters = replace(
        filters, kind=filters.kind or need.kind, region=filters.region or need.country
    )
    found = matcher(settings)
    vector = embedder(settings).encode([text])[0]
    query = Query(vector, need.lat, need.lon, None)
    suggestions = suggest(
        found.graph, found.model, query, k or settings.matching.default_k, filters
    )
    return {
        "query": text,
        "understood": need.understood(),
        "suggestions": [s.to_dict() for s in suggestions],
    }


def match_batch(
    settings: Settings,
    names: Iterable[str],
    k: int | None = None,
    filters: Filters | None = None,
) -> Iterator[dict[str, Any]]:
    """One result per name, in order; an unknown name yields its error, not a stop."""
    for name in names:
        try:
            yield match_organisation(settings, name, k, filters)
        except MatchError as exc:
            yield {"query": name, "error": str(exc)}


def model_summary(settings: Settings) -> dict[str, Any]:
    """The weights in use: where they come from and each regime's coefficients."""
    found = matcher(settings)
    return {"source": found.model_note, **found.model.to_dict()}


def sectors(settings: Settings) -> list[str]:
    """The sectors candidates can be filtered by."""
    return sorted(matcher(settings).graph.sector_index)


def suggestions_for(
    settings: Settings,
    viewer: Viewer,
    organisation: str | None = None,
    need: str | None = None,
    near: str | None = None,
    k: int | None = None,
    filters: Filters | None = None,
) -> dict[str, Any]:
    """The portal's entry: suggestions for an organisation or a need, for viewers
    who may look for collaborators."""
    require(viewer, "find_collaborators")
    if organisation:
        return match_organisation(settings, organisation, k, filters)
    return match_need(settings, need or "", near, k, filters)
