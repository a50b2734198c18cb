"""The process's key ring, read from the key file named by settings.SBK_KEYS_FILE."""

from django.conf import settings
from django.core import checks
from django.db import DatabaseError, connection

from .crypto import DecryptionError, KeyError_, KeyRing, load_ring_cached


def ring() -> KeyRing:
    return load_ring_cached(settings.SBK_KEYS_FILE)


def check_key_file(app_configs=None, **kwargs):
    """System check: a missing or broken key file stops start-up with a clear message."""
    try:
        ring()
    except KeyError_ as exc:
        return [
            checks.Error(
                f"加密密钥不可用：{exc}",
                hint="生成密钥文件：sbk keys generate PATH，并用 SBK_KEYS_FILE 指向它。",
                id="sbk.E001",
            )
        ]
    return []


def sample_tokens(limit_per_column: int = 1):
    """(label, context, token) for the oldest and newest value of every encrypted column."""
    from .reencrypt import encrypted_columns

    qn = connection.ops.quote_name
    for model, fields in encrypted_columns():
        table, pk = qn(model._meta.db_table), qn(model._meta.pk.column)
        for f in fields:
            col = qn(f.column)
            for order in ("ASC", "DESC"):
                sql = (
                    f"SELECT {pk}, {col} FROM {table} WHERE {col} IS NOT NULL AND {col} <> '' "
                    f"ORDER BY {pk} {order} LIMIT {int(limit_per_column)}"
                )
                with connection.cursor() as cur:
                    cur.execute(sql)
                    for pk_value, token in cur.fetchall():
                        yield f"{f.crypto_context}#{pk_value}", f.crypto_context, token


def check_keys_match_data(app_configs=None, **kwargs):
    """System check: the key file must open the data already in the database (sbk.E002)."""
    try:
        r = ring()
    except KeyError_:
        return []  # reported by sbk.E001
    try:
        for label, context, token in sample_tokens():
            try:
                r.decrypt(token, context)
            except DecryptionError as exc:
                return [
                    checks.Error(
                        f"密钥文件与数据库中的数据不匹配：{label} 无法解密（{exc}）",
                        hint=f"确认 SBK_KEYS_FILE（{settings.SBK_KEYS_FILE}）是本数据库所用的密钥文件。",
                        id="sbk.E002",
                    )
                ]
    except DatabaseError:
        return []  # no tables yet (before migrate): nothing to check against
    finally:
        # A check must not leave a failed transaction behind on PostgreSQL.
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()
    return []
