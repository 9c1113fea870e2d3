"""Full-postcode geocoding: load the 1.74M-postcode table and geocode 100,000 postcodes.

Reads ../shared/data/geography/codepoint_open_2025_04_latlon.csv.gz (OS Code-Point
Open). Prints the machine and the median of 3 runs. Run: make bench
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from corpus.geocoding import Geocoder

TABLE = (
    Path(__file__).resolve().parents[1]
    / "../shared/data/geography/codepoint_open_2025_04_latlon.csv.gz"
)
N = 100_000


def main() -> None:
    if not TABLE.is_file():
        sys.exit(f"needs {TABLE}")
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    loads, lookups = [], []
    for run in range(3):
        started = time.perf_counter()
        geocoder = Geocoder.load(TABLE)
        loaded = time.perf_counter()
        assert geocoder.postcodes is not None
        keys = geocoder.postcodes.index.to_numpy()
        picked = np.random.default_rng(run).choice(keys, N, replace=False)
        queries = [f"{k[:-3]} {k[-3:]}".lower() for k in picked]  # as people type them
        before = time.perf_counter()
        found = geocoder.locate_many(queries)
        done = time.perf_counter()
        loads.append(loaded - started)
        lookups.append(done - before)
        hits = int((found["precision"] == "postcode").sum())
        print(
            f"run {run}: load {loaded - started:.2f} s ({len(keys):,} postcodes), "
            f"geocode {N:,} in {done - before:.2f} s, {hits:,} found at postcode precision"
        )
    print(
        f"median: load {statistics.median(loads):.2f} s + geocode "
        f"{statistics.median(lookups):.2f} s = "
        f"{statistics.median(loads) + statistics.median(lookups):.2f} s (target < 30 s)"
    )


if __name__ == "__main__":
    main()
