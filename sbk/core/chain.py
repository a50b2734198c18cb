"""Hash-chained, append-only logs (audit and access), SPEC §8.

Each row's hash is SM3(previous hash | canonical JSON of its content). Appends to one
chain are serialised by locking that chain's head row, so concurrent writers on
PostgreSQL still produce one unbroken sequence. The head (last seq and hash) lives in
``ChainHead``; a purge leaves a ``ChainAnchor`` (the last purged row's seq and hash) from
which the remaining chain is verified.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from django.db import connection, models, transaction
from django.utils import timezone

from . import batch, prepared
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


class ChainAnchor(models.Model):
    """Left by ``sbk audit purge``: rows up to ``seq`` were deleted; ``hash`` was the last one's."""

    chain = models.CharField(max_length=32, editable=False)
    seq = models.BigIntegerField(editable=False)
    hash = models.CharField(max_length=64, editable=False)
    last_at = models.DateTimeField(editable=False)
    purged_at = models.DateTimeField(default=timezone.now, editable=False)
    purged_by = models.CharField(max_length=150, editable=False)
    rows = models.BigIntegerField(editable=False)

    class Meta:
        app_label = "core"
        ordering = ["chain", "seq"]
        verbose_name = "日志清理锚点"
        verbose_name_plural = "日志清理锚点"
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="chain_anchor_unique")]

    def __str__(self):
        return f"{self.chain} ≤{self.seq}"


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


# The head is read under its lock and written back with plain SQL: these statements run
# inside the critical section every audited write passes through (the lock is held until
# COMMIT), and the ORM would spend about a millisecond compiling each while holding it.
def _head_sql(template: str) -> str:
    qn = connection.ops.quote_name
    return template.format(
        table=qn(ChainHead._meta.db_table),
        name=qn("name"),
        seq=qn("seq"),
        last_hash=qn("last_hash"),
        lock=" FOR UPDATE" if connection.features.has_select_for_update else "",
    )


_HEAD_UPDATE = "UPDATE {table} SET {seq} = %s, {last_hash} = %s WHERE {name} = %s"


def _head_for_update(name: str) -> ChainHead:
    # Created by migration 0002; a test flush may have removed it, so create it again
    # (only for an empty chain: a missing head in front of rows is an error, not a restart).
    # The action's held writes (its journal row, the new status, …) go in the same
    # statement (sbk.core.batch): the lock is the next statement of every audited action.
    select = _head_sql("SELECT {seq}, {last_hash} FROM {table} WHERE {name} = %s{lock}")
    qn = connection.ops.quote_name
    with connection.cursor() as cur:
        row = batch.fetchone_carrying(
            cur, select, [name], [qn("seq"), qn("last_hash")], reads=ChainHead._meta.db_table
        )
        if row is None:
            ChainHead.objects.get_or_create(name=name)
            cur.execute(select, [name])
            row = cur.fetchone()
    return ChainHead(name=name, seq=row[0], last_hash=row[1])


def _queue_moving_head(row: ChainedLog, name: str) -> None:
    """PostgreSQL: ``row``'s INSERT and its chain head's move as two parts of one statement
    (``sbk.core.batch``: a data-modifying CTE), one round trip fewer inside the critical
    section; the caller sends them now or holds them for the action's next statement. The
    head stays a row of its own, written by sbk only: a row inserted by other means does
    not move it, and ``verify`` names such a row (a trigger moving the head would hide it).
    The head is locked already; the next append sends held parts before reading it."""
    model = type(row)
    fields, insert = prepared.insert_statement(model)  # "… RETURNING id" on PostgreSQL
    batch.queue(
        connection,
        table=model._meta.db_table,
        sql=insert,
        params=prepared.insert_values(row, fields),
        returns=connection.ops.quote_name(model._meta.pk.column),
        settle=batch.set_pk(row, connection.alias),
    )
    batch.queue(
        connection,
        table=ChainHead._meta.db_table,
        sql=_head_sql(_HEAD_UPDATE) + " RETURNING 1",
        params=[row.seq, row.hash, name],
        returns="1",
        settle=batch.one_row(f"chain head {name!r}"),
    )


def _move_head(name: str, seq: int, last_hash: str) -> None:
    with connection.cursor() as cur:
        cur.execute(_head_sql(_HEAD_UPDATE), [seq, last_hash, name])


def append(row: ChainedLog, *, defer: bool = False) -> ChainedLog:
    """Give ``row`` the next place in its chain and insert it, inside the caller's transaction.

    No savepoint of its own: a failed append fails the caller's whole action, which is what
    an action without its audit row must do anyway (and it saves two statements per action).
    ``defer``: inside a business action on PostgreSQL the INSERT and the head's move are held
    and sent with the action's next statement (``row.pk`` is set then).
    """
    with transaction.atomic(savepoint=False):
        head = _head_for_update(row.CHAIN)
        row.seq = head.seq + 1
        row.prev_hash = head.last_hash
        row.at = row.at or timezone.now()
        row.hash = row.compute_hash()
        if connection.vendor == "postgresql" and prepared.insert_statement(type(row)):
            _queue_moving_head(row, head.name)
            if not (defer and batch.can_defer(connection)):
                batch.flush(connection)
        else:
            prepared.insert(row)
            _move_head(head.name, row.seq, row.hash)
    return row


@dataclass
class Verdict:
    ok: bool
    bad_seq: int | None = None
    reason: str = ""
    checked: int = 0
    anchor_seq: int = 0
    anchor_hash: str = GENESIS
    last_seq: int = 0
    last_hash: str = GENESIS

    def __iter__(self):  # ok, bad_seq, reason, checked = verify(...)
        return iter((self.ok, self.bad_seq, self.reason, self.checked))


def _bad(v: Verdict, seq: int, reason: str) -> Verdict:
    v.ok, v.bad_seq, v.reason = False, seq, reason
    return v


def _anchor(model, start: int | None, *, partial: bool, v: Verdict) -> Verdict | None:
    """Find the trusted hash in front of ``start``; return a failed verdict if there is none."""
    anchors = ChainAnchor.objects.filter(chain=model.CHAIN)
    latest = anchors.order_by("-seq").first()
    if start is None:  # an empty table: everything purged, or nothing written yet
        v.anchor_seq, v.anchor_hash = (latest.seq, latest.hash) if latest else (0, GENESIS)
        return None
    if latest is not None and start <= latest.seq:
        return _bad(v, start, f"第 {start} 行位于已清理的范围（≤{latest.seq}）内（被插入）")
    if start == 1:
        return None
    prev = model.objects.filter(seq=start - 1).first()
    if partial and prev is not None:
        if prev.compute_hash() != prev.hash:
            return _bad(
                v, prev.seq, f"第 {prev.seq} 行（起点之前的锚点行）内容与哈希不符（被改动）"
            )
        v.anchor_seq, v.anchor_hash = prev.seq, prev.hash
        return None
    anchor = anchors.filter(seq=start - 1).first()
    if anchor is None:
        low = (latest.seq + 1) if latest else 1
        return _bad(v, low, f"第 {low}–{start - 1} 行缺失（被删除），且没有对应的清理记录")
    if not partial and not _purge_recorded(model.CHAIN, anchor):
        return _bad(v, start, f"清理锚点（≤{anchor.seq}）在审计日志中没有对应的 audit.purge 记录")
    v.anchor_seq, v.anchor_hash = anchor.seq, anchor.hash
    return None


def _purge_recorded(chain: str, anchor: ChainAnchor) -> bool:
    from .models import AuditEntry

    return AuditEntry.objects.filter(
        action="audit.purge",
        **{
            f"after__anchors__{chain}__seq": anchor.seq,
            f"after__anchors__{chain}__hash": anchor.hash,
        },
    ).exists()


def verify(model: type[ChainedLog], *, from_seq: int | None = None) -> Verdict:
    """Walk a chain from a trusted anchor to its head; name the first row that is wrong.

    The anchor is the genesis hash, the anchor a purge left, or (with ``from_seq``) the row
    just before the start, whose own hash is checked first. The walk ends at the head row,
    re-read after each pass so that rows appended meanwhile are not mistaken for inserts.
    """
    v = Verdict(ok=True)
    first = model.objects.order_by("seq").values_list("seq", flat=True).first()
    start = first if from_seq is None else max(from_seq, first or from_seq)
    failed = _anchor(model, start, partial=from_seq is not None, v=v)
    if failed:
        return failed
    prev_hash, expected = v.anchor_hash, v.anchor_seq + 1
    v.last_seq, v.last_hash = v.anchor_seq, v.anchor_hash
    qs = model.objects.order_by("seq").filter(seq__gte=start if start is not None else 0)
    while True:
        for row in qs.iterator(chunk_size=2000):
            v.checked += 1
            if row.seq < expected:
                return _bad(v, row.seq, f"第 {row.seq} 行不应存在（被插入）")
            if row.seq > expected:
                return _bad(v, expected, f"第 {expected} 行缺失（被删除）")
            if row.prev_hash != prev_hash:
                if row.seq - 1 > v.anchor_seq:
                    return _bad(
                        v,
                        row.seq - 1,
                        f"第 {row.seq - 1} 行被改动或替换（第 {row.seq} 行记录的前序哈希与之不符）",
                    )
                return _bad(v, row.seq, f"第 {row.seq} 行的前序哈希与锚点不符（被改动或插入）")
            if row.compute_hash() != row.hash:
                return _bad(v, row.seq, f"第 {row.seq} 行内容与其哈希不符（被改动）")
            prev_hash, expected = row.hash, row.seq + 1
            v.last_seq, v.last_hash = row.seq, row.hash
        head = ChainHead.objects.filter(name=model.CHAIN).first()
        head_seq = head.seq if head else 0
        if v.last_seq > head_seq:
            return _bad(
                v, head_seq + 1, f"第 {head_seq + 1} 行在链头（第 {head_seq} 行）之后（被插入）"
            )
        if v.last_seq == head_seq:
            if head is not None and head.last_hash != v.last_hash:
                return _bad(
                    v, v.last_seq, f"第 {v.last_seq} 行（链尾）与链头记录的哈希不符（被改动）"
                )
            return v
        # Rows appended while we walked, or rows deleted from the tail: look again.
        more = model.objects.order_by("seq").filter(seq__gt=v.last_seq, seq__lte=head_seq)
        if not more.exists():
            return _bad(
                v,
                v.last_seq + 1,
                f"第 {v.last_seq + 1} 行缺失（被删除；链头记录为第 {head_seq} 行）",
            )
        qs = more
