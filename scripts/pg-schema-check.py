#!/usr/bin/env python3
"""Checks that migrations/postgres/ builds the same schema on PostgreSQL as migrations/ on SQLite.

Usage: scripts/pg-schema-check.py postgres://USER@HOST:PORT/DB

Applies migrations/*.sql in order to a new in-memory SQLite database (Python's sqlite3 module),
and migrations/postgres/*.sql in order to a new database on the given cluster (psql with
ON_ERROR_STOP, one transaction per file, as sqlx's migrator does), dropped again at the end; then
compares, table by table: the migration files (same versions and names), the column names in order
with their type class (SQLite INTEGER = PostgreSQL bigint, TEXT = text, BLOB = bytea), NOT NULL and
defaults, the primary key and UNIQUE constraints, every named index (table, uniqueness, columns with
their order, the WHERE of a partial index), foreign keys (with ON DELETE) and triggers (with their
WHEN condition). Prints each difference and exits 1 if there is one; exits 0 with a summary line otherwise.
"""

import os
import re
import sqlite3
import subprocess
import sys
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQLITE_DIR = ROOT / "migrations"
PG_DIR = ROOT / "migrations" / "postgres"
SEP = "\x1f"

SQLITE_TYPES = {"INTEGER": "integer", "TEXT": "text", "BLOB": "bytes", "REAL": "float"}
# Integers must be bigint on PostgreSQL: the store reads every integer as i64.
PG_TYPES = {"bigint": "integer", "text": "text", "bytea": "bytes", "double precision": "float"}


def migration_files(folder):
    return sorted(p for p in folder.iterdir() if p.is_file() and re.match(r"^\d+_.+\.sql$", p.name))


def norm_expr(text):
    """A predicate or default in one spelling: PostgreSQL's deparsed `x <> ALL (ARRAY['a'::text])`
    and SQLite's `x NOT IN ('a')` both become `xnotin'a'`."""
    text = re.sub(r"::[a-z ]+", "", text)
    text = re.sub(r"<>\s*ALL\s*\(\s*ARRAY\[(.*?)\]\s*\)", r" NOT IN (\1)", text, flags=re.S)
    text = re.sub(r"=\s*ANY\s*\(\s*ARRAY\[(.*?)\]\s*\)", r" IN (\1)", text, flags=re.S)
    text = re.sub(r"--[^\n]*", "", text)
    # String literals stay as written ('SUCCESS' and 'success' are different values).
    parts = re.split(r"('(?:[^']|'')*')", text)
    return "".join(part if part.startswith("'") else re.sub(r"[\s()]", "", part).lower() for part in parts)


class Schema:
    def __init__(self):
        self.columns = {}  # table -> [(name, type class, not null, default)]
        self.keys = set()  # (table, "pk" | "unique", columns)
        self.indexes = {}  # name -> (table, unique, columns, predicate)
        self.foreign_keys = set()  # (table, columns, ref table, ref columns, on delete)
        self.triggers = {}  # name -> (table, timing, event, WHEN condition)


def sqlite_schema():
    db = sqlite3.connect(":memory:")
    for path in migration_files(SQLITE_DIR):
        db.executescript(path.read_text())
    s = Schema()
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    for table in tables:
        info = db.execute(f"PRAGMA table_info('{table}')").fetchall()
        cols = []
        for _cid, name, decl, notnull, default, pk in info:
            kind = SQLITE_TYPES.get(decl.upper(), "other:" + decl)
            # A PRIMARY KEY column is NOT NULL on PostgreSQL whatever the declaration says.
            cols.append((name, kind, bool(notnull) or pk > 0, norm_expr(default or "")))
        s.columns[table] = cols
        pk = tuple(name for _c, name, _d, _n, _df, pk in sorted(info, key=lambda r: r[5]) if pk > 0)
        if pk:
            s.keys.add((table, "pk", pk))
        for _seq, index, unique, origin, partial in db.execute(f"PRAGMA index_list('{table}')"):
            xinfo = db.execute(f"PRAGMA index_xinfo('{index}')").fetchall()
            columns = tuple(name + (" DESC" if desc else "") for _s, _c, name, desc, _coll, key in xinfo if key)
            if origin == "pk":
                continue
            if origin == "u":
                s.keys.add((table, "unique", columns))
                continue
            sql = db.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", (index,)).fetchone()[0]
            where = re.search(r"\bWHERE\b(.*)$", sql, flags=re.S | re.I) if partial else None
            s.indexes[index] = (table, bool(unique), columns, norm_expr(where.group(1)) if where else "")
        fks = {}
        for fk_id, _seq, ref, col, ref_col, _upd, on_delete, _match in db.execute(f"PRAGMA foreign_key_list('{table}')"):
            entry = fks.setdefault(fk_id, [ref, [], [], on_delete.upper()])
            entry[1].append(col)
            entry[2].append(ref_col)
        for ref, cols, ref_cols, on_delete in fks.values():
            s.foreign_keys.add((table, tuple(cols), ref, tuple(ref_cols), on_delete))
    for name, table, sql in db.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'"):
        m = re.search(r"\b(BEFORE|AFTER|INSTEAD\s+OF)\s+(INSERT|UPDATE|DELETE)\b", sql, flags=re.I)
        when = re.search(r"\bWHEN\b(.*?)\bBEGIN\b", sql, flags=re.S | re.I)
        s.triggers[name] = (
            table,
            m.group(1).upper() if m else "?",
            m.group(2).upper() if m else "?",
            norm_expr(when.group(1)) if when else "",
        )
    return s


def psql(url, *args, stdin=None):
    result = subprocess.run(
        ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, *args],
        input=stdin,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        sys.exit(f"pg-schema-check: psql {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


def rows(url, query):
    out = psql(url, "-At", "-F", SEP, "-c", query)
    return [line.split(SEP) for line in out.splitlines() if line]


def with_database(url, name):
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def pg_schema(base_url):
    name = f"ibe_schema_check_{os.getpid()}"
    psql(base_url, "-c", f"DROP DATABASE IF EXISTS {name}", "-c", f"CREATE DATABASE {name}")
    url = with_database(base_url, name)
    try:
        for path in migration_files(PG_DIR):
            psql(url, "-1", "-f", str(path))
        return read_pg_schema(url)
    finally:
        psql(base_url, "-c", f"DROP DATABASE IF EXISTS {name}")


def read_pg_schema(url):
    s = Schema()
    for table, col, typ, notnull, default in rows(
        url,
        """SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                  coalesce(pg_get_expr(d.adbin, d.adrelid), '')
           FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
           LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
           WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
           ORDER BY c.relname, a.attnum""",
    ):
        kind = PG_TYPES.get(typ, "other:" + typ)
        s.columns.setdefault(table, []).append((col, kind, notnull == "t", norm_expr(default)))
    for table, index, unique, primary, contype, columns, pred in rows(
        url,
        """SELECT t.relname, i.relname, ix.indisunique, ix.indisprimary, coalesce(con.contype, ''),
                  array_to_string(array(
                      SELECT pg_get_indexdef(ix.indexrelid, k + 1, true)
                             || CASE WHEN ix.indoption[k] & 1 = 1 THEN ' DESC' ELSE '' END
                      FROM generate_series(0, ix.indnkeyatts - 1) k ORDER BY k), ','),
                  coalesce(pg_get_expr(ix.indpred, ix.indrelid), '')
           FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid
           JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
           LEFT JOIN pg_constraint con ON con.conindid = ix.indexrelid AND con.contype IN ('p', 'u')
           WHERE n.nspname = 'public'""",
    ):
        cols = tuple(columns.split(","))
        if primary == "t" or contype == "p":
            s.keys.add((table, "pk", cols))
        elif contype == "u":
            s.keys.add((table, "unique", cols))
        else:
            s.indexes[index] = (table, unique == "t", cols, norm_expr(pred))
    actions = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}
    for table, cols, ref, ref_cols, on_delete in rows(
        url,
        """SELECT t.relname,
                  array_to_string(array(SELECT attname FROM unnest(con.conkey) WITH ORDINALITY k(n, o)
                      JOIN pg_attribute ON attrelid = con.conrelid AND attnum = k.n ORDER BY o), ','),
                  r.relname,
                  array_to_string(array(SELECT attname FROM unnest(con.confkey) WITH ORDINALITY k(n, o)
                      JOIN pg_attribute ON attrelid = con.confrelid AND attnum = k.n ORDER BY o), ','),
                  con.confdeltype
           FROM pg_constraint con JOIN pg_class t ON t.oid = con.conrelid JOIN pg_class r ON r.oid = con.confrelid
           JOIN pg_namespace n ON n.oid = t.relnamespace
           WHERE con.contype = 'f' AND n.nspname = 'public'""",
    ):
        s.foreign_keys.add((table, tuple(cols.split(",")), ref, tuple(ref_cols.split(",")), actions[on_delete]))
    for name, table, definition in rows(
        url,
        """SELECT tg.tgname, c.relname, pg_get_triggerdef(tg.oid)
           FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE NOT tg.tgisinternal AND n.nspname = 'public'""",
    ):
        m = re.search(r"\b(BEFORE|AFTER|INSTEAD OF)\s+(INSERT|UPDATE|DELETE)\b", definition)
        per_row = "FOR EACH ROW" in definition
        when = re.search(r"\bWHEN\b(.*?)\bEXECUTE\b", definition, flags=re.S)
        s.triggers[name] = (
            table,
            m.group(1) if m and per_row else "?",
            m.group(2) if m else "?",
            norm_expr(when.group(1)) if when else "",
        )
    return s


def compare(lite, pg):
    diffs = []
    lite_files = [p.name for p in migration_files(SQLITE_DIR)]
    pg_files = [p.name for p in migration_files(PG_DIR)]
    if lite_files != pg_files:
        diffs.append(f"migration files differ: sqlite {lite_files} vs postgres {pg_files}")
    for table in sorted(set(lite.columns) | set(pg.columns)):
        a, b = lite.columns.get(table), pg.columns.get(table)
        if a is None or b is None:
            diffs.append(f"table {table}: only on {'postgres' if a is None else 'sqlite'}")
        elif a != b:
            for i in range(max(len(a), len(b))):
                x = a[i] if i < len(a) else None
                y = b[i] if i < len(b) else None
                if x != y:
                    diffs.append(f"table {table}, column #{i + 1}: sqlite {x} vs postgres {y}")
    for what, a, b in (
        ("key", lite.keys, pg.keys),
        ("foreign key", lite.foreign_keys, pg.foreign_keys),
    ):
        for item in sorted(a - b):
            diffs.append(f"{what} only on sqlite: {item}")
        for item in sorted(b - a):
            diffs.append(f"{what} only on postgres: {item}")
    for what, a, b in (("index", lite.indexes, pg.indexes), ("trigger", lite.triggers, pg.triggers)):
        for name in sorted(set(a) | set(b)):
            if a.get(name) != b.get(name):
                diffs.append(f"{what} {name}: sqlite {a.get(name)} vs postgres {b.get(name)}")
    return diffs


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    lite = sqlite_schema()
    pg = pg_schema(sys.argv[1])
    diffs = compare(lite, pg)
    for diff in diffs:
        print("pg-schema-check: DIFFERENCE:", diff)
    if diffs:
        print(f"pg-schema-check: {len(diffs)} difference(s) between migrations/ and migrations/postgres/")
        return 1
    ncols = sum(len(c) for c in lite.columns.values())
    print(
        f"pg-schema-check: OK: {len(migration_files(PG_DIR))} migrations, {len(lite.columns)} tables, "
        f"{ncols} columns, {len(lite.keys)} primary/unique keys, {len(lite.indexes)} indexes "
        f"({sum(1 for i in lite.indexes.values() if i[3])} partial, {sum(1 for i in lite.indexes.values() if i[1])} unique), "
        f"{len(lite.foreign_keys)} foreign keys, {len(lite.triggers)} triggers: same on SQLite and PostgreSQL"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
