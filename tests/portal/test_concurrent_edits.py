"""Two editors saving one organisation from the same loaded version at the same
moment: exactly one wins each round, the other gets a conflict naming what changed,
and the version and the audit log move by exactly one update per round."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from directory.store import ConflictError
from portal import curation
from portal.access import Viewer
from portal.editing import form_values
from portal.settings import Settings
from portal.workspace import open_store

ROUNDS = 20
EDITORS = (Viewer("facilitator", "alice"), Viewer("facilitator", "bob"))

Save = Callable[[dict[str, Any], int, int], dict[str, Any]]


@pytest.fixture
def organisation_id(settings: Settings) -> str:
    """One organisation in an empty workspace, added through the portal use case."""
    added = curation.add_organisation(
        settings, EDITORS[0], {"name": "Acme Lenses Ltd", "postcode": ""}
    )
    return str(added["id"])


def loaded_version(settings: Settings, organisation_id: str) -> dict[str, Any]:
    return curation.organisation_for_editing(settings, EDITORS[0], organisation_id)


def race(save: Save, loaded: dict[str, Any], round_no: int) -> list[Any]:
    """Both editors save from loaded at once (a barrier); each one's record or error."""
    barrier = threading.Barrier(2, timeout=30)
    outcomes: list[Any] = [None, None]

    def run(editor: int) -> None:
        barrier.wait()
        try:
            outcomes[editor] = save(loaded, editor, round_no)
        except Exception as exc:  # the test inspects every outcome
            outcomes[editor] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads), "a save hung"
    return outcomes


def winner_and_loser(outcomes: list[Any]) -> tuple[int, ConflictError]:
    """The editor whose save went through and the other's conflict; fails otherwise."""
    saved = [n for n, outcome in enumerate(outcomes) if isinstance(outcome, dict)]
    assert len(saved) == 1, f"expected exactly one save to win: {outcomes!r}"
    loser = outcomes[1 - saved[0]]
    assert isinstance(loser, ConflictError), f"the other save got {loser!r}"
    return saved[0], loser


def update_entries(settings: Settings, organisation_id: str) -> list[dict[str, Any]]:
    with open_store(settings) as store:
        return store.audit_entries(
            organisation_id, 10 * ROUNDS, action="update", record_type="organisation"
        )


def edited_field(editor: int, round_no: int) -> str:
    """Even rounds: both editors change the website; odd rounds: different fields."""
    return "website" if round_no % 2 == 0 or editor == 0 else "description"


def edited_value(editor: int, round_no: int) -> str:
    if edited_field(editor, round_no) == "website":
        return f"https://{EDITORS[editor].username}-{round_no}.example"
    return f"Lenses and optics, round {round_no} by {EDITORS[editor].username}"


def test_two_portal_editors_of_one_version_one_wins(
    settings: Settings, organisation_id: str
) -> None:
    def save(loaded: dict[str, Any], editor: int, round_no: int) -> dict[str, Any]:
        field = edited_field(editor, round_no)
        values = form_values(loaded) | {field: edited_value(editor, round_no)}
        return curation.edit_organisation(settings, EDITORS[editor], loaded, values)

    start = loaded_version(settings, organisation_id)["version"]
    for round_no in range(ROUNDS):
        loaded = loaded_version(settings, organisation_id)
        winner, conflict = winner_and_loser(race(save, loaded, round_no))
        field = edited_field(winner, round_no)
        now = loaded_version(settings, organisation_id)
        assert now["version"] == loaded["version"] + 1
        assert now[field] == edited_value(winner, round_no)
        assert conflict.changed == [field]
        assert conflict.changed_by == [EDITORS[winner].username]
        assert f"changed: {field} is now '{now[field]}'" in str(conflict)
        assert f"changed by {EDITORS[winner].username}" in str(conflict)
    assert loaded_version(settings, organisation_id)["version"] == start + ROUNDS
    assert len(update_entries(settings, organisation_id)) == ROUNDS


@pytest.mark.parametrize("in_transaction", [False, True], ids=["alone", "in-txn"])
def test_two_store_updates_of_one_version_one_wins(
    settings: Settings, organisation_id: str, in_transaction: bool
) -> None:
    def save(loaded: dict[str, Any], editor: int, round_no: int) -> dict[str, Any]:
        actor = EDITORS[editor].actor
        change = {"website": edited_value(editor, 2 * round_no)}
        with open_store(settings) as store:
            if not in_transaction:
                return store.update_organisation(
                    loaded["id"], change, actor, expected_version=loaded["version"]
                )
            with store.transaction():
                return store.update_organisation(
                    loaded["id"], change, actor, expected_version=loaded["version"]
                )

    start = loaded_version(settings, organisation_id)["version"]
    for round_no in range(ROUNDS):
        loaded = loaded_version(settings, organisation_id)
        winner, conflict = winner_and_loser(race(save, loaded, round_no))
        now = loaded_version(settings, organisation_id)
        assert now["version"] == conflict.current["version"] == loaded["version"] + 1
        assert now["website"] == conflict.current["website"]
        assert now["website"] == edited_value(winner, 2 * round_no)
    assert loaded_version(settings, organisation_id)["version"] == start + ROUNDS
    entries = update_entries(settings, organisation_id)
    assert len(entries) == ROUNDS
    assert all(set(entry["after"]) == {"website"} for entry in entries)
