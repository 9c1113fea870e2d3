"""The http index mode against a real ``chroma run`` server on 127.0.0.1."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from retrieval.index import IndexUnavailable, VectorIndex

CHROMA = Path(sys.executable).parent / "chroma"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[int]:
    if not CHROMA.exists() and shutil.which("chroma") is None:
        pytest.fail("the chroma command is missing: chromadb is not installed right")
    port = free_port()
    command = [str(CHROMA) if CHROMA.exists() else "chroma", "run"]
    server = subprocess.Popen(
        [
            *command,
            "--path",
            str(tmp_path / "chroma"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("chroma run did not start within 60 s")
        yield port
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_http_index_round_trip(chroma_server: int) -> None:
    index = VectorIndex(host="127.0.0.1", port=chroma_server, prefix="test")
    vectors = np.eye(3, dtype=np.float32)
    index.upsert(
        "document", ["a#1", "a#2", "b#1"], vectors,
        [{"document": "a"}, {"document": "a"}, {"document": "b"}],
    )  # fmt: skip
    assert index.ids("document") == {"a#1", "a#2", "b#1"}
    nearest = index.nearest("document", np.array([0.9, 0.1, 0], np.float32), 2)
    assert [i for i, _ in nearest] == ["a#1", "a#2"]
    assert nearest[0][1] > 0.9
    only_b = index.nearest("document", vectors[0], 3, {"document": "b"})
    assert [i for i, _ in only_b] == ["b#1"]
    index.delete("document", ["a#1"])
    assert index.count("document") == 2
    # a second client (another process of the portal) sees the same collection
    other = VectorIndex(host="127.0.0.1", port=chroma_server, prefix="test")
    assert other.ids("document") == {"a#2", "b#1"}


def test_unreachable_server_is_a_clear_error() -> None:
    with pytest.raises(IndexUnavailable, match="cannot open the vector index"):
        VectorIndex(host="127.0.0.1", port=free_port())
