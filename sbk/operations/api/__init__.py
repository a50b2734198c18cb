"""Operations endpoints (运营记录): work orders, trainings and exams, the equipment register,
information reports, material sampling, the centre's assessments and the indicators.

Objects are named in the body or the query (``order``, ``device`` …), never in the path;
every one is looked up within the caller's scope (404 outside it). Every mutating call
goes through ``sbk.core.idempotency.run`` (Idempotency-Key).

POST /api/operations/orders               受理 by hand
POST /api/operations/orders/import        the 好差评 export, all or nothing, idempotent
POST /api/operations/orders/transition    派单 签收 响应 整改 回访 办结 退单 重启 暂停 恢复
GET  /api/operations/orders?state=        orders in scope with their traffic light
GET  /api/operations/orders/history?order=
POST /api/operations/trainings | tutors | questionnaires | exams | exams/results
POST /api/operations/devices | devices/change | faults | faults/repair | faults/review
POST /api/operations/maintenance
GET  /api/operations/devices, /renewals?org=&at=
POST /api/operations/info | info/adopt;  GET /api/operations/info
POST /api/operations/documents | samples/draw | samples/inspect | business-errors
GET  /api/operations/samples, /documents?application=
POST /api/operations/documents/view       an image for a stated purpose (access-logged)
POST /api/operations/assessments
GET  /api/operations/indicators?org=&start=&end=
"""

from . import orders, records, sampling  # noqa: F401  (they add their operations)
from .common import router

__all__ = ["router"]
