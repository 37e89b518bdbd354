"""Centre schemas: the migrated template, the clone script, and fast migration-state checks.

A new centre does not run migrations. ``centre_template`` is a schema migrated like any centre;
from its catalogue we derive, once per run, a DDL script that recreates every table, index and
constraint under the same names, plus the template's ``django_migrations`` rows. Creating a
centre is then one round trip of that script inside the caller's transaction, so the schema and
the registry row appear together or not at all.

Names matter: ``CREATE TABLE … (LIKE … INCLUDING ALL)`` alone would give indexes names chosen by
PostgreSQL, not Django's, and a later ``RemoveIndex`` or ``AlterField`` migration would then fail
on cloned schemas. So indexes and index-backed constraints are recreated from
``pg_get_indexdef`` / ``pg_get_constraintdef`` with their original names; a test compares a
cloned schema's catalogue with a migrated one's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction

from tenants.divisions import SCHEMA_NAME_RE

TEMPLATE_SCHEMA = "centre_template"


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _checked_schema(name: str) -> str:
    if name != TEMPLATE_SCHEMA and not SCHEMA_NAME_RE.match(name):
        raise ValueError(f"refusing to touch schema {name!r}: not a centre schema name")
    return name


def existing_schemas(names: Iterable[str] | None = None) -> set[str]:
    with connection.cursor() as cur:
        if names is None:
            cur.execute("SELECT nspname FROM pg_namespace")
        else:
            cur.execute("SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s)", [list(names)])
        return {row[0] for row in cur.fetchall()}


def migrate_template(verbosity: int = 0) -> None:
    """Create ``centre_template`` if needed and bring it to the latest tenant migrations."""
    from django.core.management import call_command

    with connection.cursor() as cur:
        cur.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(TEMPLATE_SCHEMA)}")
    call_command(
        "migrate_schemas",
        tenant=True,
        schema_name=TEMPLATE_SCHEMA,
        interactive=False,
        verbosity=verbosity,
    )
    connection.set_schema_to_public()


def migration_fingerprints(schemas: list[str], chunk: int = 250) -> dict[str, str | None]:
    """The md5 of each schema's applied migrations, in a few set-based queries.

    This is what makes a no-op ``migrate_schemas`` over ~1,700 centres take a second instead of
    half an hour: django-tenants would open a migration executor per schema and introspect
    ``pg_class`` each time. A schema without a ``django_migrations`` table gets None.
    """
    result: dict[str, str | None] = dict.fromkeys(schemas)
    with_table = _schemas_with_migration_table(schemas)
    names = [s for s in schemas if s in with_table]
    for start in range(0, len(names), chunk):
        part = [_checked_schema(s) for s in names[start : start + chunk]]
        sql = " UNION ALL ".join(
            f"SELECT %s, md5(coalesce(string_agg(app || '.' || name, ',' ORDER BY app, name), ''))"
            f" FROM {quote_ident(s)}.django_migrations"
            for s in part
        )
        with connection.cursor() as cur:
            cur.execute(sql, part)
            result.update(dict(cur.fetchall()))
    return result


def _schemas_with_migration_table(schemas: list[str]) -> set[str]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relname = 'django_migrations' AND c.relkind = 'r' AND n.nspname = ANY(%s)",
            [schemas],
        )
        return {row[0] for row in cur.fetchall()}


@dataclass(frozen=True)
class CloneScript:
    """DDL that recreates the template's tables in the schema on the current search_path."""

    fingerprint: str
    statements: tuple[str, ...]

    def for_schema(self, schema: str) -> str:
        schema = _checked_schema(schema)
        head = (
            f"CREATE SCHEMA {quote_ident(schema)};\n"
            f"SET LOCAL search_path TO {quote_ident(schema)}, public;\n"
        )
        return head + ";\n".join(self.statements) + ";\nSET LOCAL search_path TO public;"


_script_cache: dict[str, CloneScript] = {}


def clone_script() -> CloneScript:
    """Build (or reuse) the clone script for the template's current migration state."""
    fingerprint = migration_fingerprints([TEMPLATE_SCHEMA])[TEMPLATE_SCHEMA]
    if fingerprint is None:
        raise RuntimeError("centre_template is not migrated: run `manage.py migrate_schemas`.")
    cached = _script_cache.get(fingerprint)
    if cached is not None:
        return cached
    script = CloneScript(fingerprint=fingerprint, statements=tuple(_template_ddl()))
    _script_cache.clear()
    _script_cache[fingerprint] = script
    return script


def _template_ddl() -> list[str]:
    tpl = quote_ident(TEMPLATE_SCHEMA)
    with transaction.atomic(), connection.cursor() as cur:
        # Unqualified names in the definitions below: the template comes first on the path, so
        # pg_get_*def leaves its own objects unqualified and they resolve in the new schema.
        cur.execute(f"SET LOCAL search_path TO {tpl}, public")
        cur.execute(
            "SELECT c.oid, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind = 'r' ORDER BY c.relname",
            [TEMPLATE_SCHEMA],
        )
        tables = cur.fetchall()
        cur.execute(
            "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_namespace n ON n.oid = ic.relnamespace "
            "WHERE n.nspname = %s AND NOT EXISTS (SELECT 1 FROM pg_constraint k "
            "  WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u', 'x') "
            "  AND k.conrelid = i.indrelid) "
            "ORDER BY ic.relname",
            [TEMPLATE_SCHEMA],
        )
        indexes = [row[0] for row in cur.fetchall()]
        cur.execute(
            "SELECT c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid) "
            "FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace "
            "JOIN pg_class c ON c.oid = k.conrelid "
            "WHERE n.nspname = %s AND k.contype IN ('p', 'u', 'x', 'f') "
            "ORDER BY k.contype = 'f', c.relname, k.conname",
            [TEMPLATE_SCHEMA],
        )
        constraints = cur.fetchall()
        nonempty: list[tuple[str, list[str]]] = []
        for oid, table in tables:
            cur.execute(f"SELECT EXISTS (SELECT 1 FROM {tpl}.{quote_ident(table)})")
            if cur.fetchone()[0]:
                cur.execute(
                    "SELECT attname FROM pg_attribute WHERE attrelid = %s AND attidentity <> ''",
                    [oid],
                )
                nonempty.append((table, [row[0] for row in cur.fetchall()]))
        cur.execute("SET LOCAL search_path TO public")

    ddl = [
        # Columns, defaults, identity (a new sequence per table), check constraints (named),
        # generated columns, storage and comments; indexes follow with their own names.
        f"CREATE TABLE {quote_ident(table)} (LIKE {tpl}.{quote_ident(table)} INCLUDING DEFAULTS "
        f"INCLUDING IDENTITY INCLUDING CONSTRAINTS INCLUDING GENERATED INCLUDING STORAGE "
        f"INCLUDING COMMENTS)"
        for _oid, table in tables
    ]
    ddl += [
        f"ALTER TABLE {quote_ident(table)} ADD CONSTRAINT {quote_ident(name)} {definition}"
        for table, name, _type, definition in constraints
    ]
    # pg_get_indexdef always qualifies the table ("ON centre_template.t"): unqualify it so the
    # index lands beside the new schema's table.
    qualified = f" ON {TEMPLATE_SCHEMA}."
    ddl += [definition.replace(qualified, " ON ", 1) for definition in indexes]
    for table, identity_columns in nonempty:
        # Rows a data migration put into the template (django_migrations at least), and the
        # identity sequences moved past them.
        ddl.append(f"INSERT INTO {quote_ident(table)} SELECT * FROM {tpl}.{quote_ident(table)}")
        ddl += [
            f"SELECT setval(pg_get_serial_sequence('{quote_ident(table)}', '{column}'), "
            f"coalesce(max({quote_ident(column)}), 0) + 1, false) FROM {quote_ident(table)}"
            for column in identity_columns
        ]
    return ddl


def schema_fingerprint(schema: str) -> str:
    """A digest of a schema's structure (tables, columns, constraints, indexes) for tests."""
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT string_agg(line, E'\n' ORDER BY line) FROM (
              SELECT 'col ' || c.relname || '.' || a.attname || ' ' ||
                     format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull::text || ' ' ||
                     a.attidentity::text || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '') AS line
              FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
              JOIN pg_namespace n ON n.oid = c.relnamespace
              LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
              WHERE n.nspname = %(s)s AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
              UNION ALL
              SELECT 'con ' || c.relname || ' ' || k.conname || ' ' ||
                     replace(pg_get_constraintdef(k.oid), %(s)s || '.', '')
              FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace
              JOIN pg_class c ON c.oid = k.conrelid
              WHERE n.nspname = %(s)s
              UNION ALL
              SELECT 'idx ' || replace(pg_get_indexdef(i.indexrelid), %(s)s || '.', '')
              FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
              JOIN pg_namespace n ON n.oid = ic.relnamespace WHERE n.nspname = %(s)s
            ) lines
            """,
            {"s": schema},
        )
        text = cur.fetchone()[0] or ""
    return hashlib.sha256(text.encode()).hexdigest() if text else ""


def describe_schema(schema: str) -> list[str]:
    """The lines ``schema_fingerprint`` digests (for readable test failures)."""
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT 'idx ' || replace(pg_get_indexdef(i.indexrelid), %(s)s || '.', '')
            FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
            JOIN pg_namespace n ON n.oid = ic.relnamespace WHERE n.nspname = %(s)s
            UNION ALL
            SELECT 'con ' || c.relname || ' ' || k.conname || ' ' ||
                   replace(pg_get_constraintdef(k.oid), %(s)s || '.', '')
            FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace
            JOIN pg_class c ON c.oid = k.conrelid
            WHERE n.nspname = %(s)s
            ORDER BY 1
            """,
            {"s": schema},
        )
        return [row[0] for row in cur.fetchall()]
