"""`cluster-portal user …`: accounts made from the command line can sign in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from directory.accounts import SignInError
from portal import accounts, services
from portal.cli import cli
from portal.settings import Settings

PASSWORD = "correct horse battery"


def run(settings: Settings, *args: str, stdin: str = "") -> tuple[int, str, str]:
    result = CliRunner().invoke(
        cli, ["--workspace", str(settings.workspace), *args], input=stdin
    )
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def members(settings: Settings, data_dir: Path) -> Settings:
    services.import_file(
        settings, "organisations", data_dir / "gtr_organisations.csv", "test"
    )
    return settings


def test_user_add_with_prompt_then_sign_in(members: Settings) -> None:
    code, out, _ = run(
        members, "user", "add", "ann", "--role", "member",
        "--organisation", "university-of-strathclyde",
        stdin=f"{PASSWORD}\n{PASSWORD}\n",
    )  # fmt: skip
    assert code == 0 and "Added member ann of university-of-strathclyde" in out
    viewer, _ = accounts.sign_in(members, "ann", PASSWORD)
    assert (viewer.role, viewer.organisation_id) == (
        "member", "university-of-strathclyde",
    )  # fmt: skip
    code, out, _ = run(members, "user", "list", "--json")
    listed = json.loads(out)
    assert [u["username"] for u in listed] == ["ann"]
    assert "password_hash" not in listed[0]


def test_user_add_refuses_bad_input_with_a_message(members: Settings) -> None:
    code, _, err = run(members, "user", "add", "bob", "--role", "member",
                       "--password-stdin", stdin=PASSWORD + "\n")  # fmt: skip
    assert code == 1 and "needs --organisation" in err
    code, _, err = run(members, "user", "add", "bob", "--role", "official",
                       "--password-stdin", stdin="short\n")  # fmt: skip
    assert code == 1 and "at least 10 characters" in err
    code, _, err = run(members, "user", "add", "bob", "--role", "owner",
                       "--password-stdin", stdin=PASSWORD + "\n")  # fmt: skip
    assert code == 2 and "owner" in err
    assert accounts.users(members) == []


def test_password_reset_and_remove(members: Settings) -> None:
    run(members, "user", "add", "ann", "--role", "official", "--password-stdin",
        stdin=PASSWORD + "\n")  # fmt: skip
    code, _, _ = run(members, "user", "password", "ann", "--password-stdin",
                     stdin="a different passphrase\n")  # fmt: skip
    assert code == 0
    with pytest.raises(SignInError):
        accounts.sign_in(members, "ann", PASSWORD)
    accounts.sign_in(members, "ann", "a different passphrase")
    assert run(members, "user", "remove", "ann")[0] == 0
    code, _, err = run(members, "user", "remove", "ann")
    assert code == 1 and "no account called 'ann'" in err
