"""Peer matching: do the suggestions predict real collaborations, and how fast are they?

Quality: the demo directory (the real GtR network, bundled) is imported into a
scratch workspace. For each seed, 20% of the collaboration records are hidden at
random (a pair stays known while any of its topic records is kept; --unit pairs
hides whole partnerships instead); clusters are found and the weights learned on the
rest, exactly as `cluster-portal build` does; then every organisation with hidden
partners ranks all others (itself and its known partners excluded). Reported:
recall@10 (hits / min(10, hidden partners), averaged per organisation), MRR and
nDCG@10, overall and for the cold-start subset (at most 2 known partners), for the
learned ranking and the baselines: random, most-connected first, nearest first
(ties: most-connected), same sector first (most shared sectors, then
most-connected), Adamic–Adar (ties and the rest filled by most-connected).

Latency: a SYNTHETIC directory of ~50,000 organisations (copies of the real ones,
each at a random real postcode from OS Code-Point Open, with the copies' network
replicated) is written to a scratch workspace, and requests go through the same
service the CLI calls, after one warm-up.

Run: .venv/bin/python bench/match_eval.py [--seeds 5] [--unit records|pairs]
     [--latency-orgs 50000] [--skip-latency]
"""

from __future__ import annotations

import argparse
import json
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
# this checkout's code, not whichever one the environment was installed from
sys.path.insert(0, str(HERE.parent))

from directory.clusters import organisation_sites  # noqa: E402
from directory.matching import (  # noqa: E402
    MatchingGraph,
    learn_model,
    query_for,
    rank,
    records,
)
from portal import matching, services  # noqa: E402
from portal.settings import load_settings  # noqa: E402
from portal.workspace import open_store  # noqa: E402

POSTCODES = (
    HERE.parent / "../shared/data/geography/codepoint_open_2025_04_latlon.csv.gz"
)
K = 10
COLD = 2
METHODS = (
    "learned",
    "random",
    "most-connected",
    "nearest",
    "same sector",
    "adamic-adar",
)
NEEDS = (
    "a university partner for hydrogen storage trials near Aberdeen",
    "a business that builds marine sensors, near Plymouth",
    "social science researchers on rural health in Wales",
    "software company for machine learning on satellite images",
    "a council partner for flood resilience near Glasgow",
)


def scratch_workspace(folder: Path) -> Any:
    settings = load_settings(workspace=folder)
    data = services.demo_data() / "gtr_network"
    services.import_file(settings, "organisations", data / "organisations.csv", "bench")
    services.import_file(
        settings, "collaborations", data / "collaborations.csv", "bench"
    )
    matching.refresh_capability_vectors(settings)
    return settings


def hidden_mask(links: pd.DataFrame, unit: str, rng: np.random.Generator) -> np.ndarray:
    if unit == "records":
        return rng.random(len(links)) < 0.2
    pair = links["org_a"] + "\x1f" + links["org_b"]
    codes, uniques = pd.factorize(pair)
    return (rng.random(len(uniques)) < 0.2)[codes]


def metrics(order: np.ndarray, hidden: np.ndarray) -> tuple[float, float, float]:
    ranks = np.flatnonzero(np.isin(order, hidden))
    top = ranks[ranks < K]
    ideal = (1 / np.log2(np.arange(min(K, len(hidden))) + 2)).sum()
    return (
        len(top) / min(K, len(hidden)),
        1 / (ranks[0] + 1) if len(ranks) else 0.0,
        float((1 / np.log2(top + 2)).sum() / ideal),
    )


def baseline_scores(
    graph: MatchingGraph, row: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    degree = graph.degree.astype(float)
    tie = degree / (degree.max() + 1)  # < 1: only breaks ties
    km = (
        graph.distances_km(*graph.location(row))
        if graph.location(row)[0] is not None
        else np.full(graph.n, np.nan)
    )
    shared = np.asarray(
        (graph.sector_matrix @ graph.sector_matrix[row].T).todense()
    ).ravel()
    a = graph.adjacency[row]
    adamic = np.asarray(
        (a.multiply(graph.adamic_weight) @ graph.adjacency).todense()
    ).ravel()
    return {
        "random": rng.random(graph.n),
        "most-connected": degree,
        "nearest": -np.nan_to_num(km, nan=1e9) + tie,
        "same sector": shared + tie,
        "adamic-adar": np.where(adamic > 0, adamic * 1e3 + tie, tie - 1),
    }


def evaluate_seed(
    settings: Any, orgs: pd.DataFrame, links: pd.DataFrame, vectors: np.ndarray,
    sites: pd.DataFrame, seed: int, unit: str,
) -> dict[str, dict[str, list[tuple[float, float, float]]]]:  # fmt: skip
    rng = np.random.default_rng(seed)
    hidden = hidden_mask(links, unit, rng)
    train = links[~hidden].reset_index(drop=True)
    pairs = train.groupby(["org_a", "org_b"], as_index=False).size()
    pairs = pairs.rename(columns={"size": "weight"})
    result, _ = services.cluster_sites(settings, sites.copy(), pairs)
    ids = sites["id"].to_numpy()
    clusters = {c.id: (c.name, list(ids[c.members])) for c in result.clusters}
    model = learn_model(orgs, train, vectors, clusters, random_state=seed)
    graph = MatchingGraph.build(orgs, train, vectors, clusters)
    full = MatchingGraph.build(orgs, links, vectors, clusters)
    held = (full.adjacency - graph.adjacency).tocsr()
    held.eliminate_zeros()
    out: dict[str, dict[str, list[tuple[float, float, float]]]] = {
        m: {"all": [], "cold": []} for m in METHODS
    }
    for row in np.flatnonzero(np.diff(held.indptr)):
        truth = held.indices[held.indptr[row] : held.indptr[row + 1]]
        query = query_for(graph, int(row))
        learned, _, _ = rank(graph, model, query)
        candidates = np.flatnonzero(~np.isnan(learned))
        scores = {"learned": learned, **baseline_scores(graph, int(row), rng)}
        cold = graph.degree[row] <= COLD
        for method, score in scores.items():
            order = candidates[np.argsort(-score[candidates], kind="stable")]
            found = metrics(order, truth)
            out[method]["all"].append(found)
            if cold:
                out[method]["cold"].append(found)
    return out


def quality(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        settings = scratch_workspace(Path(folder))
        with open_store(settings) as store:
            orgs, links, vectors, _ = records.matching_frames(store)
            sites = organisation_sites(store)
        per_seed = []
        for seed in range(args.seeds):
            started = time.perf_counter()
            found = evaluate_seed(
                settings, orgs, links, vectors, sites, seed, args.unit
            )
            per_seed.append(
                {
                    m: {s: np.mean(v, axis=0).tolist() for s, v in d.items()}
                    for m, d in found.items()
                }
            )
            counts = {s: len(v) for s, v in found["learned"].items()}
            print(
                f"seed {seed}: {counts['all']} organisations ranked, "
                f"{counts['cold']} cold-start, {time.perf_counter() - started:.0f} s",
                file=sys.stderr,
            )
    return {"per_seed": per_seed, "organisations": len(orgs), "records": len(links)}


def quality_table(found: dict[str, Any]) -> list[str]:
    lines = []
    for subset in ("all", "cold"):
        title = (
            "overall" if subset == "all" else f"cold start (<= {COLD} known partners)"
        )
        lines += [
            f"\n{title}: mean ± sd over {len(found['per_seed'])} seeds",
            "| method | recall@10 | MRR | nDCG@10 |",
            "|---|---|---|---|",
        ]
        for method in METHODS:
            values = np.array([s[method][subset] for s in found["per_seed"]])
            cells = [
                f"{values[:, i].mean():.3f} ± {values[:, i].std(ddof=1) if len(values) > 1 else 0:.3f}"
                for i in range(3)
            ]
            lines.append(f"| {method} | " + " | ".join(cells) + " |")
    return lines


def verdict(found: dict[str, Any]) -> list[str]:
    seeds = found["per_seed"]

    def mean(method: str, subset: str, i: int) -> float:
        return float(np.mean([s[method][subset][i] for s in seeds]))

    baselines = METHODS[1:]
    lines = ["\ntargets:"]
    for i, name in enumerate(("recall@10", "MRR", "nDCG@10")):
        best = max(baselines, key=lambda m: mean(m, "all", i))
        ok = mean("learned", "all", i) >= mean(best, "all", i)
        lines.append(
            f"  overall {name}: learned {mean('learned', 'all', i):.3f} vs best baseline "
            f"{best} {mean(best, 'all', i):.3f} -> {'met' if ok else 'NOT met'}"
        )
    best = max(baselines, key=lambda m: mean(m, "cold", 0))
    ratio = mean("learned", "cold", 0) / max(mean(best, "cold", 0), 1e-9)
    lines.append(
        f"  cold-start recall@10: learned {mean('learned', 'cold', 0):.3f} = {ratio:.2f}x "
        f"best baseline {best} {mean(best, 'cold', 0):.3f} (target 1.25x) -> "
        f"{'met' if ratio >= 1.25 else 'NOT met'}"
    )
    return lines


# --- latency on a synthetic directory -----------------------------------------------


def synthetic_store(settings: Any, n: int, rng: np.random.Generator) -> dict[str, Any]:
    """Copies of the demo organisations at random real postcodes, the demo network
    replicated among each set of copies, the demo's learned weights. SYNTHETIC."""
    demo = load_settings(workspace=settings.workspace.parent / "demo")
    data = services.demo_data() / "gtr_network"
    services.import_file(demo, "organisations", data / "organisations.csv", "bench")
    services.import_file(demo, "collaborations", data / "collaborations.csv", "bench")
    matching.refresh_capability_vectors(demo)
    matching.learn_weights(demo, "bench")
    with open_store(demo) as store:
        orgs = store.query("SELECT * FROM organisations ORDER BY id")
        links = store.query("SELECT * FROM collaborations")
        vectors = store.query("SELECT * FROM organisation_vectors")
        model = store.query("SELECT * FROM matching_models")
    postcodes = pd.read_csv(POSTCODES, usecols=["postcode", "lat", "lon"]).dropna()
    where = postcodes.sample(n, replace=True, random_state=1).to_numpy()
    copies = -(-n // len(orgs))
    started = time.perf_counter()
    with open_store(settings) as store:  # creates the schema
        pass
    db = sqlite3.connect(settings.database_path)
    columns = list(orgs[0])
    rows, vector_rows, link_rows = [], [], []
    by_id = {v["organisation_id"]: v for v in vectors}
    for c in range(copies):
        for i, org in enumerate(orgs):
            number = c * len(orgs) + i
            if number >= n:
                break
            row = dict(org, id=f"{org['id']}~{c}", name=f"{org['name']} ({c})")
            row.update(
                postcode=where[number][0], lat=where[number][1], lon=where[number][2]
            )
            row["normalised_name"] = row["name"].lower()
            row["company_number"] = None
            rows.append([row[k] for k in columns])
            if org["id"] in by_id:
                vector_rows.append((row["id"], "synthetic", by_id[org["id"]]["vector"]))
        for link in links:
            a, b = sorted((f"{link['org_a']}~{c}", f"{link['org_b']}~{c}"))
            link_rows.append(
                (a, b, link["weight"], link["project"], link["topic"], link["source"])
            )
    db.executemany(
        f"INSERT INTO organisations ({', '.join(columns)}) VALUES "
        f"({', '.join('?' * len(columns))})",
        rows,
    )
    ids = {r[0] for r in rows}
    db.executemany(
        "INSERT INTO collaborations (org_a, org_b, weight, project, topic, source)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [r for r in link_rows if r[0] in ids and r[1] in ids],
    )
    db.executemany("INSERT INTO organisation_vectors VALUES (?, ?, ?)", vector_rows)
    db.executemany(
        "INSERT INTO matching_models (learned_at, model) VALUES (?, ?)",
        [(m["learned_at"], m["model"]) for m in model],
    )
    db.commit()
    db.close()
    return {
        "organisations": len(rows),
        "collaboration_records": sum(
            1 for r in link_rows if r[0] in ids and r[1] in ids
        ),
        "write_s": round(time.perf_counter() - started, 1),
        "ids": [r[columns.index("id")] for r in rows],
    }


def latency(args: argparse.Namespace) -> dict[str, Any]:
    rng = np.random.default_rng(7)
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(workspace=Path(folder) / "synthetic")
        made = synthetic_store(settings, args.latency_orgs, rng)
        started = time.perf_counter()
        matching.matcher(settings)
        load_s = time.perf_counter() - started
        names = rng.choice(made["ids"], args.requests + 1, replace=False)
        matching.match_organisation(settings, str(names[0]))  # warm-up
        timings = []
        for name in names[1:]:
            t = time.perf_counter()
            matching.match_organisation(settings, str(name))
            timings.append(1000 * (time.perf_counter() - t))
        matching.match_need(settings, NEEDS[0])  # loads the embedding model
        need_timings = []
        for i in range(args.requests // 4):
            t = time.perf_counter()
            matching.match_need(settings, NEEDS[i % len(NEEDS)])
            need_timings.append(1000 * (time.perf_counter() - t))
    return {
        **{k: v for k, v in made.items() if k != "ids"},
        "graph_load_s": round(load_s, 1),
        "organisation": summarise(timings),
        "need": summarise(need_timings),
    }


def summarise(ms: list[float]) -> dict[str, float]:
    return {
        "requests": len(ms),
        "p50_ms": round(statistics.median(ms), 1),
        "p95_ms": round(float(np.percentile(ms, 95)), 1),
        "max_ms": round(max(ms), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--unit", choices=("records", "pairs"), default="records")
    parser.add_argument("--latency-orgs", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    print(
        f"machine: {platform.processor() or platform.machine()}, "
        f"python {platform.python_version()}; hidden unit: collaboration {args.unit}"
    )
    report: dict[str, Any] = {}
    if not args.skip_quality:
        report["quality"] = quality(args)
        print("\n".join(quality_table(report["quality"]) + verdict(report["quality"])))
    if not args.skip_latency:
        report["latency"] = latency(args)
        lat = report["latency"]
        print(
            f"\nlatency on a SYNTHETIC directory of {lat['organisations']:,} organisations"
            f" ({lat['collaboration_records']:,} collaboration records; graph built in "
            f"{lat['graph_load_s']} s):"
        )
        for kind in ("organisation", "need"):
            s = lat[kind]
            print(
                f"  {kind}: {s['requests']} requests, p50 {s['p50_ms']} ms, "
                f"p95 {s['p95_ms']} ms, max {s['max_ms']} ms (target p95 <= 100 ms)"
            )
    if args.json:
        print(json.dumps(report, default=float))


if __name__ == "__main__":
    main()
