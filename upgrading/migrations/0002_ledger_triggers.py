"""Database triggers that make the indicator ledger append-only.

UPDATE and DELETE of a ledger entry or of its evidence rows are refused by the
database itself, on SQLite and on PostgreSQL, whatever code (or person at a SQL prompt)
tries; on PostgreSQL TRUNCATE is refused too, and the triggers are `ENABLE ALWAYS`, so
`SET session_replication_role = replica` (which silences ordinary triggers) does not
bypass them. Both backends raise an integrity error (SQLSTATE 23000 on PostgreSQL).

Truncating an *empty* table is let through: it destroys nothing, and Django's test
runner empties every table with one TRUNCATE between transactional tests.

The triggers are guard rails, not the proof: someone who may drop them may rewrite
rows, and the hash chain (`upgrading.ledger_hash`, `verify_ledger`) is what shows it.

Note for later migrations: on SQLite, altering these tables rebuilds them and loses
the triggers; such a migration must call `create_triggers` again (a test checks they exist).
"""

from django.db import migrations

TABLES = ("upgrading_ledgerentry", "upgrading_ledgerevidence")
MESSAGE = "the indicator ledger is append-only: {op} of {table} refused"


def _sqlite(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE.format(op=op, table=table)}'); END"
        for op in ("UPDATE", "DELETE")
    ]


PG_FUNCTIONS = [
    """
    CREATE OR REPLACE FUNCTION mutirao_ledger_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'the indicator ledger is append-only: % of % refused', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'integrity_constraint_violation';
    END;
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION mutirao_ledger_no_truncate() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        has_rows boolean;
    BEGIN
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I.%I)', TG_TABLE_SCHEMA, TG_TABLE_NAME) INTO has_rows;
        IF has_rows THEN
            RAISE EXCEPTION 'the indicator ledger is append-only: TRUNCATE of % refused', TG_TABLE_NAME
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NULL;
    END;
    $$
    """,
]


def _postgresql(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION mutirao_ledger_append_only()",
        f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {table}_append_only",
        f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION mutirao_ledger_no_truncate()",
        f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {table}_no_truncate",
    ]


def create_statements(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [*PG_FUNCTIONS, *(sql for table in TABLES for sql in _postgresql(table))]
    if vendor == "sqlite":
        return [sql for table in TABLES for sql in _sqlite(table)]
    return []


def drop_statements(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [
            *(
                f"DROP TRIGGER IF EXISTS {table}_{name} ON {table}"
                for table in TABLES
                for name in ("append_only", "no_truncate")
            ),
            "DROP FUNCTION IF EXISTS mutirao_ledger_append_only()",
            "DROP FUNCTION IF EXISTS mutirao_ledger_no_truncate()",
        ]
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {table}_no_{op}" for table in TABLES for op in ("update", "delete")]
    return []


def create_triggers(connection) -> None:
    with connection.cursor() as cursor:
        for sql in create_statements(connection.vendor):
            cursor.execute(sql)


def drop_triggers(connection) -> None:
    with connection.cursor() as cursor:
        for sql in drop_statements(connection.vendor):
            cursor.execute(sql)


def forwards(apps, schema_editor):
    create_triggers(schema_editor.connection)


def backwards(apps, schema_editor):
    drop_triggers(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("upgrading", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
