"""The audit and access logs: hash chains, append-only tables, verification, retention."""

import datetime as dt
import io
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from sbk.core import appendonly, audit, chain
from sbk.core.actors import SYSTEM
from sbk.core.errors import ServiceError
from sbk.core.models import AccessLog, AuditEntry, ChainAnchor, ChainHead
from sbk.core.retention import purge

from .helpers import postgres_only, raw, verify_cli, write_rows

pytestmark = pytest.mark.django_db


def test_whole_chain_verifies_and_cli_exits_0():
    write_rows(5)
    code, out = verify_cli()
    assert code == 0, out
    assert "审计日志：完整" in out and "访问日志：完整" in out


def test_edit_is_named():
    rows = write_rows(6)
    raw("UPDATE core_auditentry SET reason = 'changed' WHERE seq = %s", [rows[2].seq])
    code, out = verify_cli()
    assert code == 1
    assert f"第 {rows[2].seq} 行" in out and "被改动" in out


def test_edit_with_recomputed_hash_is_named():
    rows = write_rows(6)
    victim = AuditEntry.objects.get(seq=rows[2].seq)
    victim.reason = "forged"
    new_hash = victim.compute_hash()
    raw(
        "UPDATE core_auditentry SET reason = 'forged', hash = %s WHERE seq = %s",
        [new_hash, victim.seq],
    )
    v = chain.verify(AuditEntry)
    assert not v.ok and v.bad_seq == victim.seq and "被改动" in v.reason


def test_edit_of_the_last_row_is_named_through_the_head():
    rows = write_rows(3)
    last = AuditEntry.objects.get(seq=rows[-1].seq)
    last.reason = "forged"
    raw(
        "UPDATE core_auditentry SET reason = 'forged', hash = %s WHERE seq = %s",
        [last.compute_hash(), last.seq],
    )
    v = chain.verify(AuditEntry)
    assert not v.ok and v.bad_seq == last.seq and "链尾" in v.reason


def test_delete_is_named():
    rows = write_rows(6)
    raw("DELETE FROM core_auditentry WHERE seq = %s", [rows[3].seq])
    code, out = verify_cli()
    assert code == 1 and f"第 {rows[3].seq} 行" in out and "删除" in out


def test_delete_of_the_tail_is_named():
    rows = write_rows(4)
    raw("DELETE FROM core_auditentry WHERE seq = %s", [rows[-1].seq])
    v = chain.verify(AuditEntry)
    assert not v.ok and v.bad_seq == rows[-1].seq and "删除" in v.reason


def test_insert_at_the_end_is_named():
    rows = write_rows(3)
    last = rows[-1]
    fake = AuditEntry(
        seq=last.seq + 1,
        prev_hash=last.hash,
        at=timezone.now(),
        action="forged",
        object_type="t",
        actor_username="mallory",
    )
    fake.hash = fake.compute_hash()
    raw(
        "INSERT INTO core_auditentry (seq, at, prev_hash, hash, actor_id, actor_username, "
        "org_code, action, object_type, object_id, before, after, reason) "
        "VALUES (%s, %s, %s, %s, NULL, 'mallory', '', 'forged', 't', '', NULL, NULL, '')",
        [fake.seq, fake.at, fake.prev_hash, fake.hash],
    )
    code, out = verify_cli()
    assert code == 1 and f"第 {fake.seq} 行" in out and "插入" in out


def test_insert_in_a_gap_is_named():
    rows = write_rows(5)
    victim = rows[2]
    raw("DELETE FROM core_auditentry WHERE seq = %s", [victim.seq])
    raw(
        "INSERT INTO core_auditentry (seq, at, prev_hash, hash, actor_id, actor_username, "
        "org_code, action, object_type, object_id, before, after, reason) "
        "VALUES (%s, %s, %s, %s, NULL, 'mallory', '', 'forged', 't', '', NULL, NULL, '')",
        [victim.seq, victim.at, victim.prev_hash, "f" * 64],
    )
    v = chain.verify(AuditEntry)
    assert not v.ok and v.bad_seq == victim.seq


def test_database_refuses_update_and_delete():
    write_rows(2)
    for sql in (
        "UPDATE core_auditentry SET reason = 'x'",
        "DELETE FROM core_auditentry",
        "UPDATE core_accesslog SET purpose = 'x'",
    ):
        if "accesslog" in sql:
            from sbk.testing import World

            w = World()
            audit.record_access(user=w.operator_a, obj=w.person_a, purpose="咨询")
        with pytest.raises(DatabaseError), transaction.atomic():
            with connection.cursor() as cur:
                cur.execute(sql)
    assert AuditEntry.objects.filter(reason="x").count() == 0


def test_triggers_are_installed():
    names = appendonly.installed_triggers()
    for table in appendonly.TABLES:
        assert any(n.startswith(table) for n in names), (table, names)


def test_orm_refuses_changes():
    row = write_rows(1)[0]
    with pytest.raises(ValueError):
        row.save()
    with pytest.raises(ValueError):
        row.delete()


def test_admin_is_read_only(admin_client):
    row = write_rows(1)[0]
    assert admin_client.get("/admin/core/auditentry/").status_code == 200
    page = admin_client.get(f"/admin/core/auditentry/{row.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert admin_client.post(f"/admin/core/auditentry/{row.pk}/delete/").status_code == 403
    assert admin_client.get("/admin/core/auditentry/add/").status_code == 403
    assert AuditEntry.objects.filter(pk=row.pk).exists()


def _age(rows, days):
    """Backdate rows (as if written long ago) and rebuild their hashes, as the past would have."""
    when = timezone.now() - dt.timedelta(days=days)
    prev = None
    for r in AuditEntry.objects.order_by("seq"):
        if prev is not None:
            r.prev_hash = prev
        if r.pk in {x.pk for x in rows}:
            r.at = when
        r.hash = r.compute_hash()
        raw(
            "UPDATE core_auditentry SET at = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [r.at, r.prev_hash, r.hash, r.pk],
        )
        prev = r.hash
    ChainHead.objects.filter(name="audit").update(last_hash=prev)


def test_purge_refuses_young_rows(settings):
    write_rows(2)
    with pytest.raises(ServiceError) as exc:
        purge(acting_user=SYSTEM, before=timezone.localdate())
    assert exc.value.code == "retention"
    with pytest.raises(CommandError, match="retention"):
        call_command("audit", "purge", "--before", timezone.localdate().isoformat())


def test_purge_keeps_the_chain_verifiable_and_is_audited(settings):
    old = write_rows(4, action="old")
    young = write_rows(3, action="young")
    _age(old, settings.SBK_AUDIT_RETENTION_DAYS + 10)
    assert chain.verify(AuditEntry).ok
    cutoff = timezone.localdate() - dt.timedelta(days=settings.SBK_AUDIT_RETENTION_DAYS + 1)
    out = io.StringIO()
    call_command("audit", "purge", "--before", cutoff.isoformat(), stdout=out)
    assert not AuditEntry.objects.filter(action="old").exists()
    assert AuditEntry.objects.filter(action="young").count() == 3
    anchor = ChainAnchor.objects.get(chain="audit")
    assert anchor.seq == old[-1].seq and anchor.rows >= 4
    entry = AuditEntry.objects.get(action="audit.purge")
    assert entry.after["anchors"]["audit"]["seq"] == anchor.seq
    assert entry.actor_username == anchor.purged_by == SYSTEM.get_username()
    code, text = verify_cli()
    assert code == 0, text
    assert young[0].seq > anchor.seq
    # A row put back into the purged range is an insert.
    raw(
        "INSERT INTO core_auditentry (seq, at, prev_hash, hash, actor_id, actor_username, "
        "org_code, action, object_type, object_id, before, after, reason) "
        "VALUES (1, %s, %s, %s, NULL, 'mallory', '', 'forged', 't', '', NULL, NULL, '')",
        [old[0].at, chain.GENESIS, old[0].hash],
    )
    v = chain.verify(AuditEntry)
    assert not v.ok and v.bad_seq == 1 and "插入" in v.reason
    raw("DELETE FROM core_auditentry WHERE seq = 1")
    assert chain.verify(AuditEntry).ok
    # A forged anchor without its audit.purge row does not pass.
    raw("UPDATE core_auditentry SET after = NULL WHERE action = 'audit.purge'")
    v = chain.verify(AuditEntry)
    assert not v.ok


def test_purge_is_the_city_administrators_or_the_systems(settings):
    from sbk.accounts.models import Role, User
    from sbk.core.errors import Forbidden
    from sbk.orgs.models import Organisation, OrgKind

    old = write_rows(2)
    _age(old, settings.SBK_AUDIT_RETENTION_DAYS + 10)
    cutoff = timezone.localdate() - dt.timedelta(days=settings.SBK_AUDIT_RETENTION_DAYS + 1)
    with pytest.raises(TypeError):  # no more "None means the system"
        purge(acting_user=None, before=cutoff)
    centre = Organisation.objects.create(
        code="C0", name="中心", kind=OrgKind.CENTRE, division_code="310000"
    )
    district = User.objects.create_user("dist", role=Role.DISTRICT_ADMIN, org=centre)
    with pytest.raises(Forbidden):
        purge(acting_user=district, before=cutoff)
    with pytest.raises(CommandError, match="forbidden"):
        call_command("audit", "purge", "--before", cutoff.isoformat(), "--user", "dist")
    assert AuditEntry.objects.filter(action="test.action").count() == 2
    User.objects.create_user("city", role=Role.CITY_ADMIN, org=centre)
    call_command("audit", "purge", "--before", cutoff.isoformat(), "--user", "city")
    entry = AuditEntry.objects.get(action="audit.purge")
    assert entry.actor_username == "city"
    assert not AuditEntry.objects.filter(action="test.action").exists()


def test_purge_refuses_a_broken_chain(settings):
    old = write_rows(3)
    _age(old, settings.SBK_AUDIT_RETENTION_DAYS + 10)
    raw("UPDATE core_auditentry SET reason = 'x' WHERE seq = %s", [old[1].seq])
    cutoff = timezone.localdate() - dt.timedelta(days=settings.SBK_AUDIT_RETENTION_DAYS + 1)
    with pytest.raises(ServiceError) as exc:
        purge(acting_user=SYSTEM, before=cutoff)
    assert exc.value.code == "chain_broken"


def test_rows_before_an_anchor_without_a_purge_record_are_reported():
    rows = write_rows(5)
    raw("DELETE FROM core_auditentry WHERE seq <= %s", [rows[1].seq])
    v = chain.verify(AuditEntry)
    assert not v.ok and "缺失" in v.reason


def test_verify_from_date_starts_at_a_checked_anchor():
    rows = write_rows(6)
    day = timezone.localdate().isoformat()
    code, out = verify_cli("--from", day)
    assert code == 0, out
    # The row before the start is checked too: its hash is the anchor.
    v = chain.verify(AuditEntry, from_seq=rows[3].seq)
    assert v.ok and v.anchor_seq == rows[2].seq
    raw("UPDATE core_auditentry SET reason = 'x' WHERE seq = %s", [rows[2].seq])
    v = chain.verify(AuditEntry, from_seq=rows[3].seq)
    assert not v.ok and v.bad_seq == rows[2].seq


def test_access_log_chain_tamper_is_named(world):
    for _ in range(3):
        audit.record_access(user=world.operator_a, obj=world.person_a, purpose="咨询")
    first = AccessLog.objects.order_by("seq").first()
    raw("UPDATE core_accesslog SET purpose = '别的' WHERE seq = %s", [first.seq])
    code, out = verify_cli()
    assert code == 1 and "访问日志：损坏" in out and f"第 {first.seq} 行" in out


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_appends_make_one_chain():
    threads, per_thread = 6, 15
    barrier = threading.Barrier(threads)
    errors = []
    before = AuditEntry.objects.count()

    def work():
        from django.db import connection as conn

        try:
            barrier.wait()
            for i in range(per_thread):
                with transaction.atomic():
                    audit.record(acting_user=None, action="race", object_type="t", object_id=i)
        except Exception as exc:
            errors.append(exc)
        finally:
            conn.close()

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(60)
    assert not errors
    assert AuditEntry.objects.count() == before + threads * per_thread
    v = chain.verify(AuditEntry)
    assert v.ok, v.reason
