"""The clusters in the store: what the clustering reads, and what a build writes."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from directory.store import DirectoryStore, StoreError, now


def organisation_sites(store: DirectoryStore) -> pd.DataFrame:
    """One row per organisation with what the clustering needs: location, sectors,
    SIC codes, kind, size, funding, and whether it is RD&I-active (marked so, or
    evidenced by a funded collaboration or project)."""
    rows = store.query(
        """
        SELECT o.id, o.name, o.kind, o.lat, o.lon, o.sectors, o.sic_codes,
               o.rdi_active, o.employees, o.turnover,
               (SELECT sum(p.grant_offered) FROM participations p
                 WHERE p.organisation_id = o.id) AS funding,
               EXISTS (SELECT 1 FROM collaborations c WHERE c.org_a = o.id)
                 OR EXISTS (SELECT 1 FROM collaborations c WHERE c.org_b = o.id)
                 OR EXISTS (SELECT 1 FROM participations p
                             WHERE p.organisation_id = o.id) AS funded
        FROM organisations o ORDER BY o.id
        """
    )
    frame = pd.DataFrame(
        rows,
        columns=[
            "id", "name", "kind", "lat", "lon", "sectors", "sic_codes", "rdi_active",
            "employees", "turnover", "funding", "funded",
        ],
    )  # fmt: skip
    for column in ("sectors", "sic_codes"):
        frame[column] = frame[column].map(lambda v: json.loads(v) if v else [])
    frame["lat"] = pd.to_numeric(frame["lat"]).astype(float)
    frame["lon"] = pd.to_numeric(frame["lon"]).astype(float)
    frame["rdi_active"] = frame["rdi_active"].fillna(0).astype(bool) | frame[
        "funded"
    ].astype(bool)
    return frame.drop(columns="funded")


def collaboration_links(store: DirectoryStore) -> pd.DataFrame:
    """Collaborating pairs with their summed weight (all topics and sources)."""
    rows = store.query(
        "SELECT org_a, org_b, sum(weight) AS weight FROM collaborations"
        " GROUP BY org_a, org_b ORDER BY org_a, org_b"
    )
    return pd.DataFrame(rows, columns=["org_a", "org_b", "weight"])


def memberships(store: DirectoryStore) -> dict[str, list[str]]:
    """Current cluster id -> member organisation ids (for keeping ids on rebuild)."""
    found: dict[str, list[str]] = {}
    for row in store.query(
        "SELECT cluster_id, organisation_id FROM cluster_members ORDER BY 1, 2"
    ):
        found.setdefault(row["cluster_id"], []).append(row["organisation_id"])
    return found


def replace_clusters(
    store: DirectoryStore,
    clusters: Iterable[Mapping[str, Any]],
    actor: str,
    details: Mapping[str, Any],
) -> dict[str, int]:
    """Make the stored clusters exactly these, in one transaction. A cluster whose
    id is kept keeps its created_at and notes. Returns kept/added/removed counts."""
    clusters = list(clusters)
    stamp = now()
    with store.transaction():
        old = {r["id"]: r for r in store.query("SELECT id, created_at FROM clusters")}
        new_ids = {c["id"] for c in clusters}
        removed = [cid for cid in old if cid not in new_ids]
        store.db.execute("DELETE FROM cluster_members")
        for cid in removed:
            store.db.execute("DELETE FROM clusters WHERE id = ?", [cid])
        for cluster in clusters:
            _write_cluster(store, cluster, old.get(cluster["id"]), stamp)
        counts = {
            "kept": sum(1 for c in clusters if c["id"] in old),
            "added": sum(1 for c in clusters if c["id"] not in old),
            "removed": len(removed),
        }
        store.audit(actor, "build", "clusters", None, details={**details, **counts})
    return counts


def _write_cluster(
    store: DirectoryStore,
    cluster: Mapping[str, Any],
    old: Mapping[str, Any] | None,
    stamp: str,
) -> None:
    values = [
        cluster["name"], cluster["type"], cluster["method"], cluster["size"],
        cluster["lat"], cluster["lon"], json.dumps(cluster["profile"], ensure_ascii=False),
        cluster["summary"], stamp,
    ]  # fmt: skip
    if old:
        store.db.execute(
            "UPDATE clusters SET name = ?, type = ?, method = ?, size = ?, lat = ?,"
            " lon = ?, profile = ?, summary = ?, updated_at = ? WHERE id = ?",
            [*values, cluster["id"]],
        )
    else:
        store.db.execute(
            "INSERT INTO clusters (name, type, method, size, lat, lon, profile,"
            " summary, updated_at, id, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            [*values, cluster["id"], stamp],
        )
    store.db.conn.executemany(
        "INSERT INTO cluster_members (cluster_id, organisation_id, centrality)"
        " VALUES (?, ?, ?)",
        [(cluster["id"], oid, c) for oid, c in cluster["members"]],
    )


def cluster_list(store: DirectoryStore, cluster_type: str | None = None) -> list[dict]:
    """Clusters, largest first, with their profile decoded and member names."""
    where, params = ("WHERE type = ?", [cluster_type]) if cluster_type else ("", [])
    rows = store.query(f"SELECT * FROM clusters {where} ORDER BY size DESC, id", params)
    names = _member_names(store, [r["id"] for r in rows])
    for row in rows:
        row["profile"] = json.loads(row["profile"] or "{}")
        row["members"] = names.get(row["id"], [])
    return rows


def _member_names(store: DirectoryStore, ids: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {cid: [] for cid in ids}
    for row in store.query(
        "SELECT m.cluster_id, o.name FROM cluster_members m"
        " JOIN organisations o ON o.id = m.organisation_id"
        " ORDER BY m.cluster_id, m.centrality DESC, o.name"
    ):
        if row["cluster_id"] in found:
            found[row["cluster_id"]].append(row["name"])
    return found


def organisation_clusters(store: DirectoryStore, organisation_id: str) -> list[dict]:
    """The clusters an organisation belongs to, largest first."""
    return store.query(
        "SELECT c.id, c.name, c.type, c.size FROM clusters c"
        " JOIN cluster_members m ON m.cluster_id = c.id"
        " WHERE m.organisation_id = ? ORDER BY c.size DESC, c.id",
        [organisation_id],
    )


def set_cluster_notes(
    store: DirectoryStore, cluster_id: str, notes: str, actor: str
) -> None:
    """A facilitator's notes on a cluster (kept across rebuilds)."""
    rows = store.query("SELECT notes FROM clusters WHERE id = ?", [cluster_id])
    if not rows:
        raise StoreError(f"no cluster {cluster_id}")
    with store.transaction():
        store.db.execute(
            "UPDATE clusters SET notes = ? WHERE id = ?", [notes, cluster_id]
        )
        store.audit(
            actor, "update", "cluster", cluster_id,
            before={"notes": rows[0]["notes"]}, after={"notes": notes},
        )  # fmt: skip


# -- reads for the portal's cluster pages ---------------------------------------------

MEMBER_COLUMNS = "o.id, o.name, o.kind, o.region, o.country, o.sectors, o.lat, o.lon"


def clusters_generation(store: DirectoryStore) -> tuple[Any, ...]:
    """Changes whenever clusters or their members change (every change is audited),
    so figures derived from them can be cached per generation."""
    row = store.query(
        "SELECT (SELECT max(id) FROM audit_log) AS audit,"
        " (SELECT count(*) FROM clusters) AS clusters,"
        " (SELECT max(updated_at) FROM clusters) AS updated"
    )[0]
    return tuple(row.values())


def cluster_records(store: DirectoryStore) -> list[dict[str, Any]]:
    """Every cluster, largest first, with its profile decoded (no member lists)."""
    rows = store.query("SELECT * FROM clusters ORDER BY size DESC, id")
    for row in rows:
        row["profile"] = json.loads(row["profile"] or "{}")
    return rows


def cluster_record(store: DirectoryStore, cluster_id: str) -> dict[str, Any] | None:
    """One cluster with its profile decoded, or None when there is no such id."""
    rows = store.query("SELECT * FROM clusters WHERE id = ?", [cluster_id])
    if not rows:
        return None
    rows[0]["profile"] = json.loads(rows[0]["profile"] or "{}")
    return rows[0]


def member_places(store: DirectoryStore) -> dict[str, dict[str, int]]:
    """Cluster id -> its members' regions (local authorities) with member counts,
    most members first."""
    found: dict[str, dict[str, int]] = {}
    for row in store.query(
        "SELECT m.cluster_id, o.region, count(*) AS n FROM cluster_members m"
        " JOIN organisations o ON o.id = m.organisation_id"
        " WHERE o.region IS NOT NULL AND o.region != ''"
        " GROUP BY m.cluster_id, o.region ORDER BY m.cluster_id, n DESC, o.region"
    ):
        found.setdefault(row["cluster_id"], {})[row["region"]] = row["n"]
    return found


def cluster_member_records(
    store: DirectoryStore, cluster_id: str
) -> list[dict[str, Any]]:
    """A cluster's members (public fields only), most central first."""
    rows = store.query(
        f"SELECT {MEMBER_COLUMNS}, m.centrality FROM cluster_members m"
        " JOIN organisations o ON o.id = m.organisation_id"
        " WHERE m.cluster_id = ? ORDER BY m.centrality DESC, o.name, o.id",
        [cluster_id],
    )
    for row in rows:
        row["sectors"] = json.loads(row["sectors"]) if row["sectors"] else []
    return rows


def internal_collaborations(
    store: DirectoryStore, cluster_id: str
) -> list[dict[str, Any]]:
    """Collaborating pairs among a cluster's members, each pair once with its
    summed weight (all topics and sources)."""
    return store.query(
        "SELECT min(c.org_a, c.org_b) AS org_a, max(c.org_a, c.org_b) AS org_b,"
        " sum(c.weight) AS weight FROM collaborations c"
        " JOIN cluster_members a ON a.organisation_id = c.org_a AND a.cluster_id = ?"
        " JOIN cluster_members b ON b.organisation_id = c.org_b AND b.cluster_id = ?"
        " WHERE c.org_a != c.org_b"
        " GROUP BY min(c.org_a, c.org_b), max(c.org_a, c.org_b) ORDER BY 1, 2",
        [cluster_id, cluster_id],
    )
