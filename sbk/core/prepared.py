"""Statements compiled once, run many times: the hot write path without the ORM's compiler.

Every card write runs the same few statements (lock the holder and the card or
application through the user's scope, insert the journal row, the audit row, the SMS,
the stored answer). The ORM builds and compiles each one again on every call, and that
is most of a write's CPU beyond its round trips (issue 13, benchmarks/RESULTS.md: about
2 ms for the lock statement alone, 0.3 ms per INSERT). Two tools, both falling back to
the ORM whenever they cannot be sure (ADR 0013):

- ``insert(obj)``: one INSERT per model, its SQL made once per database and model; the
  values go through the same ``Field.pre_save`` / ``get_db_prep_save`` as ``save()``
  (defaults, encryption at rest). No ``pre_save``/``post_save`` signal is sent, so it is
  only for models no signal listens to (``insert`` checks, and uses ``save()`` otherwise).
- ``PreparedQuery``: a queryset compiled once per *shape* and re-run with new values. The
  shape key is everything the SQL depends on except the values passed at run time — for
  a scoped lock, the user's scope ``Q`` objects themselves (a ``Q`` compares by its
  lookups and values, so a user whose scope differs, or an organisation whose path
  changed, gets an entry of its own). The values are found in the compiled parameters
  by marker values built in their place; a marker the compiler changed (a LIKE pattern,
  say) or lost makes the query uncacheable, and it is run through the ORM every time.
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from django.db import DatabaseError, connections, models
from django.db.models import signals
from django.db.models.constants import OnConflict
from django.db.models.query import get_related_populators
from django.db.models.sql import InsertQuery

from . import batch

_MARKER_BASE = -(2**62)  # no primary key is this
_markers = itertools.count(1)


# --------------------------------------------------------------------------- INSERT
_insert_sql: dict[tuple, tuple[list, str, bool] | None] = {}
_update_sql: dict[tuple, str] = {}


def _listened(model: type[models.Model]) -> bool:
    return any(sig.has_listeners(model) for sig in (signals.pre_save, signals.post_save))


def insert_statement(model: type[models.Model], using: str = "default") -> tuple[list, str]:
    """(fields, SQL ending in RETURNING the primary key where the database can) of
    ``model``'s INSERT without its primary key, made once; None if it has none."""
    entry = _insert_entry(model, using)
    return None if entry is None else entry[:2]


def _insert_entry(model, using, upsert: tuple[tuple, tuple] | None = None):
    key = (using, model, upsert)
    if key in _insert_sql:
        return _insert_sql[key]
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    if any(f.has_db_default() for f in fields):  # its SQL says DEFAULT: not one shape
        _insert_sql[key] = None
        return None
    conn = connections[using]
    if upsert is None:
        query = InsertQuery(model)
    else:
        unique, update = ([model._meta.get_field(n) for n in names] for names in upsert)
        query = InsertQuery(
            model, on_conflict=OnConflict.UPDATE, update_fields=update, unique_fields=unique
        )
    query.insert_values(fields, [model()])
    ((sql, _),) = query.get_compiler(connection=conn).as_sql()
    returning = conn.features.can_return_columns_from_insert
    if returning:
        sql += " RETURNING " + conn.ops.quote_name(model._meta.pk.column)
    entry = _insert_sql[key] = (fields, sql, returning)
    return entry


def insert_values(obj: models.Model, fields: list, using: str = "default") -> list:
    """The parameters of ``obj``'s INSERT, prepared as ``save()`` prepares them."""
    conn = connections[using]
    return [f.get_db_prep_save(f.pre_save(obj, True), conn) for f in fields]


def insert(
    obj: models.Model,
    using: str = "default",
    *,
    upsert: tuple[tuple, tuple] | None = None,
    defer: bool = False,
) -> models.Model:
    """Insert ``obj`` (a new row, primary key not set) with its model's prepared INSERT.

    ``upsert=(unique_fields, update_fields)``: on a conflict on ``unique_fields`` update
    ``update_fields`` instead, as ``bulk_create(update_conflicts=True)`` does; ``obj`` gets
    the id of the row inserted or updated. ``defer``: inside a business action on
    PostgreSQL the INSERT may be held and sent with the action's next statement
    (``sbk.core.batch``: ``obj.pk`` is set then); for a row nothing reads before that."""
    model = type(obj)
    entry = None if obj.pk is not None or _listened(model) else _insert_entry(model, using, upsert)
    if entry is None:
        return _orm_insert(obj, using, upsert)
    fields, sql, returning = entry
    if upsert is not None and not returning:  # the id of an updated row is not known
        return _orm_insert(obj, using, upsert)
    values = [f.pre_save(obj, True) for f in fields]
    if any(hasattr(v, "resolve_expression") for v in values):  # F(), Now(): the ORM's job
        return _orm_insert(obj, using, upsert)
    conn = connections[using]
    params = [f.get_db_prep_save(v, conn) for f, v in zip(fields, values, strict=True)]
    if defer and returning and batch.can_defer(conn):
        batch.queue(
            conn,
            table=model._meta.db_table,
            sql=sql,
            params=params,
            returns=conn.ops.quote_name(model._meta.pk.column),
            settle=batch.set_pk(obj, using),
        )
        return obj
    with conn.cursor() as cur:
        cur.execute(sql, params)
        pk = (
            cur.fetchone()[0]
            if returning
            else conn.ops.last_insert_id(cur, model._meta.db_table, model._meta.pk.column)
        )
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = using
    return obj


def _orm_insert(obj, using, upsert):
    if upsert is None:
        obj.save(force_insert=True, using=using)
    else:
        type(obj)._default_manager.using(using).bulk_create(
            [obj], update_conflicts=True, unique_fields=upsert[0], update_fields=upsert[1]
        )
    return obj


def update(obj: models.Model, fields, using: str = "default", *, defer: bool = False) -> None:
    """``obj.save(update_fields=fields)`` with an UPDATE made once per model and fields.
    ``defer``: as for ``insert`` (the check that it hit one row comes when it is sent)."""
    model = type(obj)
    names = tuple(fields)
    if _listened(model) or obj.pk is None:
        obj.save(update_fields=names, using=using)
        return
    targets = [model._meta.get_field(n) for n in names]
    values = [f.pre_save(obj, False) for f in targets]
    if any(hasattr(v, "resolve_expression") for v in values):
        obj.save(update_fields=names, using=using)
        return
    conn = connections[using]
    key = (using, model, names)
    sql = _update_sql.get(key)
    if sql is None:
        qn = conn.ops.quote_name
        sets = ", ".join(f"{qn(f.column)} = %s" for f in targets)
        pk = qn(model._meta.pk.column)
        sql = _update_sql[key] = f"UPDATE {qn(model._meta.db_table)} SET {sets} WHERE {pk} = %s"
    params = [f.get_db_prep_save(v, conn) for f, v in zip(targets, values, strict=True)]
    params.append(model._meta.pk.get_db_prep_value(obj.pk, conn))
    if defer and batch.can_defer(conn):
        batch.queue(
            conn,
            table=model._meta.db_table,
            sql=sql + " RETURNING 1",
            params=params,
            returns="1",
            settle=batch.one_row(f"{model._meta.label} {obj.pk}"),
        )
        return
    with conn.cursor() as cur:
        cur.execute(sql, params)
        if cur.rowcount != 1:
            raise DatabaseError("Save with update_fields did not affect any rows.")


# --------------------------------------------------------------------------- SELECT
class _Compiled:
    __slots__ = ("compiler", "sql", "params", "positions", "db")

    def __init__(self, compiler, sql, params, positions, db):
        self.compiler, self.sql, self.params = compiler, sql, params
        self.positions, self.db = positions, db


def marker(kind: type) -> Any:
    """A value that stands for a run-time value of type ``kind`` while compiling."""
    n = next(_markers)
    if kind is int:
        return _MARKER_BASE + n
    if kind is str:
        return f"\x00sbk-prepared-{n}\x00"
    raise TypeError(f"no marker for {kind!r}")


class PreparedQuery:
    """A queryset compiled once per ``key`` and run with new values.

    ``fetch(key, build, **values)``: ``build(**values)`` makes the queryset; everything it
    depends on besides ``values`` must be in ``key``. ``kinds`` names the values and their
    types (``int``, ``str``)."""

    def __init__(self, kinds: dict[str, type], size: int = 512):
        self.kinds, self.size = kinds, size
        self._cache: OrderedDict[Hashable, _Compiled | None] = OrderedDict()
        self._lock = threading.Lock()

    def fetch(
        self, key: Hashable, build: Callable[..., models.QuerySet], **values
    ) -> list[models.Model]:
        using = "default"
        full = (using, key)
        try:
            compiled = self._cache[full]
        except KeyError:
            compiled = self._compile(build, values)
            with self._lock:
                self._cache[full] = compiled
                while len(self._cache) > self.size:
                    self._cache.popitem(last=False)
        if compiled is None:
            return list(build(**values))
        params = list(compiled.params)
        for name, places in compiled.positions.items():
            for i in places:
                params[i] = values[name]
        conn = connections[compiled.db]
        with conn.cursor() as cur:
            cur.execute(compiled.sql, params)
            rows = cur.fetchall()
        return list(_objects(compiled.compiler, rows, compiled.db))

    def _compile(self, build, values: dict) -> _Compiled | None:
        markers = {name: marker(self.kinds[name]) for name in values}
        qs = build(**markers)
        db = qs.db
        compiler = qs.query.get_compiler(using=db)
        sql, params = compiler.as_sql()
        positions = {}
        for name, value in markers.items():
            places = [i for i, p in enumerate(params) if p == value]
            if not places:
                return None  # the compiler changed or dropped it: not cacheable
            positions[name] = places
        # A marker anywhere else (inside a pattern, say) would run with the marker.
        placed = {i for places in positions.values() for i in places}
        texts = [str(m) for m in markers.values()]
        for i, p in enumerate(params):
            if i not in placed and any(t in str(p) for t in texts):
                return None
        return _Compiled(compiler, sql, list(params), positions, db)

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()


def _objects(compiler, rows, db):
    """Model objects from ``rows`` as ``ModelIterable`` makes them (select_related and
    annotations included) with the compiler's column map."""
    select, klass_info = compiler.select, compiler.klass_info
    annotations = compiler.annotation_col_map
    model_cls = klass_info["model"]
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    init_list = [f[0].target.attname for f in select[start:end]]
    populators = get_related_populators(klass_info, select, db)
    for row in compiler.results_iter([rows]):
        obj = model_cls.from_db(db, init_list, row[start:end])
        for populator in populators:
            populator.populate(row, obj)
        for name, pos in (annotations or {}).items():
            setattr(obj, name, row[pos])
        yield obj
