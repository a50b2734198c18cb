"""``sbk keys reindex``: move every stored blind index to the current index-key layer.

Like ``sbk keys reencrypt``: safe while the service runs (each batch is a short transaction
that locks its rows) and resumable (only indexes not under the current layer are selected, so
a stopped run continues where it left off, and a value written meanwhile is already current).
The indexed value is not needed: the new layer wraps the stored index (``KeyRing.current_index``),
so columns that keep only an index (what an applicant stated) move too.

The columns are listed in ``settings.SBK_BLIND_INDEX_COLUMNS`` ("app_label.Model.field");
a test finds every model field that holds a blind index and checks it is listed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction

from . import keys
from .crypto import TOKEN_SEP, KeyRing


@dataclass
class Report:
    rows: int = 0
    by_column: dict[str, int] = field(default_factory=dict)


def index_columns() -> Iterator[tuple[type, str]]:
    for spec in settings.SBK_BLIND_INDEX_COLUMNS:
        label, _, name = spec.rpartition(".")
        model = apps.get_model(label)
        yield model, model._meta.get_field(name).column


def _stale(column: str, ring: KeyRing) -> tuple[str, list[str]]:
    qn = connection.ops.quote_name(column)
    if ring.index_layer == "i1":  # the first key: values without a layer prefix
        return f"{qn} <> '' AND {qn} LIKE %s", [f"%{TOKEN_SEP}%"]
    return f"{qn} <> '' AND {qn} NOT LIKE %s", [f"{ring.index_layer}{TOKEN_SEP}%"]


def count_stale(ring: KeyRing | None = None) -> int:
    ring = ring or keys.ring()
    total = 0
    for model, column in index_columns():
        where, params = _stale(column, ring)
        with connection.cursor() as cur:
            table = connection.ops.quote_name(model._meta.db_table)
            cur.execute(f"SELECT COUNT(*) FROM {table} WHERE {where}", params)
            total += cur.fetchone()[0]
    return total


def _column(model, column: str, ring: KeyRing, batch: int, report: Report, advance) -> None:
    qn = connection.ops.quote_name
    table, pk, col = qn(model._meta.db_table), qn(model._meta.pk.column), qn(column)
    where, params = _stale(column, ring)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    label = f"{model._meta.label}.{column}"
    last = None
    while True:
        with transaction.atomic():
            after = "" if last is None else f" AND {pk} > %s"
            with connection.cursor() as cur:
                cur.execute(
                    f"SELECT {pk}, {col} FROM {table} WHERE {where}{after} "
                    f"ORDER BY {pk} LIMIT {int(batch)}{lock}",
                    params + ([] if last is None else [last]),
                )
                found = cur.fetchall()
                if not found:
                    return
                cur.executemany(
                    f"UPDATE {table} SET {col} = %s WHERE {pk} = %s",
                    [[ring.current_index(value), pk_value] for pk_value, value in found],
                )
            last = found[-1][0]
        report.rows += len(found)
        report.by_column[label] = report.by_column.get(label, 0) + len(found)
        advance(len(found))


def reindex(
    *, batch: int = 500, progress: Callable[[int], None] | None = None, ring: KeyRing | None = None
) -> Report:
    """Rewrite every blind index not under the current layer. Returns what was done."""
    ring = ring or keys.ring()
    report = Report()
    for model, column in index_columns():
        _column(model, column, ring, batch, report, progress or (lambda n: None))
    return report
