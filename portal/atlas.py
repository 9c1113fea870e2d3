"""The cluster use cases of the portal's Home and Clusters pages: the filtered
cluster table and its CSV, map layers, and one cluster's page and network picture.

Clusters are public (their members' public fields only). Figures derived from the
store are cached per database and store generation, so a page run costs a few index
lookups until something changes.
"""

from __future__ import annotations

import csv
import io
import math
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import networkx as nx
import pydeck as pdk

from clustering.typology import CLUSTER_TYPES
from directory import clusters as cluster_store
from directory.store import StoreError
from portal.settings import Settings
from portal.workspace import open_store

# Streamlit's markdown colour names and the same colours as RGB for the maps.
TYPE_COLOURS: dict[str, tuple[str, tuple[int, int, int]]] = {
    "Diverse": ("blue", (28, 131, 225)),
    "Specialised": ("orange", (255, 164, 33)),
    "R&D Collaborating": ("green", (33, 195, 84)),
    "Dispersed": ("violet", (128, 61, 245)),
}
TYPE_RULES = {
    "Diverse": "RD&I-active and co-located, but neither specialised nor collaborative",
    "Specialised": "RD&I-active, co-located and specialised, but not collaborative",
    "R&D Collaborating": "RD&I-active, co-located and collaborative "
    "(specialised or not)",
    "Dispersed": "RD&I-active and collaborative, but not co-located "
    "(specialised or not)",
}
CRITERIA = (
    ("rdi_active", "RD&I-active"),
    ("co_located", "Co-located"),
    ("specialised", "Specialised"),
    ("collaborative", "Collaborative"),
)
PLACE_SHARE = 0.1  # a cluster's places: local authorities with this share of members
NETWORK_MEMBERS = 150  # the network picture shows at most this many members
NETWORK_EDGES = 2000  # ... and at most this many (strongest) collaborations
LAYOUT_SEED = 7
MAP_MIN_WIDTH_PX = 600  # the width the maps' initial zoom assumes
CSV_COLUMNS = (
    "id", "name", "type", "size", "dominant_sector", "dominant_share",
    "dominant_lq", "places", "lat", "lon", "internal_links", "rdi_active",
    "co_located", "specialised", "collaborative", "summary",
)  # fmt: skip
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

T = TypeVar("T")
_cache: dict[tuple[Path, str, Any], tuple[tuple[Any, ...], Any]] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class ClusterFilters:
    """What the Clusters page filters by; empty values filter nothing."""

    types: tuple[str, ...] = ()
    sector: str | None = None
    dominant_sector_only: bool = False  # else any sector in the cluster's mix
    place: str | None = None
    min_size: int = 0
    max_size: int | None = None


def _cached(settings: Settings, name: str, key: Any, compute: Callable[[], T]) -> T:
    """compute(), remembered per database, name and key until the store changes."""
    with open_store(settings) as store:
        stamp = cluster_store.clusters_generation(store)
    slot = (settings.database_path, name, key)
    with _lock:
        found = _cache.get(slot)
        if found and found[0] == stamp:
            return found[1]
    value = compute()
    with _lock:
        if len(_cache) > 64:
            _cache.clear()
        _cache[slot] = (stamp, value)
    return value


def cluster_overview(settings: Settings) -> list[dict[str, Any]]:
    """Every cluster as one flat row (largest first): type, size, sectors, places,
    centre and outline; empty when no clusters are built."""
    if not settings.database_path.is_file():
        return []
    return _cached(settings, "overview", None, lambda: _overview(settings))


def _overview(settings: Settings) -> list[dict[str, Any]]:
    with open_store(settings) as store:
        records = cluster_store.cluster_records(store)
        places = cluster_store.member_places(store)
    return [_overview_row(r, places.get(r["id"], {})) for r in records]


def _overview_row(record: dict[str, Any], places: dict[str, int]) -> dict[str, Any]:
    profile = record["profile"]
    sectors = profile.get("sectors") or []
    top = sectors[0] if sectors else {}
    criteria = profile.get("criteria") or {}
    size = record["size"]
    main = [p for p, n in places.items() if n >= PLACE_SHARE * size]
    outline = profile.get("outline") or {}
    return {
        "id": record["id"],
        "name": record["name"],
        "type": record["type"],
        "size": size,
        "dominant_sector": top.get("name"),
        "dominant_share": top.get("share"),
        "dominant_lq": top.get("lq"),
        "sectors": [s["name"] for s in sectors],
        "places": main or list(places)[:1],
        "lat": record["lat"],
        "lon": record["lon"],
        "outline": (outline.get("coordinates") or [None])[0],
        "internal_links": profile.get("internal_links", 0),
        **{key: bool((criteria.get(key) or {}).get("met")) for key, _ in CRITERIA},
        "summary": record.get("summary") or "",
    }


def filter_choices(settings: Settings) -> dict[str, Any]:
    """The values the filters offer: types present, sectors, places, size range."""
    rows = cluster_overview(settings)
    sizes = [r["size"] for r in rows] or [0]
    return {
        "types": [t for t in CLUSTER_TYPES if any(r["type"] == t for r in rows)],
        "sectors": sorted({s for r in rows for s in r["sectors"]}),
        "places": sorted({p for r in rows for p in r["places"]}),
        "min_size": min(sizes),
        "max_size": max(sizes),
    }


def cluster_table(settings: Settings, filters: ClusterFilters) -> list[dict[str, Any]]:
    """The clusters matching the filters, largest first."""
    unknown = [t for t in filters.types if t not in CLUSTER_TYPES]
    if unknown:
        raise StoreError(
            f"unknown cluster type {unknown[0]!r}; one of {', '.join(CLUSTER_TYPES)}"
        )
    if filters.max_size is not None and filters.max_size < filters.min_size:
        raise StoreError("the smallest size asked for is above the largest")
    return [r for r in cluster_overview(settings) if _matches(r, filters)]


def _matches(row: dict[str, Any], f: ClusterFilters) -> bool:
    if f.types and row["type"] not in f.types:
        return False
    if f.sector:
        sectors = [row["dominant_sector"]] if f.dominant_sector_only else row["sectors"]
        if f.sector not in sectors:
            return False
    if f.place and f.place not in row["places"]:
        return False
    return row["size"] >= f.min_size and (
        f.max_size is None or row["size"] <= f.max_size
    )


def type_counts(settings: Settings) -> dict[str, int]:
    """How many clusters of each type, in the typology's order (zeros included)."""
    rows = cluster_overview(settings)
    return {t: sum(1 for r in rows if r["type"] == t) for t in CLUSTER_TYPES}


def clusters_csv(rows: Iterable[dict[str, Any]]) -> bytes:
    """The table as UTF-8 CSV; text cells a spreadsheet would run as a formula are
    neutralised with a leading apostrophe."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        values = {**row, "places": "; ".join(row.get("places") or [])}
        writer.writerow({c: _cell(values.get(c)) for c in CSV_COLUMNS})
    return buffer.getvalue().encode("utf-8")


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def cluster_map_rows(
    rows: Iterable[dict[str, Any]], dispersed_outlines: bool = False
) -> list[dict[str, Any]]:
    """Located clusters with what the map layers draw: colour, radius and outline
    (dispersed communities' outlines span the country, so only when asked)."""
    found = []
    for row in rows:
        if row["lat"] is None or row["lon"] is None:
            continue
        rgb = list(TYPE_COLOURS[row["type"]][1])
        show_outline = dispersed_outlines or row["type"] != "Dispersed"
        found.append(
            {
                "id": row["id"],
                "name": row["name"],
                "type": row["type"],
                "size": row["size"],
                "lat": row["lat"],
                "lon": row["lon"],
                "colour": [*rgb, 200],
                "fill": [*rgb, 40],
                "radius": 600 * row["size"] ** 0.5,
                "outline": row["outline"] if show_outline else None,
            }
        )
    return found


def cluster_deck(
    rows: list[dict[str, Any]], outlines: bool = True, height_px: int = 420
) -> pdk.Deck:
    """A map of cluster centres (sized by members) and outlines, coloured by type."""
    layers = []
    if outlines:
        layers.append(
            pdk.Layer(
                "PolygonLayer",
                [r for r in rows if r["outline"]],
                id="outlines",
                get_polygon="outline",
                get_fill_color="fill",
                get_line_color="colour",
                line_width_min_pixels=1,
                pickable=True,
            )
        )
    layers.append(
        pdk.Layer(
            "ScatterplotLayer",
            [{k: v for k, v in r.items() if k != "outline"} for r in rows],
            id="centres",
            get_position=["lon", "lat"],
            get_radius="radius",
            get_fill_color="colour",
            radius_min_pixels=3,
            radius_max_pixels=40,
            pickable=True,
        )
    )
    return pdk.Deck(
        layers=layers,
        initial_view_state=_view_of(rows, height_px),
        map_style=None,
        tooltip={"text": "{name}\n{type} · {size} members"},
    )


def _view_of(rows: list[dict[str, Any]], height_px: int = 420) -> pdk.ViewState:
    """Centred on the clusters' bounding box, zoomed to fit it (Web Mercator)."""
    if not rows:
        return pdk.ViewState(latitude=54.5, longitude=-2.5, zoom=4.5)
    lats, lons = [r["lat"] for r in rows], [r["lon"] for r in rows]
    lat, lon = (min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2
    lat_span = max(max(lats) - min(lats), 0.05) * 1.5
    lon_span = max(max(lons) - min(lons), 0.05) * 1.5
    degrees_per_tile = 360 / 256  # at zoom 0, one pixel is this many degrees
    fit_height = height_px * math.cos(math.radians(lat)) * degrees_per_tile / lat_span
    fit_width = MAP_MIN_WIDTH_PX * degrees_per_tile / lon_span
    zoom = min(math.log2(fit_height), math.log2(fit_width))
    return pdk.ViewState(
        latitude=lat, longitude=lon, zoom=round(min(max(zoom, 3), 11), 2)
    )


def cluster_page(settings: Settings, cluster_id: str) -> dict[str, Any]:
    """One cluster's page: profile, why it has its type, members (public fields),
    places, linked and neighbouring clusters, and facilitators' notes."""
    with open_store(settings) as store:
        record = cluster_store.cluster_record(store, cluster_id)
        if record is None:
            raise StoreError(
                f"no cluster with id {cluster_id!r}: it may have been replaced by a "
                "later build; choose one from the list"
            )
        members = cluster_store.cluster_member_records(store, cluster_id)
    profile = record["profile"]
    places: dict[str, int] = {}
    for member in members:
        if member["region"]:
            places[member["region"]] = places.get(member["region"], 0) + 1
    return {
        **{k: record[k] for k in ("id", "name", "type", "size", "lat", "lon")},
        "summary": record.get("summary") or "",
        "notes": record.get("notes") or "",
        "type_rule": TYPE_RULES.get(record["type"], ""),
        "criteria": _criteria(profile.get("criteria") or {}),
        "members": members,
        "places": dict(sorted(places.items(), key=lambda kv: (-kv[1], kv[0]))),
        "counts_by_kind": profile.get("counts_by_kind") or {},
        "sectors": profile.get("sectors") or [],
        "linked": profile.get("linked") or [],
        "neighbours": profile.get("neighbours") or [],
        "methods": profile.get("methods") or [],
        "outline": (profile.get("outline") or {}).get("coordinates", [None])[0],
        "updated_at": record["updated_at"],
    }


def _criteria(recorded: dict[str, Any]) -> list[dict[str, Any]]:
    """The four criteria in the typology's order, each met or not, with evidence."""
    found = []
    for key, label in CRITERIA:
        criterion = recorded.get(key) or {}
        met, evidence = bool(criterion.get("met")), criterion.get("evidence")
        found.append({"key": key, "label": label, "met": met,
                      "evidence": evidence or "not recorded"})  # fmt: skip
    return found


def cluster_network(
    settings: Settings, cluster_id: str, max_members: int = NETWORK_MEMBERS
) -> dict[str, Any]:
    """The picture of a cluster's collaboration network: its most central members
    as nodes (spring layout, fixed seed) and the collaborations among them as edges."""
    return _cached(
        settings,
        "network",
        (cluster_id, max_members),
        lambda: _network(settings, cluster_id, max_members),
    )


def _network(settings: Settings, cluster_id: str, max_members: int) -> dict[str, Any]:
    with open_store(settings) as store:
        if cluster_store.cluster_record(store, cluster_id) is None:
            raise StoreError(f"no cluster with id {cluster_id!r}")
        members = cluster_store.cluster_member_records(store, cluster_id)
        pairs = cluster_store.internal_collaborations(store, cluster_id)
    shown = members[:max_members]  # most central first
    ids = {m["id"] for m in shown}
    inside = [p for p in pairs if p["org_a"] in ids and p["org_b"] in ids]
    inside.sort(key=lambda p: (-p["weight"], p["org_a"], p["org_b"]))
    edges = inside[:NETWORK_EDGES]
    layout = _spring_layout([m["id"] for m in shown], edges)
    partners = Counter(p["org_a"] for p in edges) + Counter(p["org_b"] for p in edges)
    nodes = [
        {
            **{k: m[k] for k in ("id", "name", "kind", "region", "centrality")},
            "partners": partners[m["id"]],
            "x": layout[m["id"]][0],
            "y": layout[m["id"]][1],
        }
        for m in shown
    ]
    return {
        "nodes": nodes,
        "edges": [
            {
                "source": p["org_a"],
                "target": p["org_b"],
                "weight": p["weight"],
                **dict(zip(("x", "y"), layout[p["org_a"]], strict=True)),
                **dict(zip(("x2", "y2"), layout[p["org_b"]], strict=True)),
            }
            for p in edges
        ],
        "members": len(members),
        "collaborations": len(pairs),
        "collaborations_among_shown": len(inside),
    }


def _spring_layout(
    ids: list[str], edges: list[dict[str, Any]]
) -> dict[str, tuple[float, float]]:
    """Node positions of a force-directed layout; the same for the same network."""
    graph = nx.Graph()
    graph.add_nodes_from(ids)
    graph.add_edges_from((p["org_a"], p["org_b"]) for p in edges)
    if not len(graph):
        return {}
    layout = nx.spring_layout(graph, seed=LAYOUT_SEED)
    return {node: (float(xy[0]), float(xy[1])) for node, xy in layout.items()}
