"""Property-based fuzzing of every importer, the document readers, the CSV exports,
and the search, question and need inputs, with many more cases than `make test`
runs: the same properties as tests/fuzz, on two small shared workspaces.

    .venv/bin/python bench/fuzz.py [--examples 1000] [--only "import organisations"]

Prints, per target, how many generated cases ran and how they ended (refused,
imported, answered, ...), any falsifying example, and the total.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).parents[1]
sys.path.insert(0, str(REPO))

from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402

from portal.settings import Settings  # noqa: E402
from tests.fuzz.properties import TARGETS, Target, small_workspace  # noqa: E402


def describe_failure(exc: BaseException) -> str:
    """Where it failed, the error, and the falsifying example, each cut short."""
    if isinstance(exc, BaseExceptionGroup):  # hypothesis found several failures
        return "\n".join(describe_failure(e) for e in exc.exceptions)
    frames = traceback.extract_tb(exc.__traceback__)[-3:]
    lines = [f"    {f.filename}:{f.lineno} in {f.name}" for f in frames]
    lines.append(f"    {type(exc).__name__}: {str(exc)[:600]}")
    lines += [f"    {note[:600]}" for note in getattr(exc, "__notes__", [])]
    return "\n".join(lines)


def run_target(
    target: Target, workspace: Settings, examples: int, random_seed: int
) -> dict[str, Any]:
    """Run the target's property on `examples` generated inputs; count every case."""
    outcomes: Counter[str] = Counter()

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
    )
    @seed(random_seed)
    @given(value=target.inputs)
    def property_holds(value: Any) -> None:
        outcomes["failed"] += 1  # until the check returns how it ended
        outcome = target.check(workspace, value)
        outcomes["failed"] -= 1
        outcomes[outcome] += 1

    started = time.perf_counter()
    failure = None
    try:
        property_holds()
    except Exception as exc:
        failure = describe_failure(exc)
    return {
        "cases": sum(outcomes.values()),
        "outcomes": outcomes,
        "seconds": time.perf_counter() - started,
        "failure": failure,
    }


def run_all(
    root: Path, examples: int, random_seed: int, only: list[str] | None
) -> list[str]:
    """Every target (or those named) on fresh workspaces; the names of those failed."""
    print("building two small workspaces (54 organisations; one with a document) …")
    workspaces = {
        "imports": small_workspace(root / "imports", documents=False),
        "indexed": small_workspace(root / "indexed", documents=True),
    }
    total, failed = 0, []
    for target in TARGETS:
        if only and target.name not in only:
            continue
        result = run_target(target, workspaces[target.workspace], examples, random_seed)
        total += result["cases"]
        ends = ", ".join(f"{n} {k}" for k, n in result["outcomes"].most_common() if n)
        print(
            f"{target.name:<28} {result['cases']:>6} cases ran "
            f"in {result['seconds']:6.1f} s  ({ends})",
            flush=True,
        )
        if result["failure"]:
            failed.append(target.name)
            print(f"  FAILED:\n{result['failure']}", flush=True)
    print(f"total: {total} cases ran; {len(failed)} targets failed {failed or ''}")
    return failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=1000, help="cases per target")
    parser.add_argument("--only", action="append", help="run only these targets")
    parser.add_argument("--seed", type=int, default=7, help="hypothesis' random seed")
    args = parser.parse_args()
    for name in list(os.environ):
        if name.startswith("CLUSTER_PORTAL_"):
            del os.environ[name]
    print(f"{args.examples} examples per target, seed {args.seed}")
    print(
        f"machine: {platform.node()} · {platform.processor() or platform.machine()} · "
        f"{os.cpu_count()} CPUs · Python {platform.python_version()}"
    )
    with tempfile.TemporaryDirectory(prefix="fuzz-bench-") as root:
        failed = run_all(Path(root), args.examples, args.seed, args.only)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
