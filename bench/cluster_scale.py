"""Clustering at national scale: find_clusters on up to 3.1 million sites.

The organisations are SYNTHETIC, placed at real postcodes. Background sites sit at
uniformly random postcodes of ../shared/data/geography/codepoint_open_2025_04_latlon.csv.gz
(OS Code-Point Open), so their density follows real postcode density; their sectors
are drawn from the Companies House SIC frequencies (../shared/data/sic2007) mapped to
the 21 SIC 2007 sections; a share of them are RD&I-active and randomly linked. Clusters
of the four types are planted among them, and the benchmark reports how many
find_clusters recovers (Jaccard >= 0.7 with a found cluster) and types right, and how
many found clusters match no planted one (pieces of planted groups, or chance groups of
the random background).

Each size runs in a fresh process, so the peak memory (VmHWM, data generation
included; GB = 2**30 bytes) is per size; the wall time is the find_clusters call alone,
the median of --repeat runs (3) on the same data. Each size also times numpy sorting as
many random floats, so the growth of time can be compared with a real n log n
algorithm's on the same machine, caches and all.
Run: .venv/bin/python bench/cluster_scale.py [--sizes 100000,300000] [--repeat 3] [--json]
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import platform
import subprocess
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.spatial import cKDTree

HERE = Path(__file__).resolve().parent
# this checkout's code, not whichever one the environment was installed from
sys.path.insert(0, str(HERE.parent))

from clustering.communities import membership_matrix  # noqa: E402
from clustering.geometry import EARTH_RADIUS_KM, unit_vectors  # noqa: E402
from clustering.pipeline import ClusterParams, find_clusters  # noqa: E402
from corpus.sic import national_section_counts  # noqa: E402

DATA = HERE.parent / "../shared/data"
POSTCODES = DATA / "geography/codepoint_open_2025_04_latlon.csv.gz"
PLACES = DATA / "geography/lad_centroids_2021.psv"
SIC_COUNTS = DATA / "sic2007/companies_house_sic_counts.tsv"
SIZES = "100000,300000,1000000,3100000"
TYPES = ("Diverse", "Specialised", "R&D Collaborating", "Dispersed")
LINKED_TYPES = ("R&D Collaborating", "Dispersed")
PLANTED_SIZES = (15, 61)  # rng.integers bounds: 15 to 60 members
LINK_CHANCE = 0.3  # per member pair of a linked planted cluster
DIVERSE_SECTORS = 6
RECOVERED = 0.7  # Jaccard with the best-matching found cluster

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


# --- synthetic data -------------------------------------------------------------


@dataclass
class Synthetic:
    sites: pd.DataFrame
    links: pd.DataFrame
    planted: list[tuple[str, IntArray]]  # (type, member site ids)
    postcodes: int
    load_s: float
    sic_mapped: float  # share of Companies House companies mapped to a section


def section_shares() -> tuple[pd.Series, float]:
    """Share of Companies House companies in each SIC 2007 section (indexed by the
    section's name, as the portal maps them), and the share of companies whose code
    maps to a section."""
    by_section = national_section_counts(SIC_COUNTS)
    mapped = float(by_section.sum() / pd.read_csv(SIC_COUNTS, sep="\t")["count"].sum())
    return (by_section / by_section.sum()).astype(float), mapped


def load_postcodes() -> FloatArray:
    """(lat, lon) of every located postcode."""
    frame = pd.read_csv(POSTCODES, usecols=["lat", "lon"], engine="pyarrow")
    return frame.dropna()[["lat", "lon"]].to_numpy(dtype=float)


def _random_pairs(
    nodes: IntArray, k: int, rng: np.random.Generator
) -> tuple[IntArray, IntArray]:
    """k uniformly random pairs of distinct nodes."""
    if len(nodes) < 2 or k <= 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    i = rng.integers(0, len(nodes), k)
    j = (i + rng.integers(1, len(nodes), k)) % len(nodes)
    return nodes[i], nodes[j]


def _near(
    tree: cKDTree, m: int, radius_km: float, rng: np.random.Generator
) -> IntArray:
    """The m postcodes nearest a random postcode, none further than radius_km (a
    business park or campus: a few hundred metres in a city, a few km in the
    country); postcodes repeat when fewer than m lie within radius_km."""
    centre = tree.data[rng.integers(0, tree.n)]
    chord = 2 * math.sin(radius_km / EARTH_RADIUS_KM / 2)
    _, index = tree.query(centre, k=m, distance_upper_bound=chord)
    near = np.sort(np.asarray(index, dtype=np.int64)[np.asarray(index) < tree.n])
    return near if len(near) == m else rng.choice(near, m, replace=True)


def _outside_links(
    members: IntArray,
    others: IntArray,
    args: argparse.Namespace,
    rng: np.random.Generator,
) -> tuple[IntArray, IntArray]:
    """Planted members collaborate outside their cluster as much as anyone else:
    links_per_active random partners each, among the background active sites."""
    k = round(args.links_per_active * len(members))
    if k == 0 or len(others) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return rng.choice(members, k), rng.choice(others, k)


def plant(
    kind: str,
    tree: cKDTree,
    shares: pd.Series,
    radius_km: float,
    rng: np.random.Generator,
) -> tuple[IntArray, IntArray, tuple[IntArray, IntArray]]:
    """One planted cluster: its postcodes, sector indices and internal link pairs
    (positions among its members)."""
    m = int(rng.integers(*PLANTED_SIZES))
    if kind == "Dispersed":
        at = rng.choice(tree.n, m, replace=False)
    else:
        at = _near(tree, m, radius_km, rng)
    p = shares.to_numpy()
    if kind == "Specialised":
        sector = np.full(m, rng.choice(len(p), p=p))
    elif kind == "Diverse":
        six = rng.choice(len(p), DIVERSE_SECTORS, replace=False)
        sector = six[np.arange(m) % DIVERSE_SECTORS]
    else:
        sector = rng.choice(len(p), m, p=p)
    a, b = np.triu_indices(m, 1)
    linked = rng.random(len(a)) < LINK_CHANCE if kind in LINKED_TYPES else a < 0
    return at, sector, (a[linked], b[linked])


def synthesise(n: int, args: argparse.Namespace, rng: np.random.Generator) -> Synthetic:
    """n background sites plus the planted clusters, and their links."""
    started = time.perf_counter()
    postcodes = load_postcodes()
    load_s = time.perf_counter() - started
    shares, mapped = section_shares()
    tree = cKDTree(unit_vectors(postcodes[:, 0], postcodes[:, 1]))
    at = [rng.integers(0, len(postcodes), n)]
    sector = [rng.choice(len(shares), n, p=shares.to_numpy())]
    active = [rng.random(n) < args.active_share]
    k = round(args.links_per_active * int(active[0].sum()))
    background_active = np.flatnonzero(active[0])
    ends = [_random_pairs(background_active, k, rng)]
    planted, first = [], n
    for i in range(max(12, n // 10_000)):
        kind = TYPES[i % len(TYPES)]
        p_at, p_sector, (pa, pb) = plant(
            kind, tree, shares, args.planted_radius_km, rng
        )
        ids = np.arange(first, first + len(p_at), dtype=np.int64)
        at.append(p_at)
        sector.append(p_sector)
        active.append(np.ones(len(p_at), dtype=bool))
        ends.append((ids[pa], ids[pb]))
        ends.append(_outside_links(ids, background_active, args, rng))
        planted.append((kind, ids))
        first += len(p_at)
    names = shares.index.to_numpy(dtype=object)
    sites = _sites(postcodes[np.concatenate(at)], names[np.concatenate(sector)])
    sites["rdi_active"] = np.concatenate(active)
    links = pd.DataFrame(
        {
            "org_a": np.concatenate([e[0] for e in ends]),
            "org_b": np.concatenate([e[1] for e in ends]),
            "weight": 1.0,
        }
    )
    return Synthetic(sites, links, planted, len(postcodes), load_s, mapped)


def _sites(where: FloatArray, sector: NDArray[Any]) -> pd.DataFrame:
    """Sites numbered 0.. at the given (lat, lon), with their sector names."""
    return pd.DataFrame(
        {
            "id": np.arange(len(where), dtype=np.int64),
            "lat": where[:, 0],
            "lon": where[:, 1],
            "sector": sector,
        }
    )


# --- recovery ---------------------------------------------------------------------


def best_matches(
    planted: list[IntArray], found: list[IntArray], n: int
) -> tuple[FloatArray, IntArray]:
    """For each planted group (site ids 0..n-1): the best Jaccard with any found
    group, and that group's index (-1 when none overlaps)."""
    best = np.zeros(len(planted))
    match = np.full(len(planted), -1, dtype=np.int64)
    if not planted or not found:
        return best, match
    shared = (membership_matrix(planted, n) @ membership_matrix(found, n).T).tocoo()
    p_size = np.array([len(g) for g in planted], dtype=float)
    f_size = np.array([len(g) for g in found], dtype=float)
    row, col, common = shared.row, shared.col, shared.data
    jaccard = common / (p_size[row] + f_size[col] - common)
    order = np.lexsort((col, -jaccard, row))  # per planted group, best first
    first = order[np.r_[True, row[order][1:] != row[order][:-1]]]
    best[row[first]] = jaccard[first]
    match[row[first]] = col[first]
    return best, match


def recovery(data: Synthetic, clusters: list[Any]) -> list[dict[str, Any]]:
    """Per planted cluster: its type and size, and its best-matching found cluster."""
    ids = data.sites["id"].to_numpy()
    found = [ids[c.members] for c in clusters]
    best, match = best_matches([g for _, g in data.planted], found, len(ids))
    return [
        {
            "type": kind,
            "size": len(group),
            "jaccard": round(float(j), 4),
            "found_type": clusters[k].type if k >= 0 else None,
            "found_size": len(found[k]) if k >= 0 else 0,
        }
        for (kind, group), j, k in zip(data.planted, best, match, strict=True)
    ]


def unmatched(data: Synthetic, clusters: list[Any]) -> int:
    """Found clusters that match no planted one (best Jaccard below RECOVERED):
    pieces of planted groups, or chance groups of the random background."""
    ids = data.sites["id"].to_numpy()
    found = [ids[c.members] for c in clusters]
    best, _ = best_matches(found, [g for _, g in data.planted], len(ids))
    return int((best < RECOVERED).sum())


# --- one size, in its own process ---------------------------------------------------


def peak_rss_gb() -> float:
    status = Path("/proc/self/status").read_text()
    line = next(x for x in status.splitlines() if x.startswith("VmHWM:"))
    return int(line.split()[1]) / 2**20


def run_one(n: int, args: argparse.Namespace) -> dict[str, Any]:
    """Generate n sites plus the planted clusters, cluster them, measure."""
    started = time.perf_counter()
    data = synthesise(n, args, np.random.default_rng(args.seed))
    places = pd.read_csv(
        PLACES, sep="|", header=None, names=["code", "name", "lon", "lat"]
    )
    generated = time.perf_counter()
    print(f"  {n:,}: generated in {generated - started:.1f} s", file=sys.stderr)
    params = ClusterParams(
        distance_km=args.distance_km, concentration=args.concentration
    )
    runs = [timed_run(data, params, places) for _ in range(max(args.repeat, 1))]
    wall, stages, result = sorted(runs, key=lambda run: run[0])[len(runs) // 2]
    return {
        "n": n,
        "wall_s": wall,
        "walls_s": [run[0] for run in runs],
        "sort_s": reference_sort_s(len(data.sites)),
        "generation_s": round(generated - started, 3),
        "stages_s": stages,
        **_measurements(data, result),
    }


def timed_run(
    data: Synthetic, params: Any, places: pd.DataFrame
) -> tuple[float, dict[str, float], Any]:
    """One find_clusters call: its wall time, each stage's time and the result."""
    marks = [("setup", time.perf_counter())]
    result = find_clusters(
        data.sites,
        data.links,
        params,
        places=places,
        progress=lambda stage: marks.append((stage, time.perf_counter())),
    )
    done = time.perf_counter()
    ends = [t for _, t in marks[1:]] + [done]
    stages = {s: round(e - t, 3) for (s, t), e in zip(marks, ends, strict=True)}
    return round(done - marks[0][1], 3), stages, result


def reference_sort_s(n: int) -> float:
    """Median time of numpy sorting n random floats in place (11 times, from a
    fresh copy each time): a textbook n log n algorithm timed on the same machine,
    to tell the method's growth from the hardware's (caches make every step over
    more data slower per element)."""
    values = np.random.default_rng(0).random(n)
    work = np.empty_like(values)
    times = []
    for _ in range(11):
        np.copyto(work, values)
        started = time.perf_counter()
        work.sort()
        times.append(time.perf_counter() - started)
    return round(float(np.median(times)), 6)


def _measurements(data: Synthetic, result: Any) -> dict[str, Any]:
    """What one run generated and found, and the process's peak memory."""
    return {
        "sites": len(data.sites),
        "planted": len(data.planted),
        "planted_sites": sum(len(g) for _, g in data.planted),
        "active": int(data.sites["rdi_active"].sum()),
        "links": len(data.links),
        "postcodes": data.postcodes,
        "sic_mapped": round(data.sic_mapped, 4),
        "postcode_load_s": round(data.load_s, 3),
        "peak_gb": round(peak_rss_gb(), 3),
        "counts": result.counts_by_type(),
        "candidates": result.candidates,
        "duplicates": result.duplicates,
        "rejected": result.rejected,
        "recovery": recovery(data, result.clusters),
        "found": len(result.clusters),
        "unmatched": unmatched(data, result.clusters),
    }


def run_child(n: int, args: argparse.Namespace) -> dict[str, Any]:
    """run_one in a fresh process, so its peak memory is this size's alone."""
    options = {
        "--distance-km": args.distance_km,
        "--concentration": args.concentration,
        "--active-share": args.active_share,
        "--links-per-active": args.links_per_active,
        "--planted-radius-km": args.planted_radius_km,
        "--seed": args.seed,
        "--repeat": args.repeat,
    }
    command = [sys.executable, str(Path(__file__).resolve()), "--one", str(n)]
    command += [str(x) for pair in options.items() for x in pair]
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        return {"n": n, "error": f"child exited with {done.returncode}"}
    return dict(json.loads(lines[-1]))


# --- report -------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    total_kb = int(next(x for x in meminfo if x.startswith("MemTotal:")).split()[1])
    return {
        "platform": platform.platform(),
        "cores": os.cpu_count(),
        "ram_gb": round(total_kb / 2**20, 1),
        "python": platform.python_version(),
    }


def header(args: argparse.Namespace, params: Any) -> list[str]:
    m = machine()
    return [
        "# Clustering benchmark: find_clusters on SYNTHETIC organisations placed at "
        "real postcodes",
        f"machine: {m['platform']}, {m['cores']} cores, {m['ram_gb']} GB RAM, "
        f"Python {m['python']}",
        f"parameters: {params}",
        f"synthetic data: seed {args.seed}; background sites at uniformly random "
        "Code-Point Open postcodes, sectors from Companies House SIC frequencies "
        f"(21 SIC 2007 sections); {args.active_share:.0%} RD&I-active; "
        f"{args.links_per_active:g} random link(s) per active site (weight 1)",
        f"planted: max(12, n // 10,000) clusters, round robin over {', '.join(TYPES)}; "
        f"15-60 members, all RD&I-active, each with {args.links_per_active:g} random "
        "outside link(s) like the background; all but Dispersed at the postcodes "
        f"nearest a random postcode, within {args.planted_radius_km:g} km; "
        "Specialised one sector, "
        f"Diverse {DIVERSE_SECTORS} sectors, linked types {LINK_CHANCE:.0%} of pairs "
        f"linked; recovered = Jaccard >= {RECOVERED} with the best-matching found "
        "cluster",
        "only RD&I-active sites are clustered, as the method defines; all sites "
        "(active or not) go through find_clusters, the inactive ones as background",
    ]


def _share(part: int, whole: int) -> str:
    return f"{part}/{whole} ({part / whole:.0%})" if whole else f"{part}/0"


def _tally(rows: list[dict[str, Any]]) -> tuple[int, int, int]:
    """(planted, recovered, recovered with the right type)."""
    hits = [r for r in rows if r["jaccard"] >= RECOVERED]
    return len(rows), len(hits), sum(r["found_type"] == r["type"] for r in hits)


def main_table(results: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| sites | planted | wall time (s) | peak memory (GB) | "
        + " | ".join(TYPES)
        + " | recovered | right type | found matching none |",
        "|---:|---:|---:|---:|" + "---:|" * len(TYPES) + "---:|---:|---:|",
    ]
    for r in results:
        if "error" in r:
            lines.append(f"| {r['n']:,} | {r['error']} |")
            continue
        planted, hits, right = _tally(r["recovery"])
        counts = " | ".join(str(r["counts"].get(t, 0)) for t in TYPES)
        lines.append(
            f"| {r['n']:,} + {r['planted_sites']:,} | {planted} | {r['wall_s']:.1f} | "
            f"{r['peak_gb']:.2f} | {counts} | {_share(hits, planted)} | "
            f"{_share(right, hits)} | {_share(r['unmatched'], r['found'])} |"
        )
    return lines


def _counted(values: list[Any]) -> str:
    counts = Counter("none" if v is None else v for v in values)
    return ", ".join(f"{k} {v}" for k, v in counts.most_common()) or "-"


def type_table(results: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| sites | planted type | planted | recovered | right type | median best "
        "Jaccard | recovered typed as | misses: best match typed as | misses: median "
        "size found/planted |",
        "|---:|---|---:|---:|---:|---:|---|---|---:|",
    ]
    for r in (r for r in results if "error" not in r):
        for kind in TYPES:
            rows = [x for x in r["recovery"] if x["type"] == kind]
            planted, hits, right = _tally(rows)
            good = [x for x in rows if x["jaccard"] >= RECOVERED]
            bad = [x for x in rows if x["jaccard"] < RECOVERED]
            sizes = [x["found_size"] / x["size"] for x in bad if x["found_size"]]
            ratio = f"{np.median(sizes):.1f}" if sizes else "-"
            median = np.median([x["jaccard"] for x in rows]) if rows else 0
            lines.append(
                f"| {r['n']:,} | {kind} | {planted} | {_share(hits, planted)} | "
                f"{_share(right, hits)} | {median:.2f} | "
                f"{_counted([x['found_type'] for x in good])} | "
                f"{_counted([x['found_type'] for x in bad])} | {ratio} |"
            )
    return lines


def notes(results: list[dict[str, Any]]) -> list[str]:
    ok = [r for r in results if "error" not in r]
    lines = [
        "scaling (time ratio between consecutive sizes, sites incl. planted; numpy "
        "sorting as many random floats, a textbook n log n on this machine, for "
        "comparison):"
    ]
    for a, b in itertools.pairwise(ok):
        n = b["sites"] / a["sites"]
        nlogn = n * math.log(b["sites"]) / math.log(a["sites"])
        lines.append(
            f"- {a['n']:,} -> {b['n']:,}: time x{b['wall_s'] / a['wall_s']:.2f}, "
            f"n x{n:.2f}, n log n x{nlogn:.2f}, numpy sort "
            f"x{b['sort_s'] / a['sort_s']:.2f}"
        )
    lines.append("wall times of each size's runs (s; the table gives the median):")
    for r in ok:
        lines.append(f"- {r['n']:,}: " + ", ".join(f"{w:.2f}" for w in r["walls_s"]))
    lines.append("generation (synthetic data; not in the wall time, in peak memory):")
    for r in ok:
        lines.append(
            f"- {r['n']:,}: {r['generation_s']:.1f} s (loading {r['postcodes']:,} "
            f"postcodes {r['postcode_load_s']:.1f} s); {r['active']:,} RD&I-active "
            f"sites, {r['links']:,} links; {r['sic_mapped']:.1%} of Companies House "
            "companies mapped to a SIC section (the rest, e.g. dormant, dropped)"
        )
    lines.append("find_clusters stages (s):")
    for r in ok:
        stages = ", ".join(f"{k} {v:.1f}" for k, v in r["stages_s"].items())
        lines.append(
            f"- {r['n']:,}: {stages}; {r['candidates']} candidates, "
            f"{r['duplicates']} duplicates, {r['rejected']} rejected"
        )
    return lines


# --- command line -------------------------------------------------------------------


def parse_args(defaults: Any) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=SIZES, help="comma-separated site counts")
    parser.add_argument("--distance-km", type=float, default=defaults.distance_km)
    parser.add_argument("--concentration", type=float, default=defaults.concentration)
    parser.add_argument("--active-share", type=float, default=0.05)
    parser.add_argument("--links-per-active", type=float, default=1.0)
    parser.add_argument("--planted-radius-km", type=float, default=2.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="find_clusters runs per size; the wall time and stages are the median run's",
    )
    parser.add_argument("--json", action="store_true", help="print JSON lines")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> None:
    args = parse_args(ClusterParams())
    if args.one is not None:
        print(json.dumps(run_one(args.one, args)))
        return
    missing = [p for p in (POSTCODES, PLACES, SIC_COUNTS) if not p.is_file()]
    if missing:
        sys.exit(f"needs {', '.join(map(str, missing))}")
    params = ClusterParams(
        distance_km=args.distance_km, concentration=args.concentration
    )
    if args.json:
        print(json.dumps({"machine": machine(), "params": asdict(params)}))
    else:
        print("\n".join(header(args, params)), flush=True)
    results = []
    for n in (int(s) for s in args.sizes.split(",")):
        print(f"running {n:,} sites...", file=sys.stderr, flush=True)
        results.append(run_child(n, args))
        if args.json:
            print(json.dumps(results[-1]), flush=True)
    if not args.json:
        tables = [main_table(results), type_table(results), notes(results)]
        print("\n" + "\n\n".join("\n".join(t) for t in tables))


if __name__ == "__main__":
    main()
