"""Versioned migrations of the directory database (sqlite-utils Migrations).

Add a new function at the end for every schema change; never edit an applied one.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

from corpus.records import KINDS, LOCATION_PRECISIONS

migrations = Migrations("cluster-portal-directory")

CLUSTER_TYPES = ("Diverse", "Specialised", "R&D Collaborating", "Dispersed")
JSON_COLUMNS = ("sectors", "sic_codes", "tags", "sources", "rdi_evidence")


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


@migrations()
def m001_initial_schema(db: Database) -> None:
    db.executescript(
        f"""
        CREATE TABLE organisations (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL CHECK (length(trim(name)) > 0),
            normalised_name TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN {_in(KINDS)}),
            company_number TEXT,
            description TEXT,
            website TEXT,
            postcode TEXT,
            lat REAL CHECK (lat BETWEEN -90 AND 90),
            lon REAL CHECK (lon BETWEEN -180 AND 180),
            location_precision TEXT NOT NULL DEFAULT 'none'
                CHECK (location_precision IN {_in(LOCATION_PRECISIONS)}),
            lad_code TEXT,
            region TEXT,
            country TEXT,
            sectors TEXT NOT NULL DEFAULT '[]',
            sic_codes TEXT NOT NULL DEFAULT '[]',
            employees INTEGER CHECK (employees >= 0),
            turnover REAL CHECK (turnover >= 0),
            rdi_active INTEGER NOT NULL DEFAULT 0 CHECK (rdi_active IN (0, 1)),
            rdi_evidence TEXT NOT NULL DEFAULT '[]',
            tags TEXT NOT NULL DEFAULT '[]',
            sources TEXT NOT NULL DEFAULT '[]',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            version INTEGER NOT NULL DEFAULT 1
        );
        CREATE INDEX organisations_name ON organisations(name);
        CREATE INDEX organisations_normalised_name ON organisations(normalised_name);
        CREATE UNIQUE INDEX organisations_company_number
            ON organisations(company_number) WHERE company_number IS NOT NULL;

        CREATE TABLE collaborations (
            id INTEGER PRIMARY KEY,
            org_a TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
            org_b TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
            weight REAL NOT NULL DEFAULT 1 CHECK (weight > 0),
            project TEXT NOT NULL DEFAULT '',
            topic TEXT NOT NULL DEFAULT '',
            year INTEGER,
            source TEXT NOT NULL,
            CHECK (org_a < org_b),
            UNIQUE (org_a, org_b, project, topic, source)
        );
        CREATE INDEX collaborations_org_b ON collaborations(org_b);

        CREATE TABLE projects (
            id TEXT PRIMARY KEY,
            title TEXT,
            description TEXT,
            competition TEXT,
            funder TEXT,
            start_date TEXT,
            end_date TEXT
        );
        CREATE TABLE participations (
            project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
            organisation_id TEXT NOT NULL
                REFERENCES organisations(id) ON DELETE CASCADE,
            is_lead INTEGER NOT NULL DEFAULT 0 CHECK (is_lead IN (0, 1)),
            grant_offered REAL,
            PRIMARY KEY (project_id, organisation_id)
        );
        CREATE INDEX participations_organisation ON participations(organisation_id);

        CREATE TABLE documents (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            file_name TEXT,
            publisher TEXT,
            author TEXT,
            date TEXT,
            year INTEGER,
            kind TEXT,
            licence TEXT,
            source TEXT,
            content_hash TEXT NOT NULL,
            size_bytes INTEGER,
            added_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );

        CREATE TABLE clusters (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            type TEXT NOT NULL CHECK (type IN {_in(CLUSTER_TYPES)}),
            method TEXT NOT NULL,
            size INTEGER NOT NULL,
            lat REAL,
            lon REAL,
            profile TEXT NOT NULL DEFAULT '{{}}',
            summary TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE cluster_members (
            cluster_id TEXT NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
            organisation_id TEXT NOT NULL
                REFERENCES organisations(id) ON DELETE CASCADE,
            centrality REAL,
            PRIMARY KEY (cluster_id, organisation_id)
        );

        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            record_type TEXT NOT NULL,
            record_id TEXT,
            before TEXT,
            after TEXT,
            details TEXT
        );
        CREATE INDEX audit_log_record ON audit_log(record_type, record_id);
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        """
    )
    db.table("organisations").enable_fts(
        ["name", "description", "sectors", "tags", "region", "company_number"],
        create_triggers=True,
        tokenize="porter",
    )


@migrations()
def m002_cluster_notes(db: Database) -> None:
    """Curated notes on a cluster survive rebuilds (ids are kept by member overlap)."""
    db.executescript(
        """
        ALTER TABLE clusters ADD COLUMN notes TEXT;
        CREATE INDEX cluster_members_organisation ON cluster_members(organisation_id);
        """
    )


@migrations()
def m003_passages(db: Database) -> None:
    """What search finds: document chunks and cluster/organisation profiles, with a
    porter-stemmed FTS5 index for the lexical half of hybrid search."""
    db.executescript(
        """
        CREATE TABLE passages (
            id TEXT PRIMARY KEY,
            source TEXT NOT NULL
                CHECK (source IN ('document', 'cluster', 'organisation')),
            document_id TEXT NOT NULL,
            ordinal INTEGER NOT NULL,
            title TEXT NOT NULL,
            section TEXT,
            page INTEGER,
            text TEXT NOT NULL
        );
        CREATE INDEX passages_document ON passages(source, document_id);
        ALTER TABLE documents ADD COLUMN chunks INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE documents ADD COLUMN pages INTEGER;
        """
    )
    db.table("passages").enable_fts(
        ["title", "section", "text"], create_triggers=True, tokenize="porter"
    )


@migrations()
def m004_matching(db: Database) -> None:
    """Peer matching: each organisation's capability vector (re-embedded only when
    its text changes) and the weights learned from the network at each build."""
    db.executescript(
        """
        CREATE TABLE organisation_vectors (
            organisation_id TEXT PRIMARY KEY
                REFERENCES organisations(id) ON DELETE CASCADE,
            text_hash TEXT NOT NULL,
            vector BLOB NOT NULL
        );
        CREATE TABLE matching_models (
            id INTEGER PRIMARY KEY,
            learned_at TEXT NOT NULL,
            model TEXT NOT NULL
        );
        CREATE INDEX organisations_updated_at ON organisations(updated_at);
        """
    )


ROLES = ("member", "official", "facilitator")


@migrations()
def m005_accounts_and_requests(db: Database) -> None:
    """Sign-in accounts and their sessions, members' edit requests and introduction
    requests; contact email and notes are organisation fields the public never sees."""
    db.executescript(
        f"""
        ALTER TABLE organisations ADD COLUMN contact_email TEXT;
        ALTER TABLE organisations ADD COLUMN notes TEXT;

        CREATE TABLE accounts (
            username TEXT PRIMARY KEY CHECK (length(trim(username)) > 0),
            password_hash TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN {_in(ROLES)}),
            organisation_id TEXT REFERENCES organisations(id) ON DELETE SET NULL,
            failed_logins INTEGER NOT NULL DEFAULT 0,
            locked_until TEXT,
            created_at TEXT NOT NULL
        );
        CREATE TABLE sessions (
            token_hash TEXT PRIMARY KEY,
            username TEXT NOT NULL REFERENCES accounts(username) ON DELETE CASCADE,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL
        );
        CREATE INDEX sessions_username ON sessions(username);

        CREATE TABLE edit_requests (
            id INTEGER PRIMARY KEY,
            organisation_id TEXT NOT NULL
                REFERENCES organisations(id) ON DELETE CASCADE,
            requested_by TEXT NOT NULL,
            base_version INTEGER NOT NULL,
            changes TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'approved', 'rejected')),
            created_at TEXT NOT NULL,
            reviewed_by TEXT,
            reviewed_at TEXT,
            review_note TEXT
        );
        CREATE INDEX edit_requests_status ON edit_requests(status);

        CREATE TABLE introduction_requests (
            id INTEGER PRIMARY KEY,
            from_organisation TEXT REFERENCES organisations(id) ON DELETE CASCADE,
            to_organisation TEXT NOT NULL
                REFERENCES organisations(id) ON DELETE CASCADE,
            requested_by TEXT NOT NULL,
            need TEXT,
            message TEXT,
            status TEXT NOT NULL DEFAULT 'open'
                CHECK (status IN ('open', 'introduced', 'declined')),
            created_at TEXT NOT NULL,
            handled_by TEXT,
            handled_at TEXT
        );
        CREATE INDEX introduction_requests_status ON introduction_requests(status);
        """
    )
