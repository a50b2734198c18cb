"""The equipment register (网点设备运维): devices, faults and repairs, maintenance modes."""

from __future__ import annotations

import datetime as dt

from sbk.accounts.policy import ensure
from sbk.core.actions import atomic, record
from sbk.core.catalogue import Action as A
from sbk.core.errors import ServiceError
from sbk.orgs.models import Organisation

from ..errors import OpsErrorCode as E
from ..models import Device, DeviceFault, MaintenanceMode
from ..models.equipment import DeviceKind, DeviceStatus, FaultSource, MaintenanceKind
from .common import locked, need_district, need_outlet, need_past, need_text, staff


def _device_after(d: Device) -> dict:
    return {
        "org": d.org.code,
        "kind": d.kind,
        "model": d.model,
        "purchase_date": str(d.purchase_date),
        "standby": d.standby,
        "status": d.condition,
        "retired_on": str(d.retired_on) if d.retired_on else None,
    }


@atomic
def register_device(
    *,
    acting_user,
    org: Organisation,
    kind: str,
    model: str,
    purchase_date: dt.date,
    serial_no: str = "",
    standby: bool = False,
) -> Device:
    """登记设备: a card printer, photo capture device or read-write terminal of an outlet."""
    ensure(acting_user, A.DEVICE_REGISTER, org)
    need_outlet(org)
    if kind not in DeviceKind.values:
        raise ServiceError(E.BAD_KIND, "设备类型须为 printer/photo/terminal", field="kind")
    d = Device.objects.create(
        org=org,
        kind=kind,
        model=need_text(model, "model", "型号")[:100],
        serial_no=(serial_no or "")[:60],
        purchase_date=need_past(purchase_date, "purchase_date", "购置日期"),
        standby=bool(standby),
    )
    record(A.DEVICE_REGISTER, acting_user=acting_user, obj=d, after=_device_after(d))
    return d


@atomic
def change_device(
    device_id: int,
    *,
    acting_user,
    status: str | None = None,
    standby: bool | None = None,
    retired_on: dt.date | None = None,
) -> Device:
    """变更设备: in service / faulty / retired (with the day), or the standby flag."""
    d = locked(acting_user, Device.objects, device_id, "设备", A.DEVICE_CHANGE)
    ensure(acting_user, A.DEVICE_CHANGE, d)
    before = _device_after(d)
    if status is not None:
        if status not in DeviceStatus.values:
            raise ServiceError(E.BAD_KIND, "状态须为 in_service/faulty/retired", field="status")
        d.condition = status
        if status == DeviceStatus.RETIRED:
            d.retired_on = need_past(retired_on, "retired_on", "报废日期")
            if d.retired_on < d.purchase_date:
                raise ServiceError(E.BAD_DATE, "报废日期不能早于购置日期", field="retired_on")
        else:
            d.retired_on = None
    if standby is not None:
        d.standby = bool(standby)
    d.save()
    record(A.DEVICE_CHANGE, acting_user=acting_user, obj=d, before=before, after=_device_after(d))
    return d


@atomic
def report_fault(
    device_id: int, *, acting_user, reported_on: dt.date, description: str, source: str = "self"
) -> DeviceFault:
    """报修: a fault of a device (found by the outlet, a citizen or an inspection)."""
    d = locked(acting_user, Device.objects, device_id, "设备", A.FAULT_REPORT)
    ensure(acting_user, A.FAULT_REPORT, d)
    if source not in FaultSource.values:
        raise ServiceError(E.BAD_KIND, "发现途径须为 self/citizen/inspection", field="source")
    f = DeviceFault.objects.create(
        device=d,
        org=d.org,
        source=source,
        reported_on=need_past(reported_on, "reported_on", "报修日期"),
        description=need_text(description, "description", "故障情况"),
        reported_by=staff(acting_user),
    )
    if d.condition == DeviceStatus.IN_SERVICE:
        d.condition = DeviceStatus.FAULTY
        d.save(update_fields=["condition"])
    record(A.FAULT_REPORT, acting_user=acting_user, obj=f, after={"device": d.pk})
    return f


@atomic
def repair_fault(
    fault_id: int, *, acting_user, repaired_on: dt.date, repair_note: str
) -> DeviceFault:
    """修复: the day the device works again and what was done."""
    f = locked(acting_user, DeviceFault.objects, fault_id, "故障", A.FAULT_REPAIR)
    ensure(acting_user, A.FAULT_REPAIR, f)
    repaired_on = need_past(repaired_on, "repaired_on", "修复日期")
    if repaired_on < f.reported_on:
        raise ServiceError(E.BAD_DATE, "修复日期不能早于报修日期", field="repaired_on")
    f.repaired_on, f.repair_note = repaired_on, need_text(repair_note, "repair_note", "维修记录")
    f.save(update_fields=["repaired_on", "repair_note"])
    Device.objects.filter(pk=f.device_id, condition=DeviceStatus.FAULTY).update(
        condition=DeviceStatus.IN_SERVICE
    )
    record(A.FAULT_REPAIR, acting_user=acting_user, obj=f, after={"repaired_on": str(repaired_on)})
    return f


@atomic
def review_fault(fault_id: int, *, acting_user, complete: bool, note: str = "") -> DeviceFault:
    """核查报修记录: the district or the centre marks a record (in)complete or irregular."""
    f = locked(acting_user, DeviceFault.objects, fault_id, "故障", A.FAULT_REVIEW)
    ensure(acting_user, A.FAULT_REVIEW, f)
    if not complete:
        need_text(note, "note", "核查意见")
    before = {"record_complete": f.record_complete}
    f.record_complete, f.review_note = bool(complete), note or ""
    f.save(update_fields=["record_complete", "review_note"])
    record(
        A.FAULT_REVIEW,
        acting_user=acting_user,
        obj=f,
        before=before,
        after={"record_complete": f.record_complete},
        reason=note,
    )
    return f


@atomic
def set_maintenance(
    *, acting_user, org: Organisation, effective_from: dt.date, mode: str, note: str = ""
) -> MaintenanceMode:
    """区运维模式: unified maintenance of the whole district, part of it, or none."""
    ensure(acting_user, A.MAINTENANCE_SET, org)
    need_district(org)
    if mode not in MaintenanceKind.values:
        raise ServiceError(E.BAD_KIND, "运维模式须为 full/partial/none", field="mode")
    if effective_from is None:
        raise ServiceError(E.BAD_DATE, "起始日期不能为空", field="effective_from")
    row, _ = MaintenanceMode.objects.update_or_create(
        org=org, effective_from=effective_from, defaults={"mode": mode, "note": note or ""}
    )
    record(
        A.MAINTENANCE_SET,
        acting_user=acting_user,
        obj=row,
        after={"mode": mode, "from": str(effective_from)},
    )
    return row
