"""Crash safety under kill -9: an import, a cluster build and document indexing are
each killed at random moments (seeded, spread over the operation's measured
duration) while a reader process searches and reads clusters; after every kill and
after the next run the store and the index are checked.

    .venv/bin/python bench/crash_safety.py [--trials 50] [--seed 7]
        [--only import,build,documents] [--demo WORKSPACE] [--work DIR]

Checked after each kill: PRAGMA integrity_check and foreign_key_check; the audit
log against the data (organisations and collaborations replayed from it, documents'
hashes and chunk counts, the latest build's cluster counts, one learn entry per
matching model); the Chroma ids against the store's passages per source, and every
vector reachable by a query. After the rerun the same, plus nothing orphaned or
missing and the operation complete. The reader checks that every state it sees is
whole: profiles match the clusters, audit matches data, no passage without vector.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).parents[1]
sys.path.insert(0, str(REPO))

SOURCES = ("document", "cluster", "organisation")
BIG_ROWS = 12_000
GENERATED_DOCUMENTS = 12
READER_PAUSE = 0.25  # seconds between a reader's rounds, as a person reading would
QUERIES = ("innovation clusters in Scotland", "advanced manufacturing partners")
ENV = {k: v for k, v in os.environ.items() if not k.startswith("CLUSTER_PORTAL_")}
ENV.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="0")
# a reader may see these by design: import does not refresh profiles (build does)
EXPECTED_IN_READER = {"import": {"organisation profiles stale"}}


def cli(workspace: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "portal.cli", "--workspace", str(workspace), *args]


def run_cli(workspace: Path, *args: str, env: dict[str, str] | None = None) -> None:
    done = subprocess.run(cli(workspace, *args), env=env or ENV, cwd=REPO,
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {done.stderr[-2000:]}")


def copy_workspace(source: Path, target: Path) -> Path:
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target)
    return target


# -- the data the operations bring ----------------------------------------------------


def big_members_file(path: Path, rows: int = BIG_ROWS) -> Path:
    """A members CSV of synthetic firms spread over the postcode districts."""
    from corpus.geocoding import load_districts

    districts = list(load_districts().index)
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["name", "postcode", "sectors", "employees"])
        for i in range(rows):
            writer.writerow([f"Synthetic Firm {i:05d} Ltd", districts[i % len(districts)],
                             "Engineering and Technology", i % 500])  # fmt: skip
    return path


def documents_folder(folder: Path, seed: int, generated: int) -> Path:
    """The demo documents (two changed at the start, so all their chunks are new)
    and ``generated`` documents made of the demo documents' sentences, reshuffled."""
    from portal.services import demo_data

    source = demo_data() / "documents"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(source, folder)
    texts = sorted(folder.glob("*.txt"))
    sentences = [s.strip() for t in texts for s in t.read_text().split(". ") if s]
    rng = random.Random(seed)
    for path in texts[:2]:
        path.write_text(f"Revised edition {seed}.\n\n" + path.read_text())
    for n in range(generated):
        parts = [f"Synthetic cluster report {n:02d}"]
        for section in range(4):
            picked = rng.sample(sentences, 10)
            parts.append(f"Section {section + 1}\n\n" + ". ".join(picked) + ".")
        (folder / f"synthetic-report-{n:02d}.txt").write_text("\n\n".join(parts))
    return folder


# -- what is checked ------------------------------------------------------------------


class Snapshot:
    """One read transaction on the store, with the ``query`` the profile builders use."""

    def __init__(self, database: Path) -> None:
        self.conn = sqlite3.connect(database, timeout=60, isolation_level=None)
        self.conn.execute("PRAGMA query_only = 1")
        self.conn.execute("BEGIN")

    def query(self, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def scalar(self, sql: str, params: Any = ()) -> Any:
        return self.conn.execute(sql, params).fetchone()[0]

    def ids(self, source: str) -> set[str]:
        rows = self.conn.execute("SELECT id FROM passages WHERE source = ?", [source])
        return {r[0] for r in rows}

    def close(self) -> None:
        self.conn.execute("COMMIT")
        self.conn.close()


def audit_counts(db: Snapshot, record_type: str) -> Counter[str]:
    rows = db.query(
        "SELECT action, count(*) AS n FROM audit_log WHERE record_type = ?"
        " GROUP BY action",
        [record_type],
    )
    return Counter({r["action"]: r["n"] for r in rows})


def whole_state_problems(db: Snapshot) -> list[str]:
    """What a reader must never see: data and audit, or clusters and their
    profiles, out of step in one snapshot of the store."""
    from directory import profiles

    problems = []
    organisations = db.scalar("SELECT count(*) FROM organisations")
    created = audit_counts(db, "organisation")
    if organisations != created["create"] - created["delete"] - created["merge"]:
        problems.append("organisations and their audit entries differ")
    collaborations = db.scalar("SELECT count(*) FROM collaborations")
    created = audit_counts(db, "collaboration")
    if collaborations != created["create"] - created["delete"]:
        problems.append("collaborations and their audit entries differ")
    problems += document_problems(db)
    problems += cluster_problems(db)
    if db.ids("cluster") != {p["id"] for p in profiles.cluster_profiles(db)}:  # type: ignore[arg-type]
        problems.append("cluster profiles stale")
    if db.ids("organisation") != {
        p["id"]
        for p in profiles.organisation_profiles(db)  # type: ignore[arg-type]
    }:
        problems.append("organisation profiles stale")
    return problems


def document_problems(db: Snapshot) -> list[str]:
    problems = []
    audited: dict[str, str] = {}
    for row in db.query(
        "SELECT record_id, after FROM audit_log WHERE record_type = 'document'"
        " AND after IS NOT NULL ORDER BY id"
    ):
        after = json.loads(row["after"])
        if "content_hash" in after:
            audited[row["record_id"]] = after["content_hash"]
    for row in db.query(
        "SELECT d.id, d.content_hash, d.chunks, (SELECT count(*) FROM passages p"
        " WHERE p.source = 'document' AND p.document_id = d.id) AS passages"
        " FROM documents d"
    ):
        if audited.get(row["id"]) != row["content_hash"]:
            problems.append(f"document {row['id']} differs from its audit entries")
        if row["chunks"] != row["passages"]:
            problems.append(f"document {row['id']} has a partial set of passages")
    if db.scalar(
        "SELECT count(*) FROM passages WHERE source = 'document'"
        " AND document_id NOT IN (SELECT id FROM documents)"
    ):
        problems.append("passages of a document the store does not have")
    return problems


def cluster_problems(db: Snapshot) -> list[str]:
    """The clusters are the latest build's, whole (an emptied or half-written
    clusters table shows here), and each learned model has its audit entry."""
    problems = []
    clusters = db.query("SELECT type, size FROM clusters")
    members = db.scalar("SELECT count(*) FROM cluster_members")
    if members != sum(c["size"] for c in clusters):
        problems.append("cluster sizes and members differ")
    builds = db.query(
        "SELECT details FROM audit_log WHERE record_type = 'clusters'"
        " AND action = 'build' ORDER BY id DESC LIMIT 1"
    )
    by_type = dict(Counter(c["type"] for c in clusters))
    built = json.loads(builds[0]["details"])["by_type"] if builds else {}
    if built != by_type:
        problems.append("clusters differ from the latest build's audit entry")
    models = db.scalar("SELECT count(*) FROM matching_models")
    if models != audit_counts(db, "matching_model")["learn"]:
        problems.append("matching models and their audit entries differ")
    return problems


def replay_problems(db: Snapshot) -> list[str]:
    """Every organisation and collaboration rebuilt from the audit log equals the
    stored one (fields the log records; timestamps and versions aside)."""
    from directory.schema import JSON_COLUMNS

    replayed: dict[str, dict[str, Any]] = {}
    for row in db.query(
        "SELECT action, record_id, after FROM audit_log"
        " WHERE record_type = 'organisation' ORDER BY id"
    ):
        if row["action"] in ("delete", "merge"):
            replayed.pop(row["record_id"], None)
        elif row["after"]:
            replayed.setdefault(row["record_id"], {}).update(json.loads(row["after"]))
    problems = []
    stored = {r["id"]: r for r in db.query("SELECT * FROM organisations")}
    if stored.keys() != replayed.keys():
        problems.append("organisation ids differ from the audit log's")
    for oid, record in replayed.items():
        row = stored.get(oid, {})
        for key, value in record.items():
            if key in ("created_at", "updated_at", "version") or key not in row:
                continue
            have = row[key]
            if key in JSON_COLUMNS and isinstance(have, str):
                have = json.loads(have)
            if key == "rdi_active":
                have = bool(have)
            if have != value:
                problems.append(f"organisation {oid}.{key} differs from its audit log")
                break
    keys = {
        "|".join(str(r[k]) for k in ("org_a", "org_b", "project", "topic", "source"))
        for r in db.query("SELECT * FROM collaborations")
    }
    audited = {
        r["record_id"]
        for r in db.query(
            "SELECT record_id FROM audit_log WHERE record_type = 'collaboration'"
            " AND action = 'create'"
        )
    }
    if not keys <= audited:
        problems.append("collaborations without a create entry")
    return problems[:5]


def index_state(workspace: Path, stored: dict[str, set[str]]) -> dict[str, Any]:
    """Per source: orphan vectors, passages without a vector, and vectors a query
    cannot reach (lost from the HNSW graph though listed). The graph's search is
    approximate: one random query asking for every vector may miss a few that are
    there, so a vector it misses counts as unreachable only if a query with its
    own embedding doesn't find it either."""
    import numpy as np

    from retrieval.index import VectorIndex

    index = VectorIndex(path=workspace / "index")
    rng = np.random.default_rng(0)
    found: dict[str, Any] = {}
    for source in SOURCES:
        indexed = index.ids(source)
        vector = rng.normal(size=384).astype(np.float32)
        try:
            reached = {i for i, _ in index.nearest(source, vector, len(indexed))}
            missed = sorted(indexed - reached)
            for i, own in index.vectors(source, missed).items():
                if i in {j for j, _ in index.nearest(source, own, 10)}:
                    reached.add(i)
            error = None
        except Exception as exc:  # what a search would have hit
            reached, error = set(), f"{type(exc).__name__}: {exc}"[:200]
        found[source] = {
            "orphans": len(indexed - stored[source]),
            "missing": len(stored[source] - indexed),
            "unreachable": len(indexed - reached),
            "error": error,
        }
    return found


def check_workspace(workspace: Path) -> dict[str, Any]:
    """Everything checked after a kill or a rerun, as plain data."""
    database = workspace / "directory.db"
    with sqlite3.connect(database, timeout=60) as conn:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        foreign = conn.execute("PRAGMA foreign_key_check").fetchall()
    db = Snapshot(database)
    try:
        problems = whole_state_problems(db) + replay_problems(db)
        stored = {source: db.ids(source) for source in SOURCES}
        state = {
            "organisations": db.scalar("SELECT count(*) FROM organisations"),
            "documents": {
                r["id"]: r["content_hash"]
                for r in db.query("SELECT id, content_hash FROM documents")
            },
            "builds": audit_counts(db, "clusters")["build"],
            "models": db.scalar("SELECT count(*) FROM matching_models"),
            "clusters": sorted(r["id"] for r in db.query("SELECT id FROM clusters")),
        }
    finally:
        db.close()
    return {
        "integrity": integrity,
        "foreign_key_violations": len(foreign),
        "problems": problems,
        "index": index_state(workspace, stored),
        **state,
    }


def check_in_subprocess(workspace: Path) -> dict[str, Any]:
    """Checked by a fresh process: it opens the index as the next run would."""
    done = subprocess.run(
        [sys.executable, __file__, "check", str(workspace)],
        env=ENV, capture_output=True, text=True, cwd=REPO,
    )  # fmt: skip
    if done.returncode != 0:
        return {"check_failed": done.stderr[-1500:]}
    return json.loads(done.stdout)


# -- the concurrent reader ------------------------------------------------------------


def read_round(settings: Any, query: str) -> tuple[list[str], int]:
    """One pass as a portal session makes it: a snapshot of the store, the index's
    ids, a search; returns what it saw wrong and how many orphan vectors it saw."""
    from portal import knowledge

    db = Snapshot(settings.database_path)
    try:
        problems = whole_state_problems(db)
        first = {s: db.ids(s) for s in SOURCES}
    finally:
        db.close()
    index = knowledge.vector_index(settings)
    indexed = {s: index.ids(s) for s in SOURCES}
    db = Snapshot(settings.database_path)
    try:
        second = {s: db.ids(s) for s in SOURCES}
    finally:
        db.close()
    orphans = 0
    for s in SOURCES:
        # stored before and after the index was read, so indexed before it was read
        if missing := (first[s] & second[s]) - indexed[s]:
            problems.append(f"{s} passages without a vector")
            print(f"{time.strftime('%X')} {settings.workspace}: {len(missing)} of "
                  f"{len(first[s])} {s} passages missing from {len(indexed[s])} "
                  f"indexed, e.g. {sorted(missing)[:2]}", file=sys.stderr, flush=True)  # fmt: skip
        orphans += len(indexed[s] - first[s] - second[s])
    try:
        knowledge.search(settings, query, 10, SOURCES)
    except Exception as exc:
        problems.append(f"search failed: {type(exc).__name__}: {exc}"[:160])
    return problems, orphans


def keep_reading(settings: Any, seen: dict[str, Any], stop: threading.Event) -> None:
    while True:
        try:
            problems, orphans = read_round(settings, QUERIES[seen["rounds"] % 2])
        except Exception as exc:
            problems, orphans = [f"read failed: {type(exc).__name__}: {exc}"[:160]], 0
        seen["rounds"] += 1
        seen["orphans_seen"] = max(seen["orphans_seen"], orphans)
        for problem in problems:
            seen["problems"][problem] = seen["problems"].get(problem, 0) + 1
        if stop.wait(READER_PAUSE):
            return


def serve_reader() -> None:
    """The reader process: ``watch PATH`` reads that workspace round after round
    (answering once the first round is done), ``stop`` answers with what it saw."""
    from portal.settings import load_settings

    stop = threading.Event()
    thread: threading.Thread | None = None
    seen: dict[str, Any] = {}
    for line in sys.stdin:
        command, _, argument = line.strip().partition(" ")
        if command == "watch":
            settings = load_settings(workspace=Path(argument))
            seen = {"rounds": 0, "orphans_seen": 0, "problems": {}}
            stop.set()
            keep_reading(settings, seen, stop)  # one round: warm and ready
            stop.clear()
            thread = threading.Thread(target=keep_reading, args=(settings, seen, stop))
            thread.start()
            print(json.dumps({"ready": seen}), flush=True)
        elif command == "stop" and thread is not None:
            stop.set()
            thread.join()
            print(json.dumps(seen), flush=True)


class Reader:
    """The bench's handle on the reader process."""

    def __init__(self, log: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "read"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=log.open("w"), text=True, env=ENV, cwd=REPO,
        )  # fmt: skip

    def send(self, line: str) -> dict[str, Any]:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        if not answer:
            raise RuntimeError("the reader process died; see its log")
        return dict(json.loads(answer))

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()


# -- trials ---------------------------------------------------------------------------


@dataclass
class Operation:
    name: str
    args: tuple[str, ...]
    prepared: Path
    duration: float = 0.0
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    outcomes: Counter[str] = field(default_factory=Counter)
    violations: list[str] = field(default_factory=list)
    reader_rounds: int = 0
    reader_problems: Counter[str] = field(default_factory=Counter)
    orphans_seen: int = 0
    midway: Counter[str] = field(default_factory=Counter)
    recovered: int = 0
    elapsed: float = 0.0


def index_clean(state: dict[str, Any]) -> bool:
    return all(
        not (v["orphans"] or v["missing"] or v["unreachable"] or v["error"])
        for v in state["index"].values()
    )


def same_data(state: dict[str, Any], other: dict[str, Any]) -> bool:
    keys = ("organisations", "documents", "clusters")
    return all(state[k] == other[k] for k in keys)


def outcome(op: Operation, state: dict[str, Any]) -> str:
    """before / committed / mid-way (parts done, repaired by the rerun) / partial
    (an import half in: never allowed)."""
    if op.name == "import":
        if state["organisations"] == op.before["organisations"]:
            return "before"
        return "committed" if same_data(state, op.after) else "partial"
    whole = index_clean(state) and not state["problems"]
    if whole and same_data(state, op.before) and state["models"] == op.before["models"]:
        return "before"
    if whole and same_data(state, op.after) and state["models"] == op.after["models"]:
        return "committed"
    return "mid-way"


def midway_reason(op: Operation, state: dict[str, Any]) -> str:
    """What a mid-way kill left for the next run to finish."""
    left = []
    if any(v["orphans"] for v in state["index"].values()):
        left.append("orphan vectors")
    if state["documents"] not in (op.before["documents"], op.after["documents"]):
        left.append("some documents in")
    if state["clusters"] != op.before["clusters"]:
        if state["models"] == op.before["models"]:
            left.append("clusters new, weights not yet relearned")
    elif state["models"] != op.before["models"]:
        left.append("weights learned")
    return ", ".join(left) or "unclassified"


def state_violations(op: Operation, state: dict[str, Any], rerun: bool) -> list[str]:
    if "check_failed" in state:
        return [f"check failed: {state['check_failed'][-300:]}"]
    found = []
    if state["integrity"] != "ok":
        found.append(f"integrity_check: {state['integrity']}")
    if state["foreign_key_violations"]:
        found.append(f"{state['foreign_key_violations']} foreign key violations")
    allowed = {"organisation profiles stale"} if op.name == "import" else set()
    found += [p for p in state["problems"] if p not in allowed]
    for source, s in state["index"].items():
        if s["missing"]:  # vectors are written before the store: never allowed
            found.append(f"{s['missing']} {source} passages without a vector")
        if s["unreachable"] or s["error"]:
            found.append(f"{source} index damaged: {s['unreachable']} unreachable, "
                         f"{s['error']}")  # fmt: skip
        if rerun and s["orphans"]:
            found.append(f"{s['orphans']} orphan {source} vectors after the rerun")
    if rerun and not same_data(state, op.after):
        found.append("the rerun did not complete the operation")
    if not rerun and outcome(op, state) == "partial":
        found.append("a partial import is visible")
    return found


def kill_after(command: list[str], delay: float) -> bool:
    """Run command and SIGKILL it after delay seconds; True if it finished first."""
    process = subprocess.Popen(command, env=ENV, cwd=REPO,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        process.wait(timeout=delay)
        return True
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait()
        return False


def run_trial(op: Operation, workspace: Path, delay: float, reader: Reader) -> str:
    """Kill the operation after delay; check; rerun it; check. A fresh folder per
    trial: a reader's open index must not outlive the files under it."""
    copy_workspace(op.prepared, workspace)
    reader.send(f"watch {workspace}")
    finished = kill_after(cli(workspace, *op.args), delay)
    seen = reader.send("stop")
    op.reader_rounds += seen["rounds"]
    op.orphans_seen = max(op.orphans_seen, seen["orphans_seen"])
    op.reader_problems.update(seen["problems"])
    if seen["problems"]:
        print(f"    the reader saw {seen['problems']}", flush=True)
    state = check_in_subprocess(workspace)
    found = state_violations(op, state, rerun=False)
    result = "finished" if finished else outcome(op, state) if not found else "broken"
    if result == "mid-way":
        op.midway[midway_reason(op, state)] += 1
    try:
        run_cli(workspace, *op.args)
        after = state_violations(op, check_in_subprocess(workspace), rerun=True)
        found += [f"after rerun: {v}" for v in after]
        op.recovered += result == "mid-way" and not after
    except RuntimeError as exc:
        found.append(f"rerun failed: {exc}")
    op.violations += [f"kill at {delay:.1f} s: {v}" for v in found]
    shutil.rmtree(workspace, ignore_errors=True)
    return result


def measure(op: Operation, workspace: Path, reader: Reader) -> None:
    """The operation uninterrupted (watched by the reader): duration, end state."""
    copy_workspace(op.prepared, workspace)
    op.before = check_in_subprocess(workspace)
    reader.send(f"watch {workspace}")
    started = time.perf_counter()
    run_cli(workspace, *op.args)
    op.duration = time.perf_counter() - started
    seen = reader.send("stop")
    op.reader_rounds += seen["rounds"]
    op.reader_problems.update(seen["problems"])
    op.after = check_in_subprocess(workspace)
    expected = EXPECTED_IN_READER.get(op.name, set())
    unexpected = {p: n for p, n in seen["problems"].items() if p not in expected}
    print(f"  uninterrupted: {op.duration:.1f} s; the reader made {seen['rounds']} "
          f"rounds and saw {unexpected or 'nothing wrong'}", flush=True)  # fmt: skip
    for name, state in (("before", op.before), ("after", op.after)):
        if found := state_violations(op, state, rerun=name == "after"):
            op.violations += [f"uninterrupted run, {name}: {v}" for v in found]
    shutil.rmtree(workspace, ignore_errors=True)


def run_operation(op: Operation, trials: int, rng: random.Random, work: Path) -> None:
    started = time.perf_counter()
    reader = Reader(work / f"reader-{op.name}.log")
    try:
        print(f"{op.name}: measuring", flush=True)
        measure(op, work / f"trial-{op.name}-measure", reader)
        span = op.duration * 1.05  # a few kills land just after it ends
        delays = [span * (i + rng.random()) / trials for i in range(trials)]
        rng.shuffle(delays)
        for n, delay in enumerate(delays, start=1):
            result = run_trial(op, work / f"trial-{op.name}-{n:02d}", delay, reader)
            op.outcomes[result] += 1
            print(f"  {op.name} {n}/{trials}: kill at {delay:5.1f} s -> {result}",
                  flush=True)  # fmt: skip
    finally:
        reader.close()
    op.elapsed = time.perf_counter() - started


# -- preparing and reporting ----------------------------------------------------------


def prepare(work: Path, demo: Path | None, seed: int) -> dict[str, Operation]:
    """The demo workspace, and for the build one whose clusters were built with
    other parameters, so the build changes clusters, profiles and weights."""
    if demo is None:
        demo = work / "demo"
        if not (demo / "directory.db").is_file():
            print("building the demo workspace …", flush=True)
            run_cli(demo, "demo")
    built_otherwise = work / "build-before"
    done = work / "build-before.done"
    if not done.is_file():
        copy_workspace(demo, built_otherwise)
        run_cli(built_otherwise, "build",
                env={**ENV, "CLUSTER_PORTAL_CLUSTERING__MIN_CLUSTER_SIZE": "15"})  # fmt: skip
        done.touch()
    big = big_members_file(work / "big.csv")
    folder = documents_folder(work / "documents", seed, GENERATED_DOCUMENTS)
    return {
        "import": Operation("import", ("import", "organisations", str(big)), demo),
        "build": Operation("build", ("build",), built_otherwise),
        "documents": Operation("documents", ("import", "documents", str(folder)), demo),
    }


def report(op: Operation, trials: int) -> None:
    print(f"\n{op.name}: {trials} trials in {op.elapsed / 60:.1f} min "
          f"(uninterrupted {op.duration:.1f} s; kills spread over 0-"
          f"{op.duration * 1.05:.1f} s)")  # fmt: skip
    order = ("before", "mid-way", "committed", "finished", "broken")
    shown = ", ".join(f"{k} {op.outcomes[k]}" for k in order if op.outcomes[k])
    print(f"  outcome right after the kill: {shown}")
    if op.outcomes["mid-way"]:
        left = "; ".join(f"{n} {reason}" for reason, n in op.midway.most_common())
        print(f"  mid-way: {op.outcomes['mid-way']} ({left}); recovered by the "
              f"rerun: {op.recovered}")  # fmt: skip
    expected = EXPECTED_IN_READER.get(op.name, set())
    problems = {p: n for p, n in op.reader_problems.items() if p not in expected}
    by_design = {p: n for p, n in op.reader_problems.items() if p in expected}
    print(f"  reader: {op.reader_rounds} rounds; saw wrong: {problems or 'nothing'}"
          + (f"; by design: {by_design}" if by_design else "")
          + f"; at most {op.orphans_seen} orphan vectors at once (search hides "
          "them: it shows only passages the store has)")  # fmt: skip
    print(f"  violations: {len(op.violations)}")
    for violation in op.violations[:20]:
        print(f"    {violation}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", default="import,build,documents")
    parser.add_argument("--demo", type=Path, help="A built demo workspace to reuse.")
    parser.add_argument("--work", type=Path, default=Path("/tmp/crash-safety"))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    print(f"machine: {platform.machine()}, Python {platform.python_version()}, "
          f"{os.cpu_count()} cpus, load {os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip
    operations = prepare(args.work, args.demo, args.seed)
    rng = random.Random(args.seed)
    chosen = [operations[name] for name in args.only.split(",")]
    for op in chosen:
        run_operation(op, args.trials, rng, args.work)
    for op in chosen:
        report(op, args.trials)


COMMANDS: dict[str, Callable[[], None]] = {
    "check": lambda: print(json.dumps(check_workspace(Path(sys.argv[2])))),
    "read": serve_reader,
}

if __name__ == "__main__":
    COMMANDS.get(sys.argv[1] if len(sys.argv) > 1 else "", main)()
