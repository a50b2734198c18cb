"""Test helpers for the protected logs: write rows, tamper with them as an attacker would."""

from __future__ import annotations

import io
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.db import connection

from sbk.core import audit
from sbk.core.appendonly import TABLES

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL=postgres://…)"
)


def write_rows(n: int, action: str = "test.action") -> list:
    return [
        audit.record(acting_user=None, action=action, object_type="t", object_id=str(i))
        for i in range(n)
    ]


@contextmanager
def triggers_off():
    """What an attacker with database superuser rights or the SQLite file can do."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET LOCAL session_replication_role = replica")
        else:
            for table in TABLES:
                cur.execute(f"DROP TRIGGER IF EXISTS {table}_append_only_update")
                cur.execute(f"DROP TRIGGER IF EXISTS {table}_append_only_delete")
    try:
        yield
    finally:
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SET LOCAL session_replication_role = DEFAULT")


def raw(sql: str, params=()) -> None:
    with triggers_off(), connection.cursor() as cur:
        cur.execute(sql, params)


def verify_cli(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("audit", "verify", *args, stdout=out)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue()
