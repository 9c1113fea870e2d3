"""Our Louvain (clustering.louvain) against networkx's on the national benchmark's
collaboration graphs, in one process so the time ratios are fair.

The graphs are those bench/cluster_scale.py builds (SYNTHETIC organisations at real
postcodes, seed 0): the links among RD&I-active sites, as find_clusters gives them
to Louvain (before the re-runs inside communities). For each size and method: the
median of --reps wall times, the modularity (resolution 1) and the number of
communities. Run: .venv/bin/python bench/louvain_compare.py [--sizes 1000000,3100000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

import networkx as nx
import numpy as np
from scipy.sparse import triu

T = TypeVar("T")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import cluster_scale  # noqa: E402

from clustering.communities import collaboration_matrix  # noqa: E402
from clustering.louvain import louvain, modularity  # noqa: E402
from clustering.pipeline import ClusterParams, _adjacency  # noqa: E402


def active_graph(n: int) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """Nodes, and the ends and weights of the links among RD&I-active sites."""
    params = ClusterParams()
    args = argparse.Namespace(
        distance_km=params.distance_km,
        concentration=params.concentration,
        active_share=0.05,
        links_per_active=1.0,
        planted_radius_km=2.0,
        seed=0,
    )
    data = cluster_scale.synthesise(n, args, np.random.default_rng(0))
    sites = data.sites.reset_index(drop=True)
    active = sites["rdi_active"].to_numpy().astype(bool)
    upper = triu(_adjacency(sites, data.links), k=1).tocoo()
    keep = active[upper.row] & active[upper.col]
    used, ends = np.unique(
        np.concatenate([upper.row[keep], upper.col[keep]]), return_inverse=True
    )
    a, b = ends.reshape(2, -1)
    return len(used), a, b, upper.data[keep].astype(float)


def timed(run: Callable[[], T], reps: int) -> tuple[float, T]:
    """The median wall time of reps runs, and the last run's result."""
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,3100000")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--no-networkx", action="store_true")
    args = parser.parse_args()
    print("| sites | nodes | links | method | median s | modularity | communities |")
    print("|---:|---:|---:|---|---:|---:|---:|")
    for size in (int(s) for s in args.sizes.split(",")):
        nodes, a, b, w = active_graph(size)
        adjacency = collaboration_matrix(nodes, a, b, w)
        row = f"| {size:,} | {nodes:,} | {len(w):,}"
        seconds, labels = timed(partial(louvain, adjacency, seed=0), args.reps)
        quality = modularity(adjacency, labels)
        count = int(labels.max()) + 1
        print(f"{row} | ours | {seconds:.2f} | {quality:.5f} | {count:,} |", flush=True)
        if args.no_networkx:
            continue
        graph = nx.Graph()
        graph.add_nodes_from(range(nodes))
        graph.add_weighted_edges_from(
            zip(a.tolist(), b.tolist(), w.tolist(), strict=True)
        )
        seconds, parts = timed(
            partial(nx.community.louvain_communities, graph, weight="weight", seed=0),
            args.reps,
        )
        labels = np.empty(nodes, dtype=np.int64)
        for k, part in enumerate(parts):
            labels[list(part)] = k
        quality = modularity(adjacency, labels)
        print(
            f"{row} | networkx | {seconds:.2f} | {quality:.5f} | {len(parts):,} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
