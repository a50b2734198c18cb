"""The database refuses UPDATE and DELETE on the logs (SPEC §8); only a purge may delete.

PostgreSQL: a row trigger raises unless the transaction set ``sbk.purge = 'on'``
(``SET LOCAL``, so it ends with the transaction). SQLite: triggers raise unless the
connection's ``sbk_purge_allowed()`` function (registered by this process only) says
yes; any other client (the ``sqlite3`` shell) has no such function and is refused too.
The SQL is repeated in migration 0004 on purpose: a migration must not change later.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connections

TABLES = ("core_auditentry", "core_accesslog", "core_chainanchor")


def on_connection_created(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "sbk_purge_allowed", 0, lambda: int(bool(getattr(connection, "sbk_purge", False)))
        )


@contextmanager
def purge_allowed(using: str = "default"):
    """Let this connection delete log rows for the duration of the block (a purge)."""
    conn = connections[using]
    if conn.vendor == "postgresql":
        local = conn.in_atomic_block
        with conn.cursor() as cur:
            cur.execute("SELECT set_config('sbk.purge', 'on', %s)", [local])
        try:
            yield
        finally:
            if not conn.needs_rollback and conn.is_usable():
                with conn.cursor() as cur:
                    cur.execute("SELECT set_config('sbk.purge', 'off', %s)", [local])
    else:
        conn.sbk_purge = True
        try:
            yield
        finally:
            conn.sbk_purge = False


def installed_triggers(using: str = "default") -> set[str]:
    conn = connections[using]
    with conn.cursor() as cur:
        if conn.vendor == "postgresql":
            cur.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D' "
                "AND tgname LIKE %s",
                ["%append_only%"],
            )
        elif conn.vendor == "sqlite":
            cur.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            return set()
        return {r[0] for r in cur.fetchall()}


def allow_test_flush() -> None:
    """Test runs only: Django's flush after a transactional test empties every table."""
    from django.db.backends.base.operations import BaseDatabaseOperations

    original = BaseDatabaseOperations.execute_sql_flush
    if getattr(original, "sbk_wrapped", False):
        return

    def execute_sql_flush(self, sql_list):
        with purge_allowed(self.connection.alias):
            return original(self, sql_list)

    execute_sql_flush.sbk_wrapped = True
    execute_sql_flush.sbk_original = original  # for a test of a flush outside the tests' own
    BaseDatabaseOperations.execute_sql_flush = execute_sql_flush
