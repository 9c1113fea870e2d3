"""Killing an import at any moment leaves the store exactly as before (or fully done)."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.crash_safety import BIG_ROWS as ROWS
from bench.crash_safety import big_members_file
from portal import services
from portal.settings import Settings


def counts(database: Path) -> tuple[int, int, str]:
    with sqlite3.connect(database) as db:
        organisations = db.execute("SELECT count(*) FROM organisations").fetchone()[0]
        audit = db.execute("SELECT count(*) FROM audit_log").fetchone()[0]
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    return organisations, audit, integrity


@pytest.mark.slow
def test_kill_9_mid_import_leaves_store_as_before(
    settings: Settings, data_dir: Path, tmp_path: Path
) -> None:
    services.import_file(settings, "organisations",
                         data_dir / "gtr_organisations.csv", "test")  # fmt: skip
    *before_counts, integrity = counts(settings.database_path)
    before = tuple(before_counts)
    assert (before, integrity) == ((54, 54), "ok")
    source = tmp_path / "big.csv"
    big_members_file(source)
    command = [sys.executable, "-m", "portal.cli", "--workspace",
               str(settings.workspace), "import", "organisations", str(source)]  # fmt: skip
    outcomes = []
    for delay in (0.8, 1.6, 2.4, 3.2):
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)  # fmt: skip
        time.sleep(delay)
        finished = process.poll() is not None
        process.send_signal(signal.SIGKILL)
        process.wait()
        organisations, audit, integrity = counts(settings.database_path)
        assert integrity == "ok"
        if (organisations, audit) == before:
            outcomes.append("before")
        else:  # the import committed before the kill: all of it, audited
            assert (organisations, audit) == (54 + ROWS, 54 + ROWS)
            outcomes.append("done" if finished else "committed")
            break
    assert "before" in outcomes  # at least one kill landed mid-import
    # and the next import completes normally
    report = services.import_file(settings, "organisations", source, "test")
    assert report.rows_read == ROWS
    assert counts(settings.database_path)[0] == 54 + ROWS
