"""Writes held back inside a business action and sent with its next statement (PostgreSQL).

A card write ends with a run of independent writes — the card's or application's new
status, the e-card moved to the new card, the "card ready" SMS, the journal row — and then
the audit chain's head is locked. Each of those is a round trip and, above all, a pass
through psycopg and Django's cursor (issue 13, benchmarks/RESULTS.md: about a quarter of a
millisecond of CPU each). PostgreSQL runs several data-modifying statements as one
(``WITH w0 AS (INSERT …), w1 AS (UPDATE …) SELECT …``), so such writes wait here and go
in one statement (ADR 0014):

- ``queue`` holds a write (``prepared.insert``/``update`` with ``defer=True``). Only inside a
  business action (``actions.atomic``) and only on PostgreSQL; anywhere else it runs at once.
- Before any other statement on the connection the held writes are sent first, on their
  own (an execute wrapper): a read never misses a held write, and the order of the held
  writes against everything else is kept.
- ``fetchone_carrying`` sends them with a one-row SELECT instead (the audit chain's head
  lock), and the outermost action block sends what is left when it ends, inside its
  transaction (the audit row, its head's move and the API's stored answer, together).
- A failed action drops what it held: the action is rolled back as a whole anyway.

What a held write may not be: one whose result the caller reads before the next statement
(the primary key of an inserted row is set when it is sent), one a caller catches an
error of (its error arrives with the statement it is sent with), or a second write to a
table already held (the parts of one statement do not see each other's rows; such a write
sends the held ones first). Each part runs with the same snapshot, and PostgreSQL checks
foreign keys at COMMIT (Django makes them DEFERRABLE INITIALLY DEFERRED), so independent
rows of one action are the same as written one by one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError

_STATE = "_sbk_batch"


@dataclass
class _Write:
    table: str
    sql: str  # INSERT/UPDATE … RETURNING <returns>
    params: list
    returns: str  # the column its RETURNING gives back ("1" for a row count)
    settle: Callable[[Any], None]  # given the returned value (a count for "1")


@dataclass
class _State:
    depth: int = 0  # business-action blocks open on this connection
    writes: list[_Write] = field(default_factory=list)


def _state(conn) -> _State:
    state = getattr(conn, _STATE, None)
    if state is None:
        state = _State()
        setattr(conn, _STATE, state)
    return state


# --------------------------------------------------------------------------- the action block
def enter(conn) -> None:
    """A business-action block opens (``actions.atomic``)."""
    _state(conn).depth += 1


def leave(conn, *, ok: bool) -> None:
    """The block ends. On success the outermost block sends what is held (still inside its
    transaction: the caller calls this before leaving ``atomic``); a block inside it goes
    on holding — its enclosing action, in the same transaction, sends them (an enclosing
    savepoint's RELEASE is a statement: it sends them too). On failure what is held is
    dropped: the failed block's writes (a savepoint sends earlier ones when it is taken),
    or an enclosing action's that cannot commit any more (a failed block without a
    savepoint marks it for rollback)."""
    state = _state(conn)
    try:
        if not ok:
            _take(conn, state)  # dropped
        elif state.depth == 1:
            flush(conn)
    finally:
        state.depth -= 1


def can_defer(conn) -> bool:
    return conn.vendor == "postgresql" and conn.in_atomic_block and _state(conn).depth > 0


# --------------------------------------------------------------------------- holding writes
def queue(
    conn, *, table: str, sql: str, params: list, returns: str, settle: Callable[[Any], None]
) -> None:
    """Hold one write (the caller checked ``can_defer``). ``sql`` ends in ``RETURNING
    returns``; ``settle`` gets the value back (the count of rows when ``returns`` is "1")."""
    state = _state(conn)
    if any(w.table == table for w in state.writes):
        flush(conn)  # two parts of one statement must not touch the same table
    if not state.writes:
        conn.execute_wrappers.append(_send_first)
    state.writes.append(_Write(table, sql, params, returns, settle))


def held(conn) -> int:
    return len(_state(conn).writes)


def _send_first(execute, sql, params, many, context):
    """Execute wrapper while writes are held: send them before any other statement."""
    flush(context["connection"])
    return execute(sql, params, many, context)


def _take(conn, state: _State) -> list[_Write]:
    writes, state.writes = state.writes, []
    if _send_first in conn.execute_wrappers:
        conn.execute_wrappers.remove(_send_first)
    return writes


def _parts(writes: list[_Write]) -> tuple[list[str], list[str], list]:
    ctes, outputs, params = [], [], []
    for i, w in enumerate(writes):
        ctes.append(f"sbk_w{i} AS ({w.sql})")
        outputs.append(
            f"(SELECT count(*) FROM sbk_w{i})"
            if w.returns == "1"
            else f"(SELECT {w.returns} FROM sbk_w{i})"
        )
        params.extend(w.params)
    return ctes, outputs, params


def _settle(writes: list[_Write], values: Sequence[Any]) -> None:
    for w, value in zip(writes, values, strict=True):
        w.settle(value)


def flush(conn) -> None:
    """Send the held writes now, as one statement."""
    state = _state(conn)
    if not state.writes:
        return
    # Taken first: the execute wrapper is gone, so this statement does not send them again.
    writes = _take(conn, state)
    with conn.cursor() as cur:
        if len(writes) == 1:
            (w,) = writes
            cur.execute(w.sql, w.params)
            values = [cur.rowcount if w.returns == "1" else cur.fetchone()[0]]
        else:
            ctes, outputs, params = _parts(writes)
            cur.execute(f"WITH {', '.join(ctes)} SELECT {', '.join(outputs)}", params)
            values = cur.fetchone()
    _settle(writes, values)


def fetchone_carrying(
    cur, sql: str, params: list, columns: Sequence[str], *, reads: str
) -> tuple[Any, ...] | None:
    """Run a SELECT of at most one row (its output ``columns``, none of them NULL) from the
    table ``reads``, with the held writes in the same statement; the row, or None when
    there is none. A held write to ``reads`` itself is sent first, on its own: the parts of
    one statement would not see it."""
    conn = cur.db
    state = _state(conn)
    if any(w.table == reads for w in state.writes):
        flush(conn)
    if not state.writes:
        cur.execute(sql, params)
        return cur.fetchone()
    writes = _take(conn, state)
    ctes, outputs, write_params = _parts(writes)
    picked = [f"(SELECT {c} FROM sbk_carried)" for c in columns]
    cur.execute(
        f"WITH {', '.join(ctes)}, sbk_carried AS ({sql}) SELECT {', '.join([*picked, *outputs])}",
        [*write_params, *params],
    )
    row = cur.fetchone()
    _settle(writes, row[len(columns) :])
    own = tuple(row[: len(columns)])
    return None if all(v is None for v in own) else own


# --------------------------------------------------------------------------- settling
def set_pk(obj, using: str) -> Callable[[Any], None]:
    def settle(pk):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = using

    return settle


def one_row(what: str) -> Callable[[Any], None]:
    def settle(count):
        if count != 1:
            raise DatabaseError(f"{what}: the held UPDATE affected {count} rows, not one.")

    return settle
