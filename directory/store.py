"""The member directory's SQLite store: the only module that talks to sqlite-utils.

Every change goes through a method here that also appends to the audit log, in the
caller's transaction, so the log always matches the data.
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from directory.schema import JSON_COLUMNS, migrations


class StoreError(Exception):
    """A change the store cannot make; the message is for the user."""


class ConflictError(StoreError):
    """Someone else changed the record since it was read (optimistic locking); the
    message names the fields that changed, their values now, and who changed them."""

    def __init__(
        self,
        record_id: str,
        current: dict[str, Any],
        changed: list[str],
        changed_by: list[str] | tuple[str, ...] = (),
    ):
        self.current, self.changed = current, list(changed)
        self.changed_by = list(changed_by)
        who = " and ".join(self.changed_by) or "someone else"
        what = "; ".join(
            f"{name} is now {_shown(current.get(name))}" for name in self.changed
        )
        changes = f"; changed: {what}" if what else ""
        super().__init__(
            f"{record_id} was changed by {who} since you opened it "
            f"(now version {current['version']}{changes}). "
            "Reload it and make your change again."
        )


class CompanyNumberTaken(StoreError):
    """A company number is unique: another record already has this one."""

    def __init__(self, number: str, holder: dict[str, Any]):
        self.number, self.holder = number, holder
        super().__init__(
            f"company_number: {holder['name']} ({holder['id']}) already has "
            f"company number {number}"
        )


def _shown(value: Any, limit: int = 80) -> str:
    """A field value as a short phrase for a message."""
    if value is None or value == "" or value == []:
        return "empty"
    text = "; ".join(map(str, value)) if isinstance(value, list) else str(value)
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def slugify(name: str, limit: int = 60) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:limit].strip("-")
    return slug or "organisation"


def _decode(row: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    record = dict(row)
    for column in JSON_COLUMNS:
        if column in record and isinstance(record[column], str):
            record[column] = json.loads(record[column])
    if "rdi_active" in record:
        record["rdi_active"] = bool(record["rdi_active"])
    return record


def _encode(values: Mapping[str, Any]) -> dict[str, Any]:
    encoded = dict(values)
    for column in JSON_COLUMNS:
        if column in encoded and not isinstance(encoded[column], str):
            encoded[column] = json.dumps(encoded[column], ensure_ascii=False)
    if "rdi_active" in encoded:
        encoded["rdi_active"] = int(bool(encoded["rdi_active"]))
    return encoded


def _audit_filters(
    equal: Mapping[str, str | None],
    text: str | None,
    since: str | None,
    until: str | None,
) -> tuple[str, list[Any]]:
    """The WHERE clause and parameters of an audit log query."""
    clauses = [f"{column} = ?" for column, value in equal.items() if value]
    params: list[Any] = [value for value in equal.values() if value]
    if text:
        pattern = "%" + re.sub(r"([\\%_])", r"\\\1", text) + "%"
        clauses.append(
            "(" + " OR ".join(
                f"coalesce({c}, '') LIKE ? ESCAPE '\\'"
                for c in ("record_id", "before", "after", "details")
            ) + ")"
        )  # fmt: skip
        params += [pattern] * 4
    if since:
        clauses.append("at >= ?")
        params.append(since)
    if until:
        clauses.append("at < ?")
        params.append(until)
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), params


class DirectoryStore:
    """A directory database file (or memory, for tests), migrated on open."""

    def __init__(self, path: Path | str | None = None) -> None:
        if path is None:
            self.db = Database(memory=True)
        else:
            path = Path(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = Database(sqlite3.connect(path, timeout=10.0))
            self.db.enable_wal()
        self.db.execute("PRAGMA foreign_keys = ON")
        self.db.execute("PRAGMA busy_timeout = 10000")
        migrations.apply(self.db)

    def close(self) -> None:
        self.db.close()

    def copy_in_memory(self) -> DirectoryStore:
        """A private copy in memory of the directory as it is now: one consistent
        snapshot, read without taking the write lock, to rehearse changes on
        without making writers wait."""
        copy = DirectoryStore()
        self.db.conn.backup(copy.db.conn)
        return copy

    def __enter__(self) -> DirectoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing: nested use joins the outer transaction via a savepoint.
        The outermost one takes the write lock at once (BEGIN IMMEDIATE): a
        transaction that read first and wrote later would otherwise fail outright
        in WAL mode if another connection committed in between."""
        connection = self.db.conn
        if connection.in_transaction:
            with self.db.atomic():
                yield
            return
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            connection.rollback()
            raise
        connection.commit()

    # -- reading -----------------------------------------------------------------

    def _rows(self, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        cursor = self.db.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def query(self, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        """Rows of a read-only query, for the directory's own modules."""
        return self._rows(sql, params)

    def _scalar(self, sql: str, params: Any = ()) -> Any:
        row = self.db.execute(sql, params).fetchone()
        return row[0] if row else None

    def organisation(self, organisation_id: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM organisations WHERE id = ?", [organisation_id])
        return _decode(rows[0]) if rows else None

    def organisations_where(self, column: str, value: str) -> list[dict[str, Any]]:
        """Organisations whose id, name, normalised_name or company_number equals value."""
        if column not in ("id", "name", "normalised_name", "company_number"):
            raise ValueError(f"cannot look organisations up by {column}")
        rows = self._rows(
            f"SELECT * FROM organisations WHERE {column} = ? ORDER BY rowid", [value]
        )
        return [r for r in map(_decode, rows) if r is not None]

    def organisation_ids_exist(self, organisation_id: str) -> bool:
        return (
            self._scalar("SELECT 1 FROM organisations WHERE id = ?", [organisation_id])
            == 1
        )

    def search_organisations(
        self,
        text: str = "",
        kind: str | None = None,
        region: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        """Full-text search (words, any order, stemmed) with optional filters."""
        where, params = [], []
        if kind:
            where.append("kind = ?")
            params.append(kind)
        if region:
            where.append("region = ?")
            params.append(region)
        clause = " AND ".join(where) or None
        words = re.findall(r"\w+", text)
        if words:
            query = " ".join(f'"{w}"*' for w in words)
            rows = self.db.table("organisations").search(
                query, where=clause, where_args=params, limit=limit, offset=offset
            )
            return [r for r in map(_decode, rows) if r is not None]
        rows = self.db.table("organisations").rows_where(
            clause, params, order_by="name COLLATE NOCASE", limit=limit, offset=offset
        )
        return [r for r in map(_decode, rows) if r is not None]

    def locations(self) -> list[dict[str, Any]]:
        return self._rows(
            "SELECT id, name, kind, lat, lon FROM organisations WHERE lat IS NOT NULL"
        )

    def regions(self) -> list[str]:
        rows = self._rows(
            "SELECT DISTINCT region FROM organisations WHERE region IS NOT NULL"
            " ORDER BY region"
        )
        return [str(r["region"]) for r in rows]

    def all_organisations(self) -> Iterator[dict[str, Any]]:
        for row in self.db.table("organisations").rows_where(order_by="rowid"):
            decoded = _decode(row)
            if decoded is not None:
                yield decoded

    def collaborators(self, organisation_id: str) -> list[dict[str, Any]]:
        """Partners of an organisation with their summed weight and topics."""
        return self._rows(
            """
            SELECT o.id, o.name, o.kind, o.region, SUM(c.weight) AS weight,
                   group_concat(DISTINCT NULLIF(c.topic, '')) AS topics
            FROM collaborations c
            JOIN organisations o
              ON o.id = CASE WHEN c.org_a = :id THEN c.org_b ELSE c.org_a END
            WHERE c.org_a = :id OR c.org_b = :id
            GROUP BY o.id ORDER BY weight DESC, o.name
            """,
            {"id": organisation_id},
        )

    def collaboration(
        self, org_a: str, org_b: str, project: str, topic: str, source: str
    ) -> dict[str, Any] | None:
        rows = self._rows(
            "SELECT * FROM collaborations WHERE org_a = ? AND org_b = ? AND project = ?"
            " AND topic = ? AND source = ?",
            [org_a, org_b, project, topic, source],
        )
        return rows[0] if rows else None

    def stats(self) -> dict[str, Any]:
        """Counts that describe the directory; equal stats mean nothing changed."""
        count = self._scalar
        by = self._rows
        return {
            "organisations": count("SELECT count(*) FROM organisations"),
            "organisations_by_kind": {
                r["kind"]: r["n"]
                for r in by(
                    "SELECT kind, count(*) n FROM organisations GROUP BY kind ORDER BY kind"
                )
            },
            "organisations_by_location_precision": {
                r["p"]: r["n"]
                for r in by(
                    "SELECT location_precision p, count(*) n FROM organisations"
                    " GROUP BY p ORDER BY p"
                )
            },
            "organisations_without_location": count(
                "SELECT count(*) FROM organisations WHERE lat IS NULL"
            ),
            "rdi_active": count("SELECT count(*) FROM organisations WHERE rdi_active"),
            "collaborations": count("SELECT count(*) FROM collaborations"),
            "collaborating_pairs": count(
                "SELECT count(*) FROM (SELECT DISTINCT org_a, org_b FROM collaborations)"
            ),
            "collaboration_weight": count(
                "SELECT coalesce(sum(weight), 0) FROM collaborations"
            ),
            "projects": count("SELECT count(*) FROM projects"),
            "participations": count("SELECT count(*) FROM participations"),
            "documents": count("SELECT count(*) FROM documents"),
            "clusters": count("SELECT count(*) FROM clusters"),
            "clusters_by_type": {
                r["type"]: r["n"]
                for r in by("SELECT type, count(*) n FROM clusters GROUP BY type")
            },
            "audit_entries": count("SELECT count(*) FROM audit_log"),
        }

    def audit_entries(
        self,
        record_id: str | None = None,
        limit: int = 100,
        *,
        actor: str | None = None,
        action: str | None = None,
        record_type: str | None = None,
        text: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> list[dict[str, Any]]:
        """Audit entries, newest first, filtered by equality (record_id, actor,
        action, record_type), by text anywhere in the record id, before, after or
        details, and by time (since inclusive, until exclusive, ISO strings)."""
        where, params = _audit_filters(
            {"record_id": record_id, "actor": actor, "action": action,
             "record_type": record_type},
            text, since, until,
        )  # fmt: skip
        rows = self._rows(
            f"SELECT * FROM audit_log {where} ORDER BY id DESC LIMIT ?",
            [*params, limit],
        )
        for row in rows:
            for column in ("before", "after", "details"):
                if row[column]:
                    row[column] = json.loads(row[column])
        return rows

    # -- changing (each call audited) -------------------------------------------------

    def audit(
        self,
        actor: str,
        action: str,
        record_type: str,
        record_id: str | None,
        before: Mapping[str, Any] | None = None,
        after: Mapping[str, Any] | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        def dump(value: Mapping[str, Any] | None) -> str | None:
            return None if value is None else json.dumps(value, ensure_ascii=False)

        self.db.execute(
            "INSERT INTO audit_log (at, actor, action, record_type, record_id, before,"
            " after, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                now(),
                actor,
                action,
                record_type,
                record_id,
                dump(before),
                dump(after),
                dump(details),
            ],
        )

    def new_organisation_id(self, name: str) -> str:
        base = slugify(name)
        candidate, n = base, 1
        while self.organisation_ids_exist(candidate):
            n += 1
            candidate = f"{base}-{n}"
        return candidate

    def insert_organisation(
        self, values: Mapping[str, Any], actor: str, details: Mapping[str, Any]
    ) -> dict[str, Any]:
        self._check_company_number(values.get("company_number"), None)
        stamp = now()
        row = {**values, "created_at": stamp, "updated_at": stamp, "version": 1}
        self.db.table("organisations").insert(_encode(row))
        created = self.organisation(row["id"])
        assert created is not None
        self.audit(actor, "create", "organisation", row["id"], None, created, details)
        return created

    def _check_company_number(
        self, number: str | None, organisation_id: str | None
    ) -> None:
        """Raise CompanyNumberTaken (a clear message) rather than let the unique
        index raise an IntegrityError."""
        if not number:
            return
        for other in self.organisations_where("company_number", number):
            if other["id"] != organisation_id:
                raise CompanyNumberTaken(number, other)

    def update_organisation(
        self,
        organisation_id: str,
        changes: Mapping[str, Any],
        actor: str,
        action: str = "update",
        details: Mapping[str, Any] | None = None,
        expected_version: int | None = None,
    ) -> dict[str, Any]:
        """Apply changes if the record is still at expected_version; audit before/after."""
        before = self.organisation(organisation_id)
        if before is None:
            raise StoreError(f"no organisation with id {organisation_id!r}")
        if expected_version is not None and before["version"] != expected_version:
            raise ConflictError(organisation_id, before, [])
        real = {k: v for k, v in changes.items() if before.get(k) != v}
        if not real:
            return before
        self._check_company_number(real.get("company_number"), organisation_id)
        encoded = _encode(real)
        assignments = ", ".join(f"[{column}] = ?" for column in encoded)
        cursor = self.db.execute(
            f"UPDATE organisations SET {assignments}, updated_at = ?,"
            " version = version + 1 WHERE id = ? AND version = ?",
            [*encoded.values(), now(), organisation_id, before["version"]],
        )
        if cursor.rowcount != 1:
            current = self.organisation(organisation_id) or before
            raise ConflictError(organisation_id, current, [])
        after = self.organisation(organisation_id)
        assert after is not None
        self.audit(
            actor,
            action,
            "organisation",
            organisation_id,
            {k: before[k] for k in real},
            {k: after[k] for k in real},
            details,
        )
        return after

    def upsert_collaboration(
        self, values: Mapping[str, Any], actor: str, details: Mapping[str, Any]
    ) -> str:
        """Insert a collaboration or update its weight/year; returns what happened."""
        key = [values[k] for k in ("org_a", "org_b", "project", "topic", "source")]
        existing = self.collaboration(*key)
        record_id = "|".join(str(k) for k in key)
        if existing is None:
            self.db.table("collaborations").insert(dict(values))
            self.audit(
                actor, "create", "collaboration", record_id, None, dict(values), details
            )
            return "created"
        changed = {
            k: values[k] for k in ("weight", "year") if existing.get(k) != values.get(k)
        }
        if not changed:
            return "unchanged"
        self.db.execute(
            "UPDATE collaborations SET weight = ?, year = ? WHERE id = ?",
            [values["weight"], values.get("year"), existing["id"]],
        )
        self.audit(
            actor,
            "update",
            "collaboration",
            record_id,
            {k: existing[k] for k in changed},
            changed,
            details,
        )
        return "updated"

    def upsert_document(self, values: Mapping[str, Any], actor: str) -> str:
        """Record a document's metadata and content hash; timestamps only on change."""
        return self.upsert_row("documents", values, ("id",), actor, stamped=True)

    def documents(self) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM documents ORDER BY title")

    def upsert_row(
        self,
        table: str,
        values: Mapping[str, Any],
        pk: tuple[str, ...],
        actor: str,
        stamped: bool = False,
    ) -> str:
        """Insert or update a row, auditing any change; with stamped, keep the
        table's added_at/updated_at (set only when something changed)."""
        where = " AND ".join(f"[{c}] = ?" for c in pk)
        existing = self._rows(
            f"SELECT * FROM [{table}] WHERE {where}", [values[c] for c in pk]
        )
        record_id = "|".join(str(values[c]) for c in pk)
        stamp = {"added_at": now(), "updated_at": now()} if stamped else {}
        if not existing:
            self.db.table(table).insert({**values, **stamp})
            self.audit(
                actor, "create", table.rstrip("s"), record_id, None, dict(values)
            )
            return "created"
        changed = {k: v for k, v in values.items() if existing[0].get(k) != v}
        if not changed:
            return "unchanged"
        stamp.pop("added_at", None)
        updates = {**changed, **stamp}
        sets = ", ".join(f"[{c}] = ?" for c in updates)
        self.db.execute(
            f"UPDATE [{table}] SET {sets} WHERE {where}",
            [*updates.values(), *[values[c] for c in pk]],
        )
        self.audit(
            actor,
            "update",
            table.rstrip("s"),
            record_id,
            {k: existing[0][k] for k in changed},
            changed,
        )
        return "updated"
