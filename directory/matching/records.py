"""What matching reads from and writes to the store: organisations, collaboration
records and clusters as frames, capability vectors, and the learned weights."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from directory.matching.model import MatchModel
from directory.store import DirectoryStore, now

MAX_PROJECT_TITLES = 10


def capability_texts(store: DirectoryStore) -> dict[str, str]:
    """What an organisation does, in words: name, kind, sectors, description, tags
    and project titles (not where it is or whom it works with: other signals)."""
    titles: dict[str, list[str]] = {}
    for row in store.query(
        "SELECT p.organisation_id AS id, j.title FROM participations p"
        " JOIN projects j ON j.id = p.project_id WHERE j.title IS NOT NULL"
        " ORDER BY j.start_date DESC, j.id"
    ):
        found = titles.setdefault(row["id"], [])
        if len(found) < MAX_PROJECT_TITLES:
            found.append(str(row["title"]))
    texts = {}
    for row in store.query(
        "SELECT id, name, kind, sectors, description, tags FROM organisations"
    ):
        parts = [f"{row['name']}, a {row['kind']}."]
        if sectors := json.loads(row["sectors"] or "[]"):
            parts.append("Works in " + ", ".join(sectors) + ".")
        if row["description"]:
            parts.append(str(row["description"]))
        if tags := json.loads(row["tags"] or "[]"):
            parts.append("Tags: " + ", ".join(tags) + ".")
        if row["id"] in titles:
            parts.append("Projects: " + "; ".join(titles[row["id"]]) + ".")
        texts[row["id"]] = " ".join(parts)
    return texts


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def stored_hashes(store: DirectoryStore) -> dict[str, str]:
    rows = store.query("SELECT organisation_id, text_hash FROM organisation_vectors")
    return {r["organisation_id"]: r["text_hash"] for r in rows}


def save_vectors(
    store: DirectoryStore, items: Iterable[tuple[str, str, np.ndarray]]
) -> None:
    """(organisation id, text hash, vector) rows, replacing older ones."""
    store.db.conn.executemany(
        "INSERT OR REPLACE INTO organisation_vectors VALUES (?, ?, ?)",
        [(oid, h, np.asarray(v, dtype=np.float32).tobytes()) for oid, h, v in items],
    )


def matching_frames(
    store: DirectoryStore,
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray, dict[str, tuple[str, list[str]]]]:
    """Organisations (with vectors; zeros where none is stored yet), collaboration
    records and clusters, in the shapes MatchingGraph.build takes."""
    orgs = pd.DataFrame(
        store.query(
            "SELECT o.id, o.name, o.kind, o.region, o.country, o.lat, o.lon,"
            " o.sectors, v.vector FROM organisations o"
            " LEFT JOIN organisation_vectors v ON v.organisation_id = o.id"
            " ORDER BY o.id"
        ),
        columns=["id", "name", "kind", "region", "country", "lat", "lon", "sectors",
                 "vector"],
    )  # fmt: skip
    orgs["sectors"] = orgs["sectors"].map(lambda v: json.loads(v) if v else [])
    first = next((blob for blob in orgs["vector"] if blob), None)
    dimension = len(np.frombuffer(first, dtype=np.float32)) if first else 1
    vectors = np.zeros((len(orgs), dimension), dtype=np.float32)
    for i, blob in enumerate(orgs["vector"]):
        if blob:
            vectors[i] = np.frombuffer(blob, dtype=np.float32)
    links = pd.DataFrame(
        store.query("SELECT org_a, org_b, topic FROM collaborations ORDER BY id"),
        columns=["org_a", "org_b", "topic"],
    )
    clusters: dict[str, tuple[str, list[str]]] = {}
    for row in store.query(
        "SELECT c.id, c.name, m.organisation_id FROM clusters c"
        " JOIN cluster_members m ON m.cluster_id = c.id ORDER BY c.id"
    ):
        clusters.setdefault(row["id"], (row["name"], []))[1].append(
            row["organisation_id"]
        )
    return orgs.drop(columns="vector"), links, vectors, clusters


def save_model(store: DirectoryStore, model: MatchModel, actor: str) -> None:
    with store.transaction():
        store.db.execute(
            "INSERT INTO matching_models (learned_at, model) VALUES (?, ?)",
            [now(), json.dumps(model.to_dict())],
        )
        store.audit(actor, "learn", "matching_model", None, details=model.learned_on)


def load_model(store: DirectoryStore) -> tuple[MatchModel, str] | None:
    """The latest learned weights and when they were learned, if any."""
    rows = store.query(
        "SELECT learned_at, model FROM matching_models ORDER BY id DESC LIMIT 1"
    )
    if not rows:
        return None
    return MatchModel.from_dict(json.loads(rows[0]["model"])), rows[0]["learned_at"]


def generation(store: DirectoryStore) -> tuple[Any, ...]:
    """Changes whenever anything matching reads changes; a few index lookups, so
    cheap enough to check on every request. Collaborations are only ever added or
    deleted with an organisation, vectors replaced (a new rowid) on every save."""
    return tuple(
        store.query(
            "SELECT (SELECT count(*) FROM organisations) AS organisations,"
            " (SELECT max(updated_at) FROM organisations) AS updated,"
            " (SELECT max(id) FROM collaborations) AS collaborations,"
            " (SELECT max(rowid) FROM organisation_vectors) AS vectors,"
            " (SELECT max(id) FROM matching_models) AS model,"
            " (SELECT max(updated_at) FROM clusters) AS clusters"
        )[0].values()
    )
