"""Each cluster's figures, name, stable id and summary paragraph."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.spatial import cKDTree

from clustering.communities import membership_matrix, weighted_degree
from clustering.geometry import EARTH_RADIUS_KM, haversine_km, outline, unit_vectors

if TYPE_CHECKING:
    from clustering.pipeline import Cluster, ClusterParams

CENTRAL_MEMBERS = 5
NEIGHBOURS = 5
ID_OVERLAP = 0.5


def profile_clusters(
    clusters: list[Cluster],
    sites: pd.DataFrame,
    adjacency: csr_matrix,
    params: ClusterParams,
    places: pd.DataFrame | None,
    previous: Mapping[str, Sequence[str]] | None,
) -> None:
    """Fill in id, name, centrality, profile and summary of every cluster, and
    sort them largest first."""
    clusters.sort(key=lambda c: (-len(c.members), int(c.members[0])))
    ids = sites["id"].astype(str).to_numpy()
    assigned = stable_ids([ids[c.members] for c in clusters], previous or {})
    names = cluster_names(clusters, sites, places, params)
    for cluster, cluster_id, name in zip(clusters, assigned, names, strict=True):
        cluster.id, cluster.name = cluster_id, name
        cluster.centrality = _centrality(adjacency, cluster.members)
        cluster.profile = _figures(cluster, sites)
    _relations(clusters, adjacency, params)
    for cluster in clusters:
        cluster.summary = summarise(cluster)
        cluster.profile["summary"] = cluster.summary


def stable_ids(
    members: list[NDArray[Any]], previous: Mapping[str, Sequence[str]]
) -> list[str]:
    """Reuse an old id for the new cluster overlapping it most (Jaccard >= 0.5,
    one to one, best pairs first); others get an id hashed from their members."""
    old_sets = {cid: {str(m) for m in group} for cid, group in previous.items()}
    owner: dict[str, list[str]] = {}
    for cid, old_members in old_sets.items():
        for member in old_members:
            owner.setdefault(member, []).append(cid)
    pairs = []
    for i, new_members in enumerate(members):
        shared: dict[str, int] = {}
        for member in new_members:
            for cid in owner.get(str(member), ()):
                shared[cid] = shared.get(cid, 0) + 1
        for cid, common in shared.items():
            jaccard = common / (len(new_members) + len(old_sets[cid]) - common)
            if jaccard >= ID_OVERLAP:
                pairs.append((-jaccard, i, cid))
    result: list[str | None] = [None] * len(members)
    taken: set[str] = set()
    for _, i, cid in sorted(pairs):
        if result[i] is None and cid not in taken:
            result[i] = cid
            taken.add(cid)
    for i, new_members in enumerate(members):
        if result[i] is None:
            text = "\n".join(sorted(map(str, new_members)))
            digest = hashlib.sha1(text.encode()).hexdigest()
            candidate, n = f"cl-{digest[:10]}", 1
            while candidate in taken or candidate in old_sets:
                n += 1
                candidate = f"cl-{digest[:10]}-{n}"
            result[i] = candidate
            taken.add(candidate)
    return [r for r in result if r is not None]


class PlaceFinder:
    """The named place (e.g. local authority centroid) nearest any point: one tree
    for all the clusters of a build."""

    def __init__(self, places: pd.DataFrame | None) -> None:
        self.tree: cKDTree | None = None
        self.names: NDArray[Any] = np.empty(0, dtype=object)
        if places is not None and len(places):
            lat, lon = places["lat"].to_numpy(float), places["lon"].to_numpy(float)
            self.tree = cKDTree(unit_vectors(lat, lon))
            self.names = places["name"].to_numpy(dtype=object)

    def nearest(
        self, lat: NDArray[np.float64], lon: NDArray[np.float64]
    ) -> NDArray[Any]:
        """Name of the place nearest each located point (unlocated ones skipped)."""
        located = np.isfinite(lat) & np.isfinite(lon)
        if self.tree is None or not located.any():
            return np.empty(0, dtype=object)
        _, index = self.tree.query(unit_vectors(lat[located], lon[located]))
        return self.names[index]


def cluster_names(
    clusters: list[Cluster],
    sites: pd.DataFrame,
    places: pd.DataFrame | None,
    params: ClusterParams,
) -> list[str]:
    """ "Place — dominant sector" ("mixed sectors" when no sector holds the
    specialisation share); a dispersed community names its two main places."""
    finder = PlaceFinder(places)
    lat, lon = sites["lat"].to_numpy(float), sites["lon"].to_numpy(float)
    names: list[str] = []
    seen: dict[str, int] = {}
    for cluster in clusters:
        figures = cluster.criteria.specialised.figures
        concentrated = figures.get("share", 0) >= params.specialised_share
        top = figures["sector"] if concentrated else "mixed sectors"
        if cluster.type == "Dispersed":
            members = cluster.members
            counts = pd.Series(
                finder.nearest(lat[members], lon[members])
            ).value_counts()
            main = sorted(counts.index[:2])
            if len(counts) > 2:
                shown = f"{', '.join(main)} and others"
            else:
                shown = " and ".join(main) or "no known place"
            name = f"{top} community — {shown}"
        else:
            centre = finder.nearest(
                np.array([cluster.centre[0]]), np.array([cluster.centre[1]])
            )
            name = f"{centre[0] if len(centre) else 'Unplaced'} — {top}"
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return names


def _centrality(
    adjacency: csr_matrix, members: NDArray[np.int64]
) -> NDArray[np.float64]:
    """Weighted degree inside the cluster, scaled so the most central member is 1."""
    degree = weighted_degree(adjacency, members)
    top = degree.max() if len(degree) else 0.0
    return degree / top if top > 0 else degree


def _figures(cluster: Cluster, sites: pd.DataFrame) -> dict[str, Any]:
    rows = sites.iloc[cluster.members]
    located = rows["lat"].notna() & rows["lon"].notna()
    order = np.argsort(-cluster.centrality, kind="stable")[:CENTRAL_MEMBERS]
    return {
        "methods": cluster.methods,
        "criteria": cluster.criteria.as_dict(),
        "size": len(cluster.members),
        "centre": {"lat": _num(cluster.centre[0]), "lon": _num(cluster.centre[1])},
        "outline": outline(
            rows.loc[located, "lat"].to_numpy(float),
            rows.loc[located, "lon"].to_numpy(float),
        )
        if located.any()
        else None,
        "counts_by_kind": _counts(rows, "kind"),
        "sectors": [
            {
                "name": s.name,
                "count": s.count,
                "share": round(s.share, 4),
                "lq": _num(s.lq),
            }
            for s in cluster.sectors
        ],
        **{key: _total(rows, key) for key in ("employees", "turnover", "funding")},
        "internal_links": cluster.links.links,
        "link_density": round(cluster.links.density, 4),
        "modularity": _num(cluster.modularity),
        "central_members": [
            {
                "id": str(rows["id"].iloc[i]),
                "name": str(rows["name"].iloc[i])
                if "name" in rows
                else str(rows["id"].iloc[i]),
                "centrality": round(float(cluster.centrality[i]), 4),
            }
            for i in order
            if cluster.centrality[i] > 0
        ],
    }


def _counts(rows: pd.DataFrame, column: str) -> dict[str, int]:
    if column not in rows:
        return {}
    counts = rows[column].fillna("unknown").value_counts()
    return {
        str(k): int(v)
        for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    }


def _total(rows: pd.DataFrame, column: str) -> dict[str, Any] | None:
    if column not in rows:
        return None
    known = pd.to_numeric(rows[column], errors="coerce").dropna()
    return (
        {"total": float(known.sum()), "known_for": len(known)} if len(known) else None
    )


def _num(value: float | None) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), 4)


def _relations(
    clusters: list[Cluster], adjacency: csr_matrix, params: ClusterParams
) -> None:
    """Neighbouring clusters (nearest centres) and linked clusters (most links
    between their members) into each profile."""
    if not clusters:
        return
    centres = np.array([c.centre for c in clusters], dtype=float)
    placed = np.flatnonzero(np.isfinite(centres[:, 0]))
    membership = membership_matrix([c.members for c in clusters], adjacency.shape[0])
    between = (membership @ (adjacency > 0).astype(float) @ membership.T).tocsr()
    tree = (
        cKDTree(unit_vectors(centres[placed, 0], centres[placed, 1]))
        if len(placed)
        else None
    )
    reach = 2 * np.sin(min(4 * params.colocated_km / EARTH_RADIUS_KM, np.pi) / 2)
    for i, cluster in enumerate(clusters):
        cluster.profile["neighbours"] = _neighbours(
            i, clusters, centres, placed, tree, reach
        )
        row = between.getrow(i)
        linked = sorted(
            (
                (int(v), int(j))
                for j, v in zip(row.indices, row.data, strict=True)
                if j != i and v > 0
            ),
            key=lambda vj: (-vj[0], vj[1]),
        )[:NEIGHBOURS]
        cluster.profile["linked"] = [
            {"id": clusters[j].id, "name": clusters[j].name, "links": v}
            for v, j in linked
        ]


def _neighbours(
    i: int,
    clusters: list[Cluster],
    centres: NDArray[np.float64],
    placed: NDArray[np.int64],
    tree: cKDTree | None,
    reach: float,
) -> list[dict[str, Any]]:
    if (
        tree is None
        or not np.isfinite(centres[i, 0])
        or clusters[i].type == "Dispersed"
    ):
        return []
    near = tree.query_ball_point(
        unit_vectors(centres[i : i + 1, 0], centres[i : i + 1, 1])[0], reach
    )
    found = []
    for k in near:
        j = int(placed[k])
        if j == i or clusters[j].type == "Dispersed":
            continue
        km = float(
            haversine_km(centres[i, 0], centres[i, 1], centres[j, 0], centres[j, 1])
        )
        found.append((km, j))
    return [
        {"id": clusters[j].id, "name": clusters[j].name, "distance_km": round(km, 1)}
        for km, j in sorted(found)[:NEIGHBOURS]
    ]


def summarise(cluster: Cluster) -> str:
    """A short paragraph for the directory, search and the chatbot."""
    p = cluster.profile
    kinds = ", ".join(f"{n} {k}" for k, n in list(p["counts_by_kind"].items())[:4])
    sectors = "; ".join(
        f"{s['name']} {s['share']:.0%}"
        + (f" (LQ {s['lq']:.1f})" if s["lq"] is not None else "")
        for s in p["sectors"][:3]
    )
    c = cluster.criteria
    parts = [
        f"{cluster.name} is {'an' if cluster.type.startswith('R&D') else 'a'} {cluster.type} "
        f"{'community' if cluster.type == 'Dispersed' else 'innovation cluster'} of "
        f"{p['size']} RD&I-active organisations" + (f" ({kinds})." if kinds else "."),
        f"Main sectors: {sectors}." if sectors else "",
        f"Co-location: {c.co_located.evidence}.",
        f"Specialisation: {c.specialised.evidence}.",
        f"Collaboration: {c.collaborative.evidence}.",
    ]
    if p["central_members"]:
        names = ", ".join(m["name"] for m in p["central_members"][:3])
        parts.append(f"Most central members: {names}.")
    if p["linked"]:
        parts.append(
            "Most linked clusters: "
            + ", ".join(x["name"] for x in p["linked"][:3])
            + "."
        )
    return " ".join(part for part in parts if part)
