"""Report endpoints.

GET  /api/reports/monthly?period=YYYY-MM[&province=]        the monthly table (scripts' contract)
GET  /api/reports/quarterly?period=YYYYQn&table=1..4        a quarterly table's figures
GET  /api/reports/due[?from=YYYY-MM-DD]                     what is due next, what is late
GET  /api/reports/stored[?table=&period=]                   stored versions (who, when, changes)
POST /api/reports/generate   {"table", "period", "province"} store a version (checks first)
POST /api/reports/entries    {"period", "table", "cells": [{"row", "column", "value"}]}

The POSTs go through ``sbk.core.idempotency.run`` (Idempotency-Key).
"""

import datetime as dt

from ninja import Router, Schema, Status

from sbk.core import idempotency
from sbk.core.errors import ServiceError

from . import queries, services, tables
from .errors import ReportErrorCode as E

router = Router(tags=["统计调度表"])


class Finding(Schema):
    code: str
    row: str
    message: str
    blocking: bool


class TableOut(Schema):
    figures: dict
    findings: list[Finding]


class MonthlyOut(Schema):
    period: str
    rows: list[dict]
    total: dict
    new_cities: list[dict]
    remark: str


class GenerateIn(Schema):
    table: int
    period: str
    province: str = ""


class StoredOut(Schema):
    id: int
    table: int
    period: str
    province: str
    version: int
    generated_at: dt.datetime
    generated_by: str
    filler: str
    phone: str
    responsible: str
    checks: list[dict]
    changes: list[dict]
    figures: dict


class Cell(Schema):
    row: str = ""
    column: str
    value: str = ""


class EntriesIn(Schema):
    period: str
    table: int
    cells: list[Cell]
    reason: str = ""


class EntriesOut(Schema):
    cells: int


def _stored_out(r) -> dict:
    return {
        "id": r.pk,
        "table": r.table,
        "period": r.period,
        "province": r.province,
        "version": r.version,
        "generated_at": r.generated_at,
        "generated_by": r.generated_by.username if r.generated_by_id else "系统",
        "filler": r.filler,
        "phone": r.phone,
        "responsible": r.responsible,
        "checks": r.checks,
        "changes": r.changes,
        "figures": r.figures,
    }


@router.get("/monthly", response=MonthlyOut)
def monthly(request, period: str, province: str = ""):
    queries.ensure_reader(request.auth)
    return tables.contract(queries.compute(0, period, province=province).figures)


@router.get("/quarterly", response=TableOut)
def quarterly(request, period: str, table: int, province: str = ""):
    queries.ensure_reader(request.auth)
    if table not in (1, 2, 3, 4):
        raise ServiceError(E.TABLE, "季调度表 table 应为 1–4", field="table")
    result = queries.compute(table, period, province=province)
    return {"figures": result.figures, "findings": [f.as_dict() for f in result.findings]}


@router.get("/due", response=dict)
def due(request, start: str = ""):
    queries.ensure_reader(request.auth)
    day = None
    if start:
        try:
            day = dt.date.fromisoformat(start)
        except ValueError:
            raise ServiceError(E.PERIOD, "start 应为 YYYY-MM-DD", field="start") from None
    return queries.due_list(day)


@router.get("/stored", response=list[StoredOut])
def stored(request, table: int | None = None, period: str = ""):
    queries.ensure_reader(request.auth)
    return [_stored_out(r) for r in queries.stored(table, period)[:50]]


@router.post("/generate", response={201: StoredOut})
def generate(request, payload: GenerateIn):
    def act():
        report = services.generate(
            payload.table, payload.period, acting_user=request.auth, province=payload.province
        )
        return 201, StoredOut(**_stored_out(report)).model_dump(mode="json")

    return Status(*idempotency.run(request, payload.model_dump(mode="json"), act))


@router.post("/entries", response=EntriesOut)
def entries(request, payload: EntriesIn):
    def act():
        n = services.enter(
            payload.period,
            payload.table,
            {(c.row, c.column): c.value for c in payload.cells},
            acting_user=request.auth,
            reason=payload.reason,
        )
        return 200, {"cells": n}

    return idempotency.run(request, payload.model_dump(mode="json"), act)[1]
