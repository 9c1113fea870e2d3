"""The CLI end to end on real fixture files: exit codes, reports, JSON, idempotence."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from portal import services
from portal.cli import cli
from portal.settings import Settings


def run(settings: Settings, *args: str) -> tuple[int, str, str]:
    runner = CliRunner()
    result = runner.invoke(cli, ["--workspace", str(settings.workspace), *args])
    return result.exit_code, result.stdout, result.stderr


def stats(settings: Settings) -> dict:  # type: ignore[type-arg]
    code, out, _ = run(settings, "stats", "--json")
    assert code == 0
    return json.loads(out)


@pytest.fixture
def loaded(settings: Settings, data_dir: Path) -> Settings:
    assert run(settings, "import", "organisations",
               str(data_dir / "gtr_organisations.csv"))[0] == 0  # fmt: skip
    assert run(settings, "import", "collaborations",
               str(data_dir / "gtr_collaborations.csv"))[0] == 0  # fmt: skip
    return settings


def test_import_reports_counts_and_skipped_rows_with_lines(
    settings: Settings, data_dir: Path
) -> None:
    run(settings, "import", "organisations", str(data_dir / "gtr_organisations.csv"))
    code, out, _ = run(
        settings, "import", "collaborations", str(data_dir / "gtr_collaborations.csv")
    )
    assert code == 0
    assert "collaborations: 382 created" in out
    assert "21 rows skipped" in out
    assert "self-collaboration" in out


def test_import_json_is_pure_json_with_every_skipped_row(
    settings: Settings, data_dir: Path
) -> None:
    run(settings, "import", "organisations", str(data_dir / "gtr_organisations.csv"))
    code, out, _ = run(settings, "import", "collaborations",
                       str(data_dir / "gtr_collaborations.csv"), "--json")  # fmt: skip
    report = json.loads(out)
    assert code == 0
    assert len(report["skipped"]) == 21
    assert all(isinstance(s["line"], int) for s in report["skipped"])


def test_reimport_leaves_stats_identical(loaded: Settings, data_dir: Path) -> None:
    before = stats(loaded)
    assert before["organisations"] == 54
    run(loaded, "import", "organisations", str(data_dir / "gtr_organisations.csv"))
    run(loaded, "import", "collaborations", str(data_dir / "gtr_collaborations.csv"))
    assert stats(loaded) == before


@pytest.mark.parametrize(
    "content, message",
    [
        (b"org_a,org_b\nA,B\n", "missing required column(s) name"),
        (b"", "empty"),
        (b"name\n\xe9cole\n", "not UTF-8"),
        (b"name\x00\x01\x02", "binary"),
        (b"PK\x03\x04rest-of-zip", "not CSV"),
    ],
)
def test_unusable_file_exits_2_and_changes_nothing(
    loaded: Settings, tmp_path: Path, content: bytes, message: str
) -> None:
    before = stats(loaded)
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    code, out, err = run(loaded, "import", "organisations", str(path))
    assert code == 2
    assert message in err
    assert "Traceback" not in out + err
    assert stats(loaded) == before


def test_missing_file_is_refused(settings: Settings, tmp_path: Path) -> None:
    code, _, err = run(settings, "import", "innovate-uk", str(tmp_path / "nope.xlsx"))
    assert code == 2
    assert "no such file" in err


def test_organisations_search_and_json(loaded: Settings) -> None:
    code, out, _ = run(loaded, "organisations", "--search", "haydale", "--json")
    assert code == 0
    assert sorted(o["name"] for o in json.loads(out)) == ["Haydale", "Haydale Limited"]
    code, out, _ = run(loaded, "organisations", "--kind", "university")
    assert code == 0
    assert "University of Strathclyde" in out


def test_export_then_import_into_empty_workspace_reproduces_records(
    loaded: Settings, tmp_path: Path
) -> None:
    export = tmp_path / "export.csv"
    code, out, _ = run(loaded, "export", "organisations", str(export))
    assert code == 0 and "Exported 54" in out
    with export.open() as f:
        assert len(list(csv.DictReader(f))) == 54
    other = Settings(workspace=tmp_path / "other")
    assert run(other, "import", "organisations", str(export))[0] == 0
    keys = ("id", "name", "kind", "lat", "lon", "location_precision", "sectors",
            "region", "rdi_active")  # fmt: skip
    first = json.loads(run(loaded, "organisations", "--json", "--limit", "100")[1])
    second = json.loads(run(other, "organisations", "--json", "--limit", "100")[1])
    assert [{k: o[k] for k in keys} for o in first] == [
        {k: o[k] for k in keys} for o in second
    ]


def test_every_command_has_help(settings: Settings) -> None:
    for args in (
        [], ["demo"], ["import"], ["import", "organisations"],
        ["import", "collaborations"], ["import", "companies-house"],
        ["import", "innovate-uk"], ["organisations"], ["stats"], ["export"],
        ["export", "organisations"], ["serve"], ["build"], ["clusters"],
    ):  # fmt: skip
        code, out, _ = run(settings, *args, "--help")
        assert code == 0 and "Usage" in out, args


def test_demo_builds_the_real_network(settings: Settings) -> None:
    code, out, _ = run(settings, "demo", "--json")
    assert code == 0
    result = json.loads(out)
    assert result["stats"]["organisations"] == 1582
    assert result["stats"]["organisations_without_location"] == 28
    assert len(result["imports"]["collaborations"]["skipped"]) == 60
    assert result["stats"]["documents"] == 5
    code, _, err = run(settings, "demo", "--if-missing")
    assert code == 0 and "already built" in err
    # a demo build cut short (its marker left behind) is finished by the next one
    (settings.workspace / services.DEMO_MARKER).touch()
    code, _, err = run(settings, "demo", "--if-missing")
    assert code == 0 and "already built" not in err
    assert not (settings.workspace / services.DEMO_MARKER).exists()
