"""Hash-chained, append-only logs (audit and access), SPEC §8.

Each row's hash is SM3(previous hash | canonical JSON of its content). Appends to one
chain are serialised by locking that chain's head row, so concurrent writers on
PostgreSQL still produce one unbroken sequence.
"""

from __future__ import annotations

import datetime as dt
import json

from django.db import models, transaction
from django.utils import timezone

from .crypto import sm3_hex

GENESIS = "0" * 64


class ChainHead(models.Model):
    """The last sequence number and hash of one chain ("audit", "access")."""

    name = models.CharField(max_length=32, primary_key=True)
    seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS)

    class Meta:
        app_label = "core"

    def __str__(self):
        return f"{self.name} #{self.seq}"


class ChainedLog(models.Model):
    CHAIN = ""
    seq = models.BigIntegerField(unique=True, editable=False)
    at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    class Meta:
        abstract = True
        ordering = ["seq"]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("日志只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("日志只能追加，不能删除")

    def chain_content(self) -> dict:
        raise TypeError(f"{type(self).__name__} must define chain_content()")

    def compute_hash(self) -> str:
        body = dict(self.chain_content())
        body["seq"] = self.seq
        body["at"] = _iso(self.at)
        text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return sm3_hex(f"{self.prev_hash}|{text}".encode())


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def append(row: ChainedLog) -> ChainedLog:
    """Give ``row`` the next place in its chain and insert it, inside the caller's transaction."""
    with transaction.atomic():
        # The head rows are created by a migration; locking one serialises its chain.
        head = ChainHead.objects.select_for_update().get(pk=row.CHAIN)
        row.seq = head.seq + 1
        row.prev_hash = head.last_hash
        row.at = row.at or timezone.now()
        row.hash = row.compute_hash()
        row.save(force_insert=True)
        ChainHead.objects.filter(pk=head.pk).update(seq=row.seq, last_hash=row.hash)
    return row


def verify(model: type[ChainedLog], *, from_seq: int | None = None):
    """Walk a chain; return (ok, first_bad_seq, reason, rows_checked)."""
    qs = model.objects.order_by("seq")
    if from_seq is not None:
        qs = qs.filter(seq__gte=from_seq)
    prev_hash = None
    expected_seq = None
    n = 0
    for row in qs.iterator(chunk_size=2000):
        n += 1
        if expected_seq is not None and row.seq != expected_seq:
            return False, expected_seq, f"第 {expected_seq} 行缺失（被删除）", n
        if prev_hash is not None and row.prev_hash != prev_hash:
            return False, row.seq, f"第 {row.seq} 行的前序哈希不符（前一行被改动或插入）", n
        if row.compute_hash() != row.hash:
            return False, row.seq, f"第 {row.seq} 行内容与哈希不符（被篡改）", n
        prev_hash = row.hash
        expected_seq = row.seq + 1
    if n and expected_seq is not None:
        head = ChainHead.objects.filter(name=model.CHAIN).first()
        if head and head.seq != expected_seq - 1:
            return False, expected_seq, f"链尾缺失：链头记录为第 {head.seq} 行", n
    return True, None, "", n
