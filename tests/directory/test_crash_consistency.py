"""The store and the search index stay consistent through a crash at each point
where they are written apart, and through a real kill -9 mid-way: the store stays
whole, search shows only what the store holds, and the next run repairs the index.
bench/crash_safety.py runs the same checks over many random kills."""

from __future__ import annotations

import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bench.crash_safety import check_workspace, documents_folder
from directory import passages as passage_store
from portal import knowledge, matching, services
from portal.settings import Settings, load_settings
from portal.workspace import open_store
from retrieval.index import IndexUnavailable, VectorIndex
from tests.conftest import DEMO_DOCUMENTS

NP11 = "np11-innovation-clusters-north-of-england"
REVISION = "Revised: the Humber zebra hatchery now employs 4,321 keepers."


class Killed(BaseException):
    """The process dying at this point: nothing after it runs, nothing commits."""


def killed(*args: Any, **kwargs: Any) -> None:
    raise Killed


def revised_documents(folder: Path) -> Path:
    """The demo documents with NP11 revised at its start, so its chunks all change."""
    shutil.copytree(DEMO_DOCUMENTS, folder)
    path = folder / f"{NP11}.txt"
    path.write_text(REVISION + "\n\n" + path.read_text(encoding="utf-8"))
    return folder


def assert_whole(settings: Settings) -> dict[str, Any]:
    """The store passes its checks and holds a vector for every passage."""
    state = check_workspace(settings.workspace)
    assert (state["integrity"], state["foreign_key_violations"]) == ("ok", 0)
    assert state["problems"] == []
    for source in state["index"].values():
        assert (source["missing"], source["unreachable"], source["error"]) == (
            0,
            0,
            None,
        )
    return state


def assert_search_shows_only_the_store(settings: Settings, query: str) -> None:
    found = knowledge.search(settings, query, 10)
    with open_store(settings) as store:
        assert {p.id for p in found} <= passage_store.passage_ids(store, "document")


def test_a_crash_between_index_and_store_leaves_orphans_the_next_import_drops(
    docs: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = assert_whole(docs)["documents"]
    folder = revised_documents(tmp_path / "docs")
    monkeypatch.setattr(passage_store, "save_document", killed)
    with pytest.raises(Killed):  # after the new chunks' vectors, before the store
        knowledge.import_documents(docs, [folder], "t")
    monkeypatch.undo()
    state = assert_whole(docs)
    assert state["documents"] == before
    orphans = state["index"]["document"]["orphans"]
    assert orphans > 0
    assert_search_shows_only_the_store(docs, "zebra hatchery keepers")
    report = knowledge.import_documents(docs, [folder], "t")
    assert report.updated == [NP11] and report.repaired == orphans
    state = assert_whole(docs)
    assert state["index"]["document"]["orphans"] == 0
    assert knowledge.search(docs, "zebra hatchery keepers", 1)[0].document == NP11


def test_a_crash_before_old_vectors_go_leaves_orphans_the_next_import_drops(
    docs: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = revised_documents(tmp_path / "docs")

    def killed_when_deleting(self: VectorIndex, source: str, ids: list[str]) -> None:
        if ids:
            raise Killed

    monkeypatch.setattr(VectorIndex, "delete", killed_when_deleting)
    with pytest.raises(Killed):  # the store committed, the old vectors still there
        knowledge.import_documents(docs, [folder], "t")
    monkeypatch.undo()
    state = assert_whole(docs)
    orphans = state["index"]["document"]["orphans"]
    assert orphans > 0
    assert_search_shows_only_the_store(docs, "North of England innovation clusters")
    report = knowledge.import_documents(docs, [folder], "t")
    assert len(report.unchanged) == 5 and report.repaired == orphans
    assert assert_whole(docs)["index"]["document"]["orphans"] == 0


def random_vectors(count: int, seed: int) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(count, 384))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype("f4")


WRITER = """
import sys
from pathlib import Path
import numpy as np
from retrieval.index import IndexUnavailable, VectorIndex
from tests.conftest import DEMO_DOCUMENTS
index = VectorIndex(path=Path(sys.argv[1]))
vectors = np.random.default_rng(1).normal(size=(20, 384)).astype("f4")
index.upsert("document", [f"b{i}" for i in range(20)], vectors, [{"document": "b"}] * 20)
index.delete("document", ["a0", "a1"])
"""


def test_a_reader_sees_what_another_process_wrote(tmp_path: Path) -> None:
    """A PersistentClient alone would keep querying its old graph: the new vectors
    missing and the deleted ones found (or failing with "Error finding id")."""
    reader = VectorIndex(path=tmp_path / "index")
    vectors = random_vectors(10, 0)
    reader.upsert("document", [f"a{i}" for i in range(10)], vectors,
                  [{"document": "a"}] * 10)  # fmt: skip
    assert len(reader.nearest("document", vectors[0], 50)) == 10
    subprocess.run([sys.executable, "-c", WRITER, str(tmp_path / "index")],
                   check=True, cwd=Path(__file__).parents[2])  # fmt: skip
    found = {i for i, _ in reader.nearest("document", vectors[0], 50)}
    assert found == {f"a{i}" for i in range(2, 10)} | {f"b{i}" for i in range(20)}


def test_a_failed_query_is_tried_again_on_a_reopened_client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = VectorIndex(path=tmp_path / "index")
    vectors = random_vectors(5, 0)
    index.upsert("document", list("abcde"), vectors, [{"document": "x"}] * 5)
    clients = []
    query = VectorIndex._query

    def fails_once(self: VectorIndex, *args: Any) -> Any:
        clients.append(self.client)
        if len(clients) == 1:
            raise RuntimeError("Error executing plan: Internal error: Error finding id")
        return query(self, *args)

    monkeypatch.setattr(VectorIndex, "_query", fails_once)
    assert len(index.nearest("document", vectors[0], 5)) == 5
    assert clients[0] is not clients[1]


def test_a_query_failing_while_another_process_writes_is_retried_then_lexical(
    docs: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Chroma folder read while another process rewrites it can fail a query
    ("Error finding id"): it is retried on a reopened client, and when it keeps
    failing search answers from the lexical ranking alone instead of failing."""
    monkeypatch.setattr("retrieval.index.RETRY_PAUSES", (0.0, 0.0, 0.0))
    query = VectorIndex._query
    failures = {"left": 3}

    def flaky(self: VectorIndex, *args: Any) -> Any:
        if failures["left"] > 0:
            failures["left"] -= 1
            raise RuntimeError("Error executing plan: Internal error: Error finding id")
        return query(self, *args)

    monkeypatch.setattr(VectorIndex, "_query", flaky)
    found = knowledge.search(docs, "innovation clusters in the North of England", 5)
    assert failures["left"] == 0 and found[0].similarity is not None  # the 4th try

    failures["left"] = 10**6
    with pytest.raises(IndexUnavailable, match="another process"):
        knowledge.vector_index(docs).nearest("document", random_vectors(1, 0)[0], 5)
    found = knowledge.search(docs, "innovation clusters in the North of England", 5)
    assert found and all(p.similarity is None for p in found)  # lexical alone
    assert found[0].document == NP11


def test_reading_stored_vectors_is_retried_too(
    docs: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("retrieval.index.RETRY_PAUSES", (0.0, 0.0, 0.0))
    index = knowledge.vector_index(docs)
    some = sorted(index.ids("document"))[:3]
    collection = VectorIndex._collection
    failures = {"left": 2}

    class Flaky:
        def __init__(self, real: Any) -> None:
            self.real = real

        def __getattr__(self, name: str) -> Any:
            return getattr(self.real, name)

        def get(self, *args: Any, **kwargs: Any) -> Any:
            if failures["left"] > 0:
                failures["left"] -= 1
                raise RuntimeError("Error executing plan: Error finding id")
            return self.real.get(*args, **kwargs)

        def count(self) -> Any:
            if failures["left"] > 0:
                failures["left"] -= 1
                raise RuntimeError("Error executing plan: Error finding id")
            return self.real.count()

    everything = index.ids("document")
    monkeypatch.setattr(
        VectorIndex, "_collection", lambda self, source: Flaky(collection(self, source))
    )
    assert sorted(index.vectors("document", some)) == some
    failures["left"] = 2
    assert index.ids("document") == everything  # listing ids is retried too
    failures["left"] = 2
    assert index.count("document") == len(everything)  # and counting
    failures["left"] = 10**6
    with pytest.raises(IndexUnavailable, match="another process"):
        index.vectors("document", some)


@pytest.mark.slow
def test_a_crash_mid_build_changes_neither_clusters_nor_profiles(
    demo: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """New clusters and the profiles they imply commit together: a crash while the
    profiles are written leaves the old clusters with their old profiles."""
    monkeypatch.setattr(matching, "learn_weights", lambda *a: {})  # not under test
    other = load_settings(workspace=demo.workspace, clustering={"min_cluster_size": 15})
    before = assert_whole(demo)
    calls: list[str] = []
    replace = passage_store.replace_profiles

    def killed_on_the_second(store: Any, source: str, rows: Any) -> Any:
        calls.append(source)
        if len(calls) == 2:  # cluster profiles written, organisation ones not yet
            raise Killed
        return replace(store, source, rows)

    monkeypatch.setattr(passage_store, "replace_profiles", killed_on_the_second)
    with pytest.raises(Killed):
        services.build_clusters(other, "t")
    monkeypatch.setattr(passage_store, "replace_profiles", replace)
    state = assert_whole(demo)  # no stale profiles
    assert (state["clusters"], state["builds"]) == (
        before["clusters"],
        before["builds"],
    )
    assert state["index"]["organisation"]["orphans"] > 0  # embedded, never committed
    services.build_clusters(other, "t")
    state = assert_whole(demo)
    assert state["clusters"] != before["clusters"]
    assert state["builds"] == before["builds"] + 1
    assert all(s["orphans"] == 0 for s in state["index"].values())


def documents_in(database: Path) -> int:
    with sqlite3.connect(database, timeout=30) as db:
        return int(db.execute("SELECT count(*) FROM documents").fetchone()[0])


@pytest.mark.slow
def test_kill_9_mid_indexing_then_the_next_import_completes(
    docs: Settings, tmp_path: Path
) -> None:
    folder = documents_folder(tmp_path / "docs", seed=1, generated=12)
    command = [sys.executable, "-m", "portal.cli", "--workspace",
               str(docs.workspace), "import", "documents", str(folder)]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)  # fmt: skip
    while documents_in(docs.database_path) == 5 and process.poll() is None:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)  # one new document in, the rest not yet
    process.wait()
    assert 5 < documents_in(docs.database_path) < 5 + 12
    assert_whole(docs)
    report = knowledge.import_documents(docs, [folder], "t")
    assert not report.refused
    state = assert_whole(docs)
    assert len(state["documents"]) == 5 + 12
    assert all(s["orphans"] == 0 for s in state["index"].values())
