"""Time the GtR import (organisations + collaborations) into an empty workspace via the CLI,
then the re-import, which must change nothing. Median of 3 runs. Run: make bench
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "../shared/data/gtr_network"


def cli(workspace: Path, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "portal.cli", "--workspace", str(workspace), *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def main() -> None:
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    first, again = [], []
    for run in range(3):
        with tempfile.TemporaryDirectory() as folder:
            workspace = Path(folder) / "ws"
            started = time.perf_counter()
            cli(workspace, "import", "organisations", str(DATA / "organisations.csv"))
            cli(workspace, "import", "collaborations", str(DATA / "collaborations.csv"))
            first.append(time.perf_counter() - started)
            stats = cli(workspace, "stats", "--json")
            started = time.perf_counter()
            cli(workspace, "import", "organisations", str(DATA / "organisations.csv"))
            report = json.loads(
                cli(
                    workspace,
                    "import",
                    "collaborations",
                    str(DATA / "collaborations.csv"),
                    "--json",
                )
            )
            again.append(time.perf_counter() - started)
            unchanged = cli(workspace, "stats", "--json") == stats
            counts = json.loads(stats)
            print(
                f"run {run}: import {first[-1]:.2f} s, re-import {again[-1]:.2f} s; "
                f"{counts['organisations']} organisations "
                f"({counts['organisations_without_location']} without location), "
                f"{len(report['skipped'])} collaboration rows skipped, "
                f"stats unchanged by re-import: {unchanged}"
            )
    print(
        f"median: import {statistics.median(first):.2f} s, "
        f"re-import {statistics.median(again):.2f} s (both include 2 CLI start-ups)"
    )


if __name__ == "__main__":
    main()
