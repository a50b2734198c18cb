"""``sbk keys reencrypt``: move every encrypted value and file to the current key.

Safe while the service runs: each batch is its own short transaction that locks its rows
(``SELECT … FOR UPDATE``) and re-checks them, so a value written meanwhile under the new key
is left alone. Resumable: only values whose key id is not the current one are selected, so
running again continues where a stopped run left off.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.apps import apps
from django.db import connection, transaction

from . import keys
from .crypto import DecryptionError, KeyRing
from .fields import EncryptedTextField


class ReencryptError(Exception):
    """A stored value or file could not be opened: named, so that it can be investigated."""


@dataclass
class Report:
    values: int = 0
    rows: int = 0
    files: int = 0
    by_column: dict[str, int] = field(default_factory=dict)


def encrypted_columns() -> Iterator[tuple[type, list[EncryptedTextField]]]:
    """Every concrete model with its EncryptedTextFields, across all installed apps."""
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        fields = [
            f
            for f in meta.get_fields()
            if isinstance(f, EncryptedTextField) and f.model is model and f.concrete
        ]
        if fields:
            yield model, fields


def _stale_where(fields, current: str) -> tuple[str, list[str]]:
    qn = connection.ops.quote_name
    parts = [f"({qn(f.column)} <> '' AND {qn(f.column)} NOT LIKE %s)" for f in fields]
    return "(" + " OR ".join(parts) + ")", [f"{current}$%"] * len(fields)


def count_stale(ring: KeyRing | None = None) -> tuple[int, int]:
    """(rows with a value under an old key, files under an old key)."""
    from .models import EncryptedFile

    ring = ring or keys.ring()
    qn = connection.ops.quote_name
    rows = 0
    for model, fields in encrypted_columns():
        where, params = _stale_where(fields, ring.current)
        with connection.cursor() as cur:
            cur.execute(f"SELECT COUNT(*) FROM {qn(model._meta.db_table)} WHERE {where}", params)
            rows += cur.fetchone()[0]
    return rows, EncryptedFile.objects.exclude(key_id=ring.current).count()


def _model_batches(model, fields, ring: KeyRing, batch: int, report: Report, advance):
    qn = connection.ops.quote_name
    table, pk = qn(model._meta.db_table), qn(model._meta.pk.column)
    cols = ", ".join(qn(f.column) for f in fields)
    where, params = _stale_where(fields, ring.current)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    update = (
        f"UPDATE {table} SET "
        + ", ".join(f"{qn(f.column)} = %s" for f in fields)
        + f" WHERE {pk} = %s"
    )
    last = None
    while True:
        with transaction.atomic():
            after = "" if last is None else f" AND {pk} > %s"
            with connection.cursor() as cur:
                cur.execute(
                    f"SELECT {pk}, {cols} FROM {table} WHERE {where}{after} "
                    f"ORDER BY {pk} LIMIT {int(batch)}{lock}",
                    params + ([] if last is None else [last]),
                )
                found = cur.fetchall()
            if not found:
                return
            updates = []
            for pk_value, *tokens in found:
                new_tokens = []
                for f, token in zip(fields, tokens, strict=True):
                    if token and KeyRing.key_id_of(token) != ring.current:
                        try:
                            plain = ring.decrypt(token, f.crypto_context)
                        except DecryptionError as exc:
                            raise ReencryptError(
                                f"{f.crypto_context}（{model._meta.db_table} 主键 {pk_value}）"
                                f"无法解密：{exc}"
                            ) from exc
                        token = ring.encrypt(plain, f.crypto_context)
                        report.values += 1
                        report.by_column[f.crypto_context] = (
                            report.by_column.get(f.crypto_context, 0) + 1
                        )
                    new_tokens.append(token)
                updates.append([*new_tokens, pk_value])
            with connection.cursor() as cur:
                cur.executemany(update, updates)
            last = found[-1][0]
        report.rows += len(found)
        advance(len(found))


def _file_batches(ring: KeyRing, batch: int, report: Report, advance):
    from . import files
    from .models import EncryptedFile

    last = 0
    while True:
        with transaction.atomic():
            rows = list(
                EncryptedFile.objects.select_for_update()
                .exclude(key_id=ring.current)
                .filter(pk__gt=last)
                .order_by("pk")[:batch]
            )
            if not rows:
                return
            for row in rows:
                try:
                    files.reencrypt_file(row, ring)
                except (DecryptionError, OSError) as exc:
                    raise ReencryptError(f"加密文件 {row.path} 无法重新加密：{exc}") from exc
                report.files += 1
            last = rows[-1].pk
        advance(len(rows))


def reencrypt(
    *, batch: int = 500, progress: Callable[[int], None] | None = None, ring: KeyRing | None = None
) -> Report:
    """Rewrite every value and file not under the current key. Returns what was done."""
    ring = ring or keys.ring()
    report = Report()
    advance = progress or (lambda n: None)
    for model, fields in encrypted_columns():
        _model_batches(model, fields, ring, batch, report, advance)
    _file_batches(ring, batch, report, advance)
    return report
